package io.burrow.fs.gofer.server;

import io.burrow.p9.Dirent;
import io.burrow.p9.Message;
import io.burrow.p9.Message.*;
import io.burrow.p9.P9;
import io.burrow.p9.P9Error;
import io.burrow.p9.Qid;
import io.burrow.p9.server.Session;
import io.burrow.linux.sys.Errno;
import io.burrow.linux.sys.Sys;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The file operations of one connection: its fid table and one method per request type. Called
 * concurrently by the connection's reader and worker threads; every fid used by a request is retained for the request's
 * duration. Errors are thrown as {@link Errno} carrying the Linux errno the client gets in Rlerror.
 *
 * <p>Policy decisions that keep the served tree confined live here: names are single components
 * ({@link Node#checkName}), no operation takes a client path with a slash, lookups go through
 * {@link Node#child}, device nodes other than the harmless memory devices can be neither created
 * nor opened, and a read-only mount refuses every mutating request with EROFS before touching
 * anything.
 */
final class FileOps implements Session {
  /** At most this many fids per connection, so a client cannot exhaust the gofer's fds. */
  static final int MAX_FIDS = 16384;
  private static final int XATTR_SIZE_MAX = 65536;
  private static final int XATTR_REPLACE = 2;
  private static final int POSIX_FADV_SEQUENTIAL = 2, POSIX_FADV_WILLNEED = 3;
  private static final int READ_AHEAD_MIN = 256 * 1024, READ_AHEAD_WINDOW = 4 << 20;
  private static final int DOTL_CREATE = 0100, DOTL_EXCL = 0200, DOTL_TRUNC = 01000, DOTL_APPEND = 02000,
      DOTL_NONBLOCK = 04000, DOTL_DSYNC = 010000, DOTL_NOATIME = 01000000, DOTL_SYNC = 04000000;
  private static final ThreadLocal<ByteBuffer> DENTS = ThreadLocal.withInitial(() ->
      ByteBuffer.allocateDirect(32768).order(ByteOrder.nativeOrder()));
  private static final ThreadLocal<ByteBuffer> SMALL = ThreadLocal.withInitial(() ->
      ByteBuffer.allocateDirect(XATTR_SIZE_MAX).order(ByteOrder.nativeOrder()));

  private final ServedMount mount;
  private final ConcurrentHashMap<Integer, Fid> fids = new ConcurrentHashMap<>();

  FileOps(ServedMount mount) {
    this.mount = mount;
  }

  /**
   * Whether the connection's reader answers {@code m} itself, before it reads the next request,
   * rather than handing it to a worker. Requests that touch only the local served tree for a short,
   * bounded time (walks, stats, creates, renames, unlinks, xattrs, directory reads, opening a
   * regular file or directory) always are: a hand-off would cost more than the work, and answering
   * them in arrival order lets a client pipeline a request that depends on an earlier one (a Tgetattr
   * of the fid a Twalk just made) without waiting for the first reply; docs/gofer.md states that
   * guarantee. Reads and writes of regular files (and the memory devices) are answered inline only
   * when {@code alone}, so that parallel readers still run in parallel. Fsync, locks, and anything
   * that could wait for a peer (opening, reading or writing a fifo or socket) go to a worker.
   * Safe from the reader thread; the answer may be stale, never unsafe.
   */
  @Override
  public boolean answerInline(Message m, boolean alone) {
    return switch (m.type()) {
      case P9.TATTACH, P9.TWALK, P9.TGETATTR, P9.TSETATTR, P9.TCLUNK, P9.TSTATFS, P9.TREADLINK, P9.TLCREATE,
          P9.TMKDIR, P9.TSYMLINK, P9.TMKNOD, P9.TLINK, P9.TRENAME, P9.TRENAMEAT, P9.TUNLINKAT, P9.TREMOVE,
          P9.TXATTRWALK, P9.TXATTRCREATE, P9.TREADDIR -> true;
      case P9.TLOPEN -> {
        int type = fileType(((Message.Tlopen) m).fid());
        yield type == Sys.S_IFREG || type == Sys.S_IFDIR;
      }
      case P9.TREAD -> alone && plainFile(((Message.Tread) m).fid());
      case P9.TWRITE -> alone && plainFile(((Message.Twrite) m).fid());
      default -> false;
    };
  }

  private int fileType(int fid) {
    Fid f = fids.get(fid);
    Node n = f == null ? null : f.node;
    return n == null ? -1 : n.fileType;
  }

  private boolean plainFile(int fid) {
    int type = fileType(fid);
    return type == Sys.S_IFREG || type == Sys.S_IFCHR;
  }

  // ---- fid table -------------------------------------------------------------------------------

  private Fid get(int fid) throws Errno {
    Fid f = fids.get(fid);
    if (f == null || !f.tryRetain()) {
      throw new Errno(P9.EBADF, "unknown fid " + Integer.toUnsignedString(fid));
    }
    return f;
  }

  private void add(int fid, Fid f) throws Errno {
    if (fid == P9.NOFID) {
      f.release();
      throw new Errno(P9.EBADF, "NOFID used as a new fid");
    }
    if (fids.size() >= MAX_FIDS) {
      f.release();
      throw new Errno(P9.EMFILE, "too many fids");
    }
    if (fids.putIfAbsent(fid, f) != null) {
      f.release();
      throw new Errno(P9.EEXIST, "fid " + fid + " already in use");
    }
  }

  @Override
  public void reset() {
    clunkAll();
  }

  /** Drops every fid (Tversion reset, or the connection ended). */
  void clunkAll() {
    for (Integer k : new ArrayList<>(fids.keySet())) {
      Fid f = fids.remove(k);
      if (f != null) {
        f.release();
      }
    }
  }

  int fidCount() {
    return fids.size();
  }

  private void writable() throws Errno {
    if (mount.readOnly()) {
      throw new Errno(P9.EROFS, "read-only mount " + mount.hostPath());
    }
  }

  // ---- dispatch --------------------------------------------------------------------------------

  /** {@inheritDoc} A failed host call's {@link Errno} becomes the {@link P9Error} the client gets. */
  @Override
  public Message handle(int tag, Message m, ByteBuffer out) throws P9Error {
    try {
      return dispatch(tag, m, out);
    } catch (Errno e) {
      throw new P9Error(e.errno(), e);
    }
  }

  /**
   * Executes one request. Returns the reply, or null when the reply frame (Rread/Rreaddir) was
   * built directly in {@code out} (which then holds it from 0 to its position).
   */
  private Message dispatch(int tag, Message m, ByteBuffer out) throws Errno {
    return switch (m.type()) {
      case P9.TAUTH -> throw new Errno(P9.ENOENT, "no authentication required");
      case P9.TATTACH -> attach((Tattach) m);
      case P9.TWALK -> walk((Twalk) m);
      case P9.TGETATTR -> getattr((Tgetattr) m);
      case P9.TSETATTR -> setattr((Tsetattr) m);
      case P9.TLOPEN -> lopen((Tlopen) m);
      case P9.TLCREATE -> lcreate((Tlcreate) m);
      case P9.TREAD -> read(tag, (Tread) m, out);
      case P9.TWRITE -> write((Twrite) m);
      case P9.TCLUNK -> clunk(((Tclunk) m).fid());
      case P9.TREMOVE -> remove((Tremove) m);
      case P9.TREADDIR -> readdir(tag, (Treaddir) m, out);
      case P9.TSTATFS -> statfs((Tstatfs) m);
      case P9.TMKDIR -> mkdir((Tmkdir) m);
      case P9.TSYMLINK -> symlink((Tsymlink) m);
      case P9.TMKNOD -> mknod((Tmknod) m);
      case P9.TREADLINK -> readlink((Treadlink) m);
      case P9.TLINK -> link((Tlink) m);
      case P9.TRENAME -> rename((Trename) m);
      case P9.TRENAMEAT -> renameat((Trenameat) m);
      case P9.TUNLINKAT -> unlinkat((Tunlinkat) m);
      case P9.TFSYNC -> fsync((Tfsync) m);
      case P9.TXATTRWALK -> xattrwalk((Txattrwalk) m);
      case P9.TXATTRCREATE -> xattrcreate((Txattrcreate) m);
      case P9.TLOCK -> lock((Tlock) m);
      case P9.TGETLOCK -> getlock((Tgetlock) m);
      default -> throw new Errno(P9.EOPNOTSUPP, "unexpected message type " + m.type());
    };
  }

  // ---- session ---------------------------------------------------------------------------------

  private Message attach(Tattach t) throws Errno {
    if (t.afid() != P9.NOFID) {
      throw new Errno(P9.EINVAL, "authentication fids are not supported");
    }
    Node node = mount.newRootNode();
    try {
      for (String part : t.aname().split("/")) {
        if (part.isEmpty()) {
          continue;
        }
        Node next = node.walk(part);
        node.release();
        node = next;
      }
      Qid q = node.qid();
      Fid f = new Fid(node);
      node = null;
      add(t.fid(), f);
      return new Rattach(q);
    } finally {
      if (node != null) {
        node.release();
      }
    }
  }

  private Message walk(Twalk t) throws Errno {
    Fid from = get(t.fid());
    try {
      if (t.newfid() != t.fid() && fids.containsKey(t.newfid())) {
        throw new Errno(P9.EEXIST, "newfid " + t.newfid() + " already in use");
      }
      if (from.isXattr()) {
        throw new Errno(P9.EBADF, "walk from an xattr fid");
      }
      Node node = from.node;
      node.retain();
      List<Qid> qids = new ArrayList<>(t.names().size());
      try {
        for (String name : t.names()) {
          Node next;
          try {
            next = node.walk(name);
          } catch (Errno e) {
            if (qids.isEmpty()) {
              throw e;
            }
            return new Rwalk(qids); // partial walk: newfid is not created
          }
          node.release();
          node = next;
          qids.add(node.qid());
        }
        if (t.newfid() == t.fid()) {
          synchronized (from) {
            if (from.openFd >= 0) {
              throw new Errno(P9.EBUSY, "walk of an open fid onto itself");
            }
            Node old = from.node;
            from.node = node;
            node = null;
            old.release();
          }
        } else {
          Fid nf = new Fid(node);
          node = null;
          add(t.newfid(), nf);
        }
        return new Rwalk(qids);
      } finally {
        if (node != null) {
          node.release();
        }
      }
    } finally {
      from.release();
    }
  }

  private Message clunk(int fid) throws Errno {
    Fid f = fids.remove(fid);
    if (f == null) {
      throw new Errno(P9.EBADF, "unknown fid " + fid);
    }
    try {
      synchronized (f) {
        if (f.xattrName != null) {
          commitXattr(f);
        }
      }
    } finally {
      f.release();
    }
    return new Rclunk();
  }

  // ---- attributes ------------------------------------------------------------------------------

  private Message getattr(Tgetattr t) throws Errno {
    Fid f = get(t.fid());
    try {
      Sys.Stat s = Sys.fstat(f.node.fd);
      return new Rgetattr(P9.GETATTR_BASIC | 0x800L, Node.qid(s), s.mode(), s.uid(), s.gid(), s.nlink(), s.rdev(),
          s.size(), s.blksize(), s.blocks(), s.atimeSec(), s.atimeNsec(), s.mtimeSec(), s.mtimeNsec(),
          s.ctimeSec(), s.ctimeNsec(), s.btimeSec(), s.btimeNsec(), 0, 0);
    } finally {
      f.release();
    }
  }

  private Message setattr(Tsetattr t) throws Errno {
    writable();
    Fid f = get(t.fid());
    try {
      Node n = f.node;
      int v = t.valid();
      if ((v & P9.SETATTR_MODE) != 0) {
        chmod(n, t.mode() & 07777);
      }
      if ((v & (P9.SETATTR_UID | P9.SETATTR_GID)) != 0) {
        Sys.fchownat(n.fd, "", (v & P9.SETATTR_UID) != 0 ? t.uid() : -1, (v & P9.SETATTR_GID) != 0 ? t.gid() : -1,
            Sys.AT_EMPTY_PATH | Sys.AT_SYMLINK_NOFOLLOW);
      }
      if ((v & P9.SETATTR_SIZE) != 0) {
        if (t.size() < 0) {
          throw new Errno(P9.EINVAL, "negative size");
        }
        int fd = f.openFd;
        if (fd >= 0 && f.openAccess != Sys.O_RDONLY) {
          Sys.ftruncate(fd, t.size());
        } else {
          if (n.isDir()) {
            throw new Errno(P9.EISDIR, "truncate of a directory");
          }
          int wfd = n.reopen(Sys.O_WRONLY | Sys.O_NONBLOCK);
          try {
            Sys.ftruncate(wfd, t.size());
          } finally {
            Sys.close(wfd);
          }
        }
      }
      if ((v & (P9.SETATTR_ATIME | P9.SETATTR_MTIME)) != 0) {
        long[] times = {0, Sys.UTIME_OMIT, 0, Sys.UTIME_OMIT};
        if ((v & P9.SETATTR_ATIME) != 0) {
          times[0] = t.atimeSec();
          times[1] = (v & P9.SETATTR_ATIME_SET) != 0 ? t.atimeNsec() : Sys.UTIME_NOW;
        }
        if ((v & P9.SETATTR_MTIME) != 0) {
          times[2] = t.mtimeSec();
          times[3] = (v & P9.SETATTR_MTIME_SET) != 0 ? t.mtimeNsec() : Sys.UTIME_NOW;
        }
        Sys.utimensat(n.fd, "", times, Sys.AT_EMPTY_PATH | Sys.AT_SYMLINK_NOFOLLOW);
      }
      return new Rsetattr();
    } finally {
      f.release();
    }
  }

  private static void chmod(Node n, int mode) throws Errno {
    try {
      Sys.fchmodEmptyPath(n.fd, mode);
    } catch (Errno e) {
      if (e.errno() != P9.ENOSYS) {
        throw e;
      }
      if (n.fileType == Sys.S_IFLNK) {
        throw new Errno(P9.EOPNOTSUPP, "chmod of a symlink");
      }
      int fd = n.reopen(Sys.O_RDONLY | Sys.O_NONBLOCK);
      try {
        Sys.fchmod(fd, mode);
      } finally {
        Sys.close(fd);
      }
    }
  }

  private Message statfs(Tstatfs t) throws Errno {
    Fid f = get(t.fid());
    try {
      Sys.StatFs s = Sys.fstatfs(f.node.fd);
      return new Rstatfs((int) s.type(), (int) s.bsize(), s.blocks(), s.bfree(), s.bavail(), s.files(), s.ffree(),
          s.fsid(), (int) s.namelen());
    } finally {
      f.release();
    }
  }

  // ---- open, read, write -----------------------------------------------------------------------

  static int hostFlags(int dotl) {
    int flags = dotl & Sys.O_ACCMODE;
    if ((dotl & DOTL_TRUNC) != 0) flags |= Sys.O_TRUNC;
    if ((dotl & DOTL_APPEND) != 0) flags |= Sys.O_APPEND;
    if ((dotl & DOTL_NONBLOCK) != 0) flags |= Sys.O_NONBLOCK;
    if ((dotl & DOTL_DSYNC) != 0) flags |= Sys.O_DSYNC;
    if ((dotl & DOTL_SYNC) != 0) flags |= Sys.O_SYNC;
    if ((dotl & DOTL_NOATIME) != 0) flags |= Sys.O_NOATIME;
    return flags | Sys.O_NOCTTY;
  }

  /** Memory devices (null, zero, full, random, urandom) are the only devices served. */
  private static void checkOpenable(Node n) throws Errno {
    if (n.fileType == Sys.S_IFCHR || n.fileType == Sys.S_IFBLK) {
      Sys.Stat s = Sys.fstat(n.fd);
      if (!harmlessDevice(s.fileType(), s.rdevMajor(), s.rdevMinor())) {
        throw new Errno(P9.EPERM, "device nodes are not served");
      }
    }
    if (n.fileType == Sys.S_IFLNK || n.fileType == Sys.S_IFSOCK) {
      throw new Errno(n.fileType == Sys.S_IFLNK ? P9.ELOOP : P9.ENXIO, "cannot open this file type");
    }
  }

  static boolean harmlessDevice(int type, int major, int minor) {
    return type == Sys.S_IFCHR && major == 1 && (minor == 3 || minor == 5 || minor == 7 || minor == 8 || minor == 9);
  }

  private Message lopen(Tlopen t) throws Errno {
    Fid f = get(t.fid());
    try {
      int flags = hostFlags(t.flags());
      int access = flags & Sys.O_ACCMODE;
      if (access == Sys.O_ACCMODE) {
        throw new Errno(P9.EINVAL, "invalid access mode");
      }
      if (access != Sys.O_RDONLY || (flags & Sys.O_TRUNC) != 0) {
        writable();
      }
      synchronized (f) {
        if (f.openFd >= 0 || f.isXattr()) {
          throw new Errno(P9.EBUSY, "fid already open");
        }
        Node n = f.node;
        checkOpenable(n);
        if (n.isDir() && access != Sys.O_RDONLY) {
          throw new Errno(P9.EISDIR, "directories open read-only");
        }
        int fd = n.reopen(flags);
        if (n.fileType == Sys.S_IFREG && access != Sys.O_WRONLY) {
          // Clients read whole files front to back in msize pieces, one at a time: a larger host
          // read-ahead keeps the disk busy while a piece crosses the socket.
          Sys.C.posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        }
        f.openAccess = access;
        f.openFd = fd;
        return new Rlopen(n.qid(), 0);
      }
    } finally {
      f.release();
    }
  }

  private Message lcreate(Tlcreate t) throws Errno {
    writable();
    Fid f = get(t.fid());
    try {
      Node.checkName(t.name());
      synchronized (f) {
        Node dir = f.node;
        if (f.openFd >= 0 || f.isXattr()) {
          throw new Errno(P9.EBUSY, "fid already open");
        }
        if (!dir.isDir()) {
          throw new Errno(P9.ENOTDIR, "lcreate in a non-directory");
        }
        int flags = hostFlags(t.flags()) | Sys.O_CREAT | Sys.O_EXCL;
        int access = flags & Sys.O_ACCMODE;
        if (access == Sys.O_ACCMODE) {
          throw new Errno(P9.EINVAL, "invalid access mode");
        }
        int fd = Sys.openat2(dir.fd, t.name(), flags | Sys.O_NOFOLLOW, t.mode() & 07777, Node.RESOLVE);
        Node child;
        try {
          child = dir.child(t.name());
          if (!Sys.fstat(fd).sameFile(Sys.fstat(child.fd))) {
            child.release();
            throw new Errno(P9.ESTALE, "created file was replaced");
          }
        } catch (Errno | RuntimeException e) {
          Sys.close(fd);
          throw e;
        }
        f.node = child;
        f.openAccess = access;
        f.openFd = fd;
        dir.release();
        return new Rlcreate(child.qid(), 0);
      }
    } finally {
      f.release();
    }
  }

  private Message read(int tag, Tread t, ByteBuffer out) throws Errno {
    Fid f = get(t.fid());
    try {
      int max = Math.max(0, out.limit() - 11);
      int count = (int) Math.min(Integer.toUnsignedLong(t.count()), max);
      if (f.xattrValue != null) {
        byte[] v = f.xattrValue;
        long off = t.offset();
        int n = off < 0 || off >= v.length ? 0 : (int) Math.min(count, v.length - off);
        out.position(11);
        out.put(v, (int) Math.max(0, Math.min(off, v.length)), n);
        return frameIn(out, tag, P9.RREAD, n);
      }
      int fd = f.openFd;
      if (fd < 0 || f.openAccess == Sys.O_WRONLY) {
        throw new Errno(P9.EBADF, "fid not open for reading");
      }
      if (t.offset() < 0) {
        throw new Errno(P9.EINVAL, "negative offset");
      }
      int n = (int) Sys.pread(fd, out, 11, count, t.offset());
      if (n >= READ_AHEAD_MIN && f.node.fileType == Sys.S_IFREG) {
        // A large read is part of a sequential one (the bridge reads 1 MiB pieces): have the host
        // start reading the next pieces from disk now, while this one crosses the socket.
        Sys.C.posix_fadvise(fd, t.offset() + n, READ_AHEAD_WINDOW, POSIX_FADV_WILLNEED);
      }
      out.position(11 + n);
      return frameIn(out, tag, P9.RREAD, n);
    } finally {
      f.release();
    }
  }

  /** Finishes a frame whose payload (count bytes) was written at offset 11 of {@code out}. */
  private static Message frameIn(ByteBuffer out, int tag, int type, int count) {
    out.order(ByteOrder.LITTLE_ENDIAN);
    out.putInt(0, 11 + count).put(4, (byte) type).putShort(5, (short) tag).putInt(7, count);
    out.position(11 + count);
    return null;
  }

  private Message write(Twrite t) throws Errno {
    Fid f = get(t.fid());
    try {
      ByteBuffer data = t.data();
      if (f.xattrName != null) {
        synchronized (f) {
          long off = t.offset();
          if (off != f.xattrWritten || off + data.remaining() > f.xattrPending.length) {
            throw new Errno(P9.EINVAL, "xattr write beyond the announced size");
          }
          data.duplicate().get(f.xattrPending, (int) off, data.remaining());
          f.xattrWritten += data.remaining();
          return new Rwrite(data.remaining());
        }
      }
      writable();
      int fd = f.openFd;
      if (fd < 0 || f.openAccess == Sys.O_RDONLY) {
        throw new Errno(P9.EBADF, "fid not open for writing");
      }
      if (t.offset() < 0) {
        throw new Errno(P9.EINVAL, "negative offset");
      }
      long n;
      if (data.isDirect()) {
        n = Sys.pwrite(fd, data, data.position(), data.remaining(), t.offset());
      } else {
        ByteBuffer d = SMALL.get();
        int len = Math.min(d.capacity(), data.remaining());
        d.clear().put(data.duplicate().limit(data.position() + len));
        n = Sys.pwrite(fd, d, 0, len, t.offset());
      }
      return new Rwrite((int) n);
    } finally {
      f.release();
    }
  }

  private Message fsync(Tfsync t) throws Errno {
    Fid f = get(t.fid());
    try {
      int fd = f.requireOpen();
      Sys.fsync(fd, t.datasync() != 0);
      return new Rfsync();
    } finally {
      f.release();
    }
  }

  private Message readdir(int tag, Treaddir t, ByteBuffer out) throws Errno {
    Fid f = get(t.fid());
    try {
      int fd = f.openFd;
      if (fd < 0 || !f.node.isDir()) {
        throw new Errno(P9.EBADF, "fid is not an open directory");
      }
      int count = (int) Math.min(Integer.toUnsignedLong(t.count()), Math.max(0, out.limit() - 11));
      ByteBuffer dst = out.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      dst.position(11).limit(11 + count);
      ByteBuffer dents = DENTS.get();
      synchronized (f) { // lseek + getdents share the fd's position
        Sys.lseek(fd, t.offset());
        outer:
        while (true) {
          int n = (int) Sys.getdents64(fd, dents);
          if (n == 0) {
            break;
          }
          int p = 0;
          while (p < n) {
            long ino = dents.getLong(p);
            long off = dents.getLong(p + 8);
            int reclen = dents.getShort(p + 16) & 0xffff;
            int dtype = dents.get(p + 18) & 0xff;
            int end = p + 19;
            while (end < p + reclen && dents.get(end) != 0) {
              end++;
            }
            byte[] name = new byte[end - (p + 19)];
            dents.get(p + 19, name);
            int qt = dtype == 4 ? P9.QTDIR : dtype == 10 ? P9.QTSYMLINK : P9.QTFILE;
            if (!Dirent.put(dst, new Qid(qt, 0, ino), off, dtype, name)) {
              break outer;
            }
            p += reclen;
          }
        }
      }
      int used = dst.position() - 11;
      out.position(11 + used);
      return frameIn(out, tag, P9.RREADDIR, used);
    } finally {
      f.release();
    }
  }

  // ---- namespace changes -----------------------------------------------------------------------

  private interface DirOp<T> {
    T apply(Node dir) throws Errno;
  }

  private <T> T inDir(int dfid, DirOp<T> op) throws Errno {
    Fid d = get(dfid);
    try {
      Node dir = d.node;
      if (!dir.isDir()) {
        throw new Errno(P9.ENOTDIR, "not a directory");
      }
      return op.apply(dir);
    } finally {
      d.release();
    }
  }

  private static Qid qidAt(Node dir, String name) throws Errno {
    return Node.qid(Sys.statx(dir.fd, name, Sys.AT_SYMLINK_NOFOLLOW));
  }

  private Message mkdir(Tmkdir t) throws Errno {
    writable();
    Node.checkName(t.name());
    return inDir(t.dfid(), dir -> {
      Sys.mkdirat(dir.fd, t.name(), t.mode() & 07777);
      return new Rmkdir(qidAt(dir, t.name()));
    });
  }

  private Message symlink(Tsymlink t) throws Errno {
    writable();
    Node.checkName(t.name());
    if (t.target().isEmpty()) {
      throw new Errno(P9.ENOENT, "empty symlink target");
    }
    return inDir(t.fid(), dir -> {
      Sys.symlinkat(t.target(), dir.fd, t.name());
      return new Rsymlink(qidAt(dir, t.name()));
    });
  }

  private Message mknod(Tmknod t) throws Errno {
    writable();
    Node.checkName(t.name());
    int type = t.mode() & Sys.S_IFMT;
    boolean ok = type == Sys.S_IFIFO || type == Sys.S_IFSOCK || type == Sys.S_IFREG
        || harmlessDevice(type, t.major(), t.minor());
    if (!ok) {
      throw new Errno(P9.EPERM, "only fifos, sockets, regular files and memory devices can be created");
    }
    return inDir(t.dfid(), dir -> {
      Sys.mknodat(dir.fd, t.name(), type | (t.mode() & 07777), t.major(), t.minor());
      return new Rmknod(qidAt(dir, t.name()));
    });
  }

  private Message readlink(Treadlink t) throws Errno {
    Fid f = get(t.fid());
    try {
      if (f.node.fileType != Sys.S_IFLNK) {
        throw new Errno(P9.EINVAL, "not a symlink");
      }
      return new Rreadlink(Sys.readlink(f.node.fd));
    } finally {
      f.release();
    }
  }

  private Message link(Tlink t) throws Errno {
    writable();
    Node.checkName(t.name());
    Fid f = get(t.fid());
    try {
      if (f.node.isDir()) {
        throw new Errno(P9.EPERM, "hard link to a directory");
      }
      try (Node.Located src = f.node.locate()) {
        return inDir(t.dfid(), dir -> {
          Sys.linkat(src.dir().fd, src.name(), dir.fd, t.name(), 0);
          return new Rlink();
        });
      }
    } finally {
      f.release();
    }
  }

  private Message rename(Trename t) throws Errno {
    writable();
    Node.checkName(t.name());
    Fid f = get(t.fid());
    try {
      Node n = f.node;
      try (Node.Located src = n.locate()) {
        return inDir(t.dfid(), dir -> {
          Sys.renameat(src.dir().fd, src.name(), dir.fd, t.name());
          n.moved(dir, t.name());
          return new Rrename();
        });
      }
    } finally {
      f.release();
    }
  }

  private Message renameat(Trenameat t) throws Errno {
    writable();
    Node.checkName(t.oldname());
    Node.checkName(t.newname());
    return inDir(t.olddirfid(), odir -> inDir(t.newdirfid(), ndir -> {
      Sys.renameat(odir.fd, t.oldname(), ndir.fd, t.newname());
      return new Rrenameat();
    }));
  }

  private Message unlinkat(Tunlinkat t) throws Errno {
    writable();
    Node.checkName(t.name());
    if ((t.flags() & ~Sys.AT_REMOVEDIR) != 0) {
      throw new Errno(P9.EINVAL, "unsupported unlinkat flags");
    }
    return inDir(t.dirfid(), dir -> {
      Sys.unlinkat(dir.fd, t.name(), t.flags());
      return new Runlinkat();
    });
  }

  private Message remove(Tremove t) throws Errno {
    // remove clunks the fid even when the removal fails.
    Fid f = fids.remove(t.fid());
    if (f == null) {
      throw new Errno(P9.EBADF, "unknown fid " + t.fid());
    }
    try {
      writable();
      Node n = f.node;
      try (Node.Located loc = n.locate()) {
        Sys.unlinkat(loc.dir().fd, loc.name(), n.isDir() ? Sys.AT_REMOVEDIR : 0);
      }
      return new Rremove();
    } finally {
      f.release();
    }
  }

  // ---- xattrs ----------------------------------------------------------------------------------

  private Message xattrwalk(Txattrwalk t) throws Errno {
    Fid f = get(t.fid());
    try {
      if (t.newfid() == t.fid() || fids.containsKey(t.newfid())) {
        throw new Errno(P9.EEXIST, "newfid in use");
      }
      Node n = f.node;
      if (n.fileType != Sys.S_IFREG && !n.isDir()) {
        throw new Errno(P9.EOPNOTSUPP, "xattrs are served for files and directories only");
      }
      int fd = n.reopen(Sys.O_RDONLY | Sys.O_NONBLOCK);
      byte[] value;
      try {
        ByteBuffer b = SMALL.get();
        long len = t.name().isEmpty()
            ? Sys.checked(Sys.C.flistxattr(fd, Sys.address(b), b.capacity()), "flistxattr")
            : Sys.checked(Sys.C.fgetxattr(fd, Sys.cstr(t.name()), Sys.address(b), b.capacity()), "fgetxattr");
        value = new byte[(int) len];
        b.get(0, value);
      } finally {
        Sys.close(fd);
      }
      n.retain();
      Fid nf = new Fid(n);
      nf.xattrValue = value;
      add(t.newfid(), nf);
      return new Rxattrwalk(value.length);
    } finally {
      f.release();
    }
  }

  private Message xattrcreate(Txattrcreate t) throws Errno {
    writable();
    if (t.attrSize() < 0 || t.attrSize() > XATTR_SIZE_MAX) {
      throw new Errno(P9.E2BIG, "xattr too large");
    }
    if (t.name().isEmpty()) {
      throw new Errno(P9.EINVAL, "empty xattr name");
    }
    Fid f = get(t.fid());
    try {
      synchronized (f) {
        if (f.openFd >= 0 || f.isXattr()) {
          throw new Errno(P9.EBUSY, "fid already in use");
        }
        f.xattrName = t.name();
        f.xattrFlags = t.flags() & 3;
        f.xattrPending = new byte[(int) t.attrSize()];
        f.xattrWritten = 0;
      }
      return new Rxattrcreate();
    } finally {
      f.release();
    }
  }

  private void commitXattr(Fid f) throws Errno {
    String name = f.xattrName;
    f.xattrName = null;
    if (f.xattrWritten != f.xattrPending.length) {
      throw new Errno(P9.EINVAL, "xattr value shorter than announced");
    }
    Node n = f.node;
    int fd = n.reopen(Sys.O_RDONLY | Sys.O_NONBLOCK);
    try {
      if (f.xattrPending.length == 0 && f.xattrFlags == XATTR_REPLACE) {
        // 9P2000.L has no Tremovexattr: Linux v9fs (and the FUSE bridge) remove an attribute with
        // a zero-length Txattrcreate carrying XATTR_REPLACE.
        Sys.checked(Sys.C.fremovexattr(fd, Sys.cstr(name)), "fremovexattr " + name);
        return;
      }
      ByteBuffer b = SMALL.get();
      b.clear().put(f.xattrPending);
      Sys.checked(Sys.C.fsetxattr(fd, Sys.cstr(name), Sys.address(b), f.xattrPending.length, f.xattrFlags),
          "fsetxattr " + name);
    } finally {
      Sys.close(fd);
    }
  }

  // ---- locks -----------------------------------------------------------------------------------

  private static final ThreadLocal<ByteBuffer> FLOCK = ThreadLocal.withInitial(() ->
      ByteBuffer.allocateDirect(32).order(ByteOrder.nativeOrder()));

  private static ByteBuffer flock(int type, long start, long length) throws Errno {
    if (type < 0 || type > 2) {
      throw new Errno(P9.EINVAL, "invalid lock type " + type);
    }
    ByteBuffer b = FLOCK.get();
    b.clear();
    for (int i = 0; i < 32; i++) {
      b.put(i, (byte) 0);
    }
    b.putShort(0, (short) type).putShort(2, (short) 0).putLong(8, start).putLong(16, length).putInt(24, 0);
    return b;
  }

  private Message lock(Tlock t) throws Errno {
    Fid f = get(t.fid());
    try {
      int fd = f.requireOpen();
      ByteBuffer b = flock(t.lockType(), t.start(), t.length());
      // Open file description locks: owned by this fid's fd, not shared across the whole gofer.
      int r = Sys.C.fcntl(fd, Sys.F_OFD_SETLK, Sys.address(b));
      if (r < 0) {
        int e = Sys.errno();
        if (e == P9.EAGAIN || e == P9.EACCES) {
          return new Rlock(P9.LOCK_BLOCKED);
        }
        throw new Errno(e, "fcntl F_OFD_SETLK");
      }
      return new Rlock(P9.LOCK_SUCCESS);
    } finally {
      f.release();
    }
  }

  private Message getlock(Tgetlock t) throws Errno {
    Fid f = get(t.fid());
    try {
      int fd = f.requireOpen();
      ByteBuffer b = flock(t.lockType(), t.start(), t.length());
      Sys.checked(Sys.C.fcntl(fd, Sys.F_OFD_GETLK, Sys.address(b)), "fcntl F_OFD_GETLK");
      int type = b.getShort(0);
      return new Rgetlock(type, b.getLong(8), b.getLong(16), type == P9.LOCK_TYPE_UNLCK ? t.procId() : b.getInt(24),
          t.clientId());
    } finally {
      f.release();
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
