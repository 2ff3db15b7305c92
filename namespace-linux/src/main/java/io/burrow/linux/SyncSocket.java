package io.burrow.linux;

import io.burrow.linux.sys.Fd;

import io.burrow.linux.sys.Native;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The runtime's end of the sync socket with one exec helper: writes bytes, reads newline-ended
 * messages with a deadline so that a stuck helper is an error rather than a hang, and keeps the
 * fds a message brings (the seccomp listener) until {@link #takeFd} claims them. Owns its fd and
 * the unclaimed fds. Used by one thread at a time.
 */
final class SyncSocket implements AutoCloseable {
  private static final short POLLIN = 0x1;
  private final Fd fd;
  private final String peer;
  private final StringBuilder pending = new StringBuilder();
  private final java.util.ArrayDeque<Fd> fds = new java.util.ArrayDeque<>();
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
      // recvmsg rather than read: a read would drop the fds a message carries.
      UnixSockets.Received received = UnixSockets.receive(fd, 4096, 4);
      fds.addAll(received.fds());
      if (received.data().length == 0) {
        eof = true;
      } else {
        pending.append(new String(received.data(), StandardCharsets.UTF_8));
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

  /** The oldest fd received and not yet claimed, now owned by the caller. */
  Fd takeFd(String what) throws IOException {
    Fd next = fds.poll();
    if (next == null) {
      throw new IOException(peer + " sent no fd with " + what);
    }
    return next;
  }

  @Override
  public void close() {
    fds.forEach(Fd::close);
    fds.clear();
    fd.close();
  }
}
