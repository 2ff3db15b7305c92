package io.burrow.it;

import io.burrow.linux.sys.Fd;
import io.burrow.linux.sys.Native;
import io.burrow.linux.UnixSockets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The client side of {@code --console-socket}, as containerd's go-runc and conmon are: a unix
 * socket the runtime connects to, and on which it sends the pty master as one SCM_RIGHTS fd with
 * its name as the payload (runc's {@code utils.SendFd}). {@link #receive} checks that framing.
 * Owns the listener and every master it received; {@link #close()} closes them and removes the
 * socket file. Used by one test thread (plus each master's reader thread).
 */
final class ConsoleSocket implements AutoCloseable {
  private static final long TIOCSWINSZ = 0x5414;
  private static final long TIOCGWINSZ = 0x5413;
  /** runc's utils.MaxNameLen: a longer payload is not a SendFd message. */
  private static final int MAX_NAME = 4096;

  private final Path path;
  private final Fd listener;
  private final java.util.List<Master> masters = new java.util.ArrayList<>();

  private ConsoleSocket(Path path, Fd listener) {
    this.path = path;
    this.listener = listener;
  }

  static ConsoleSocket listen(Path path) {
    try {
      return new ConsoleSocket(path, UnixSockets.listen(path, 0600));
    } catch (IOException e) {
      throw new AssertionError("cannot listen on console socket " + path + ": " + e.getMessage(), e);
    }
  }

  Path path() {
    return path;
  }

  /**
   * Accepts the runtime's connection and receives the master, which must have come with the
   * runtime's create (it is queued on the socket by then). {@code guard} only keeps a broken
   * runtime from hanging the test.
   */
  Master receive(Duration guard) {
    try {
      Optional<Fd> connection = UnixSockets.accept(listener, guard);
      if (connection.isEmpty()) {
        throw new AssertionError("nobody connected to the console socket " + path + " within " + guard.toSeconds() + " s");
      }
      try (Fd c = connection.get(); UnixSockets.Received msg = UnixSockets.receive(c, MAX_NAME, 2)) {
        if (msg.fds().size() != 1) {
          throw new AssertionError("the console socket got " + msg.fds().size() + " fds, runc sends exactly 1; payload '"
              + msg.text() + "'");
        }
        if (msg.data().length == 0 || msg.data().length >= MAX_NAME) {
          throw new AssertionError("the console socket got a payload of " + msg.data().length + " bytes; runc sends the"
              + " master's name");
        }
        // Our own copy: the Received closes the one that arrived.
        int dup = Native.libc().fcntl(msg.fds().get(0).fd(), Native.F_DUPFD_CLOEXEC, 3);
        if (dup < 0) {
          throw new AssertionError(Native.error("dup the received master"));
        }
        Master m = new Master(new Fd(dup, "pty master from " + path), msg.text());
        masters.add(m);
        return m;
      }
    } catch (IOException e) {
      throw new AssertionError("receiving the pty master on " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    masters.forEach(Master::close);
    listener.close();
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // best effort; the test dir goes away anyway
    }
  }

  /**
   * A received pty master. A daemon thread copies everything the container writes into a buffer
   * until the slave side is gone (EIO); {@link #awaitOutput} waits for text in it.
   */
  static final class Master implements AutoCloseable {
    private final Fd fd;
    private final String name;
    private final StringBuffer output = new StringBuffer();
    private final Thread reader;
    private volatile boolean ended;

    Master(Fd fd, String name) {
      this.fd = fd;
      this.name = name;
      this.reader = new Thread(this::copy, "pty reader");
      reader.setDaemon(true);
      reader.start();
    }

    /** The name the runtime sent with the fd (runc: {@code /dev/ptmx}). */
    String name() {
      return name;
    }

    private void copy() {
      byte[] buf = new byte[4096];
      while (true) {
        int n = Native.posix().read(fd.fd(), buf, buf.length);
        if (n < 0 && Native.errno() == Native.EINTR) {
          continue;
        }
        if (n <= 0) {
          ended = true;
          return;
        }
        output.append(new String(buf, 0, n, StandardCharsets.UTF_8));
      }
    }

    String output() {
      return output.toString();
    }

    /** Waits until the output contains {@code text}; the guard only bounds a hang. */
    String awaitOutput(String text, Duration guard) {
      if (!Host.eventually(guard, () -> output.indexOf(text) >= 0)) {
        throw new AssertionError("no '" + text + "' from the container's terminal within " + guard.toSeconds()
            + " s; it wrote: " + output + (ended ? " (and closed it)" : ""));
      }
      return output();
    }

    /** Waits until the slave side is closed (every process of the container that held it exited). */
    boolean awaitEnd(Duration guard) {
      return Host.eventually(guard, () -> ended);
    }

    void write(String text) {
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      if (Native.posix().write(fd.fd(), bytes, bytes.length) != bytes.length) {
        throw new AssertionError(Native.error("write to the pty master"));
      }
    }

    /** TIOCSWINSZ on the master, as a client does when its own window changes. */
    void resize(int rows, int cols) {
      Pointer ws = Memory.allocateDirect(Native.runtime(), 8, true);
      ws.putShort(0, (short) rows);
      ws.putShort(2, (short) cols);
      if (Native.libc().ioctl(fd.fd(), TIOCSWINSZ, ws) < 0) {
        throw new AssertionError(Native.error("TIOCSWINSZ on the pty master"));
      }
    }

    /** The window size as rows and columns (TIOCGWINSZ on the master). */
    int[] size() {
      Pointer ws = Memory.allocateDirect(Native.runtime(), 8, true);
      if (Native.libc().ioctl(fd.fd(), TIOCGWINSZ, ws) < 0) {
        throw new AssertionError(Native.error("TIOCGWINSZ on the pty master"));
      }
      return new int[] {ws.getShort(0) & 0xffff, ws.getShort(2) & 0xffff};
    }

    @Override
    public void close() {
      // The reader may still be blocked in read(); the slave is gone by the end of a test, and
      // once it is, read returns EIO. Closing first could hand the number to someone else.
      if (ended || !reader.isAlive()) {
        fd.close();
      } else {
        Host.eventually(Duration.ofSeconds(5), () -> ended);
        fd.close();
      }
    }
  }
}
