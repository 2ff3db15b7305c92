package io.burrow.linux;

import io.burrow.linux.sys.Fd;

import io.burrow.linux.sys.Native;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The other process in {@link UnixSocketsTest}: connects to the socket in args[0], receives one
 * line with one fd, writes "hello from pid N: LINE" into that fd, and replies "done".
 */
public final class FdPassingPeer {
  private FdPassingPeer() {}

  public static void main(String[] args) throws Exception {
    try (Fd socket = UnixSockets.connect(Path.of(args[0]));
        UnixSockets.Received request = UnixSockets.readLine(socket, 1024, 1, Duration.ofSeconds(30)).orElseThrow()) {
      if (request.fds().size() != 1) {
        throw new IllegalStateException("expected one fd, got " + request.fds());
      }
      byte[] hello = ("hello from pid " + ProcessHandle.current().pid() + ": " + request.text() + "\n").getBytes(StandardCharsets.UTF_8);
      if (Native.posix().write(request.fds().get(0).fd(), hello, hello.length) != hello.length) {
        throw new IllegalStateException(Native.error("write to the received fd"));
      }
      UnixSockets.writeLine(socket, "done", List.of());
    }
  }
}
