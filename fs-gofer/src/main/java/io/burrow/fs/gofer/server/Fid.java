package io.burrow.fs.gofer.server;

import io.burrow.linux.sys.Sys;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client's fid: the node it names, and, once opened, an fd for I/O. Reference counted so that a
 * clunk racing another request on the same fid never closes an fd that request is still using
 * (a reused fd number could otherwise point it at another file): the fid table holds one
 * reference, each request in progress one more; fds close when the count reaches zero.
 *
 * <p>Mutable state ({@link #node} after lcreate, the open fd, xattr buffers) is guarded by the fid's
 * monitor; plain reads of {@code openFd} after open are safe because it is volatile.
 */
final class Fid {
  private final AtomicInteger refs = new AtomicInteger(1);
  volatile Node node;
  volatile int openFd = -1;
  volatile int openAccess = -1;

  /** Xattr read fid: the value (or name list) Txattrwalk fetched. */
  byte[] xattrValue;
  /** Xattr write fid: what Txattrcreate announced and what has been written so far. */
  String xattrName;
  int xattrFlags;
  byte[] xattrPending;
  int xattrWritten;

  Fid(Node node) {
    this.node = node;
  }

  /** The open fd; EBADF when the fid has not been opened. */
  int requireOpen() throws io.burrow.linux.sys.Errno {
    int fd = openFd;
    if (fd < 0) {
      throw new io.burrow.linux.sys.Errno(io.burrow.p9.P9.EBADF, "fid not open");
    }
    return fd;
  }

  boolean tryRetain() {
    int r;
    do {
      r = refs.get();
      if (r <= 0) {
        return false;
      }
    } while (!refs.compareAndSet(r, r + 1));
    return true;
  }

  void release() {
    if (refs.decrementAndGet() == 0) {
      Sys.close(openFd);
      openFd = -1;
      Node n = node;
      if (n != null) {
        n.release();
      }
    }
  }

  boolean isXattr() {
    return xattrValue != null || xattrName != null;
  }
}
