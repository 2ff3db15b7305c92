package io.burrow.fs.gofer;

import io.burrow.linux.sys.Errno;
import io.burrow.linux.sys.Spin;
import io.burrow.linux.sys.Sys;
import io.burrow.p9.Transport;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The production 9P transport: a connected AF_UNIX stream socket fd, read and written with raw
 * calls straight into direct buffers (no channel, no copy). {@link #awaitRead} polls for up to
 * {@link Spin#NANOS} before it blocks (see {@link Spin}); writes use send(2) with MSG_NOSIGNAL,
 * so a vanished peer is EPIPE, never SIGPIPE.
 *
 * <p>Owns the fd from construction and closes it once in {@link #close}; {@link #shutdown} after
 * that is a no-op, so a reused fd number is never shut down by mistake. Buffers must be direct.
 * Thread-safety as {@link Transport} requires.
 */
public final class FdTransport implements Transport {
  private static final int EINTR = 4;

  private final int fd;
  private boolean closed; // guarded by this

  public FdTransport(int fd) {
    this.fd = fd;
  }

  /** The fd, while the transport is open; for diagnostics. */
  public int fd() {
    return fd;
  }

  @Override
  public int read(ByteBuffer dst, int off, int len) throws IOException {
    while (true) {
      try {
        return (int) Sys.read(fd, dst, off, len);
      } catch (Errno e) {
        if (e.errno() != EINTR) {
          throw e;
        }
      }
    }
  }

  @Override
  public int awaitRead(ByteBuffer dst, int off, int len) throws IOException {
    return (int) Spin.recv(fd, Sys.address(dst) + off, len);
  }

  @Override
  public int write(ByteBuffer src, int off, int len) throws IOException {
    while (true) {
      try {
        return (int) Sys.send(fd, src, off, len);
      } catch (Errno e) {
        if (e.errno() != EINTR) {
          throw e;
        }
      }
    }
  }

  @Override
  public synchronized void shutdown() {
    if (!closed) {
      Sys.C.shutdown(fd, 2);
    }
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      Sys.close(fd);
    }
  }

  @Override
  public String toString() {
    return "fd " + fd;
  }
}
