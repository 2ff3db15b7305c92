package io.burrow.linux;

import io.burrow.linux.sys.Fd;

import io.burrow.linux.sys.Native;

import io.burrow.api.spi.ControlChannel;
import io.burrow.api.spi.IoFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ControlChannel} over {@link UnixSockets}: a request is one line carrying SCM_RIGHTS fds,
 * the reply one line. The serving thread owns the listening socket; each accepted connection is
 * answered and closed. Thread-safe.
 */
public final class UnixControlChannel implements ControlChannel {
  private static final Logger LOG = LoggerFactory.getLogger(UnixControlChannel.class);
  private static final int MAX_LINE = 64 * 1024;
  private static final int SHUT_RDWR = 2;
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration REQUEST_READ = Duration.ofSeconds(10);

  @Override
  public AutoCloseable serve(Path socket, int mode, Handler handler) throws IOException {
    Fd listener = UnixSockets.listen(socket, mode);
    Thread thread = new Thread(() -> acceptLoop(listener, handler), "control " + socket.getFileName());
    thread.setDaemon(true);
    thread.start();
    return () -> {
      thread.interrupt();
      // Wakes the thread's poll at once (Linux ends a listener's poll on shutdown), so close is quick.
      Native.libc().shutdown(listener.fd(), SHUT_RDWR);
      thread.join(POLL.toMillis() * 5);
      listener.close();
      Files.deleteIfExists(socket);
    };
  }

  @Override
  public IoFile connect(Path socket) throws IOException {
    return UnixSockets.connect(socket);
  }

  private static void acceptLoop(Fd listener, Handler handler) {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Optional<Fd> peer = UnixSockets.accept(listener, POLL);
        if (peer.isEmpty()) {
          continue;
        }
        try (Fd connection = peer.get()) {
          Optional<UnixSockets.Received> request = UnixSockets.readLine(connection, MAX_LINE, UnixSockets.MAX_FDS,
              REQUEST_READ);
          if (request.isPresent()) {
            List<IoFile> fds = new ArrayList<>(request.get().fds());
            String reply = handler.handle(request.get().text().strip(), fds);
            UnixSockets.writeLine(connection, reply.replace('\n', ' '), List.of());
          }
        }
      } catch (IOException | RuntimeException e) {
        if (Thread.currentThread().isInterrupted()) {
          return;
        }
        LOG.warn("control request failed: {}", e.toString());
      }
    }
  }

  @Override
  public String request(Path socket, String request, List<? extends IoFile> fds, Duration timeout) throws IOException {
    try (Fd connection = UnixSockets.connect(socket)) {
      UnixSockets.writeLine(connection, request, fds);
      Optional<UnixSockets.Received> reply = UnixSockets.readLine(connection, MAX_LINE, 0, timeout);
      if (reply.isEmpty()) {
        throw new IOException("no reply from " + socket + " to '" + request + "'");
      }
      return reply.get().text().strip();
    }
  }
}
