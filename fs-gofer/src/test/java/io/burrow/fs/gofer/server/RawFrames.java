package io.burrow.fs.gofer.server;

import io.burrow.p9.Codec;
import io.burrow.p9.Message;
import io.burrow.linux.sys.Sys;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeoutException;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/** Reads one reply frame from a raw socket fd, for tests that speak the protocol by hand. */
final class RawFrames {
  private RawFrames() {}

  /** The next message, or null when the server closed the connection. */
  static Message read(int fd) throws Exception {
    ByteBuffer b = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    if (!fill(fd, b, 0, 4)) {
      return null;
    }
    int size = b.getInt(0);
    if (!fill(fd, b, 4, size - 4)) {
      return null;
    }
    ByteBuffer f = ByteBuffer.allocate(size);
    f.put(b.duplicate().position(0).limit(size)).flip();
    return Codec.decode(f, 1 << 20).message();
  }

  static int readTag(int fd) throws Exception {
    ByteBuffer b = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    fill(fd, b, 0, 4);
    int size = b.getInt(0);
    fill(fd, b, 4, size - 4);
    return b.getShort(5) & 0xffff;
  }

  private static boolean fill(int fd, ByteBuffer b, int off, int len) throws Exception {
    return fill(fd, b, off, len, -1);
  }

  private static final ThreadLocal<Pointer> POLLFD =
      ThreadLocal.withInitial(() -> Memory.allocateDirect(jnr.ffi.Runtime.getSystemRuntime(), 8, true));

  /**
   * Reads exactly {@code len} bytes into {@code b} at {@code off}; false when the server closed
   * the connection first. With {@code timeoutMs >= 0} each read waits at most that long for bytes.
   *
   * @throws TimeoutException when no byte came within {@code timeoutMs}
   */
  static boolean fill(int fd, ByteBuffer b, int off, int len, int timeoutMs) throws Exception {
    int done = 0;
    while (done < len) {
      if (timeoutMs >= 0) {
        Pointer pollfd = POLLFD.get();
        pollfd.putInt(0, fd);
        pollfd.putShort(4, (short) 1); // POLLIN
        pollfd.putShort(6, (short) 0);
        if (Sys.C.poll(pollfd, 1, timeoutMs) <= 0) {
          throw new TimeoutException("no reply within " + timeoutMs + " ms");
        }
      }
      long n;
      try {
        n = Sys.read(fd, b, off + done, len - done);
      } catch (io.burrow.linux.sys.Errno e) {
        if (e.errno() == 104) { // ECONNRESET: the server closed with our bytes unread
          return false;
        }
        throw e;
      }
      if (n == 0) {
        return false;
      }
      done += (int) n;
    }
    return true;
  }

  static void send(int fd, byte[] bytes) throws Exception {
    ByteBuffer b = ByteBuffer.allocateDirect(bytes.length);
    b.put(bytes);
    Sys.send(fd, b, 0, bytes.length);
  }
}
