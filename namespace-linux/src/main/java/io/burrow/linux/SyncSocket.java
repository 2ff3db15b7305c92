package io.burrow.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The runtime's end of the sync socket with one exec helper: writes bytes, reads newline-ended
 * messages with a deadline so that a stuck helper is an error rather than a hang. Owns its fd.
 * Used by one thread at a time.
 */
final class SyncSocket implements AutoCloseable {
  private static final short POLLIN = 0x1;
  private final Fd fd;
  private final String peer;
  private final StringBuilder pending = new StringBuilder();
  private boolean eof;

  SyncSocket(Fd fd, String peer) {
    this.fd = fd;
    this.peer = peer;
  }

  void write(byte[] data) throws IOException {
    int off = 0;
    while (off < data.length) {
      byte[] chunk = off == 0 ? data : java.util.Arrays.copyOfRange(data, off, data.length);
      int n = Native.posix().write(fd.fd(), chunk, chunk.length);
      if (n < 0) {
        if (Native.errno() == Native.EINTR) {
          continue;
        }
        throw new IOException(Native.error("write to " + peer));
      }
      off += n;
    }
  }

  void writeLine(String line) throws IOException {
    write((line + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /** The next message without its newline, or null at end of stream. */
  String readLine(Duration timeout, String waitingFor) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      int nl = pending.indexOf("\n");
      if (nl >= 0) {
        String line = pending.substring(0, nl);
        pending.delete(0, nl + 1);
        return line;
      }
      if (eof) {
        return null;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IOException("timed out after " + timeout.toMillis() + " ms waiting for " + peer + " to " + waitingFor);
      }
      if (!pollIn((int) Math.min(Integer.MAX_VALUE, Math.max(1, left / 1_000_000)))) {
        continue;
      }
      byte[] buf = new byte[4096];
      int n = Native.posix().read(fd.fd(), buf, buf.length);
      if (n < 0) {
        if (Native.errno() == Native.EINTR) {
          continue;
        }
        throw new IOException(Native.error("read from " + peer));
      }
      if (n == 0) {
        eof = true;
      } else {
        pending.append(new String(buf, 0, n, StandardCharsets.UTF_8));
      }
    }
  }

  private boolean pollIn(int millis) throws IOException {
    Pointer pfd = Memory.allocateDirect(Native.runtime(), 8, true);
    pfd.putInt(0, fd.fd());
    pfd.putShort(4, POLLIN);
    int rc = Native.libc().poll(pfd, 1, millis);
    if (rc < 0) {
      if (Native.errno() == Native.EINTR) {
        return false;
      }
      throw new IOException(Native.error("poll " + peer));
    }
    return rc > 0;
  }

  @Override
  public void close() {
    fd.close();
  }
}
