package io.burrow.fs.gofer.server;

import io.burrow.linux.sys.Errno;
import io.burrow.linux.sys.Sys;
import io.burrow.p9.Dirent;
import io.burrow.p9.Message.Rgetattr;
import io.burrow.p9.Message.Rgetlock;
import io.burrow.p9.Message.Rstatfs;
import io.burrow.p9.Message.Tgetlock;
import io.burrow.p9.Message.Tlock;
import io.burrow.p9.Message.Tsetattr;
import io.burrow.p9.P9;
import io.burrow.p9.P9Error;
import io.burrow.p9.Qid;
import io.burrow.p9.server.File;
import io.burrow.p9.server.FileServer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A host file served to one fid: a {@link Node} (the confined O_PATH fd it names) and, once
 * opened, a real fd for I/O. p9's {@link FileServer} does the protocol; this does the host calls.
 * Errors are {@link Errno}s with the errno the client gets ({@link #errors} maps them).
 *
 * <p>Policy that keeps the served tree confined lives here and in {@link Node}: lookups go
 * through {@link Node#child}, every call starts from a pinned fd rather than a path, device nodes
 * are made only for a container allowed to make them, and none but the harmless memory devices
 * is ever opened ({@link Node#reopen}): a container opens the device nodes it made through the
 * kernel of its own mount (nodev in burrow's sandbox), never through the gofer. Thread safety:
 * what {@link File} promises; the open fd is written once, by open or by the constructor.
 */
final class HostFile implements File {
  private static final int POSIX_FADV_SEQUENTIAL = 2, POSIX_FADV_WILLNEED = 3;
  private static final int READ_AHEAD_MIN = 256 * 1024, READ_AHEAD_WINDOW = 4 << 20;
  private static final int DOTL_TRUNC = 01000, DOTL_APPEND = 02000, DOTL_NONBLOCK = 04000, DOTL_DSYNC = 010000,
      DOTL_NOATIME = 01000000, DOTL_SYNC = 04000000;
  private static final ThreadLocal<ByteBuffer> DENTS = ThreadLocal.withInitial(() ->
      ByteBuffer.allocateDirect(32768).order(ByteOrder.nativeOrder()));
  private static final ThreadLocal<ByteBuffer> SMALL = ThreadLocal.withInitial(() ->
      ByteBuffer.allocateDirect(FileServer.XATTR_SIZE_MAX).order(ByteOrder.nativeOrder()));
  private static final ThreadLocal<ByteBuffer> FLOCK = ThreadLocal.withInitial(() ->
      ByteBuffer.allocateDirect(32).order(ByteOrder.nativeOrder()));

  private final Node node;
  /** Whether Tmknod may make block and character devices; see {@link ServedMount#open}. */
  private final boolean deviceNodes;
  private volatile int openFd;
  private volatile int openAccess;

  /** Takes ownership of one reference to {@code node}. */
  HostFile(Node node, boolean deviceNodes) {
    this(node, deviceNodes, -1, -1);
  }

  /** Takes ownership of one reference to {@code node} and of {@code openFd}. */
  private HostFile(Node node, boolean deviceNodes, int openFd, int openAccess) {
    this.node = node;
    this.deviceNodes = deviceNodes;
    this.openFd = openFd;
    this.openAccess = openAccess;
  }

  /** The errno a client gets for a host call's failure. */
  static P9Error errors(IOException e) {
    return e instanceof Errno x ? new P9Error(x.errno(), x) : new P9Error(P9.EIO, e);
  }

  @Override
  public Qid qid() throws Errno {
    return node.qid();
  }

  @Override
  public boolean isDirectory() {
    return node.isDir();
  }

  @Override
  public boolean waitsForPeers() {
    return node.fileType != Sys.S_IFREG && node.fileType != Sys.S_IFDIR && node.fileType != Sys.S_IFCHR;
  }

  @Override
  public File walk(String name) throws Errno {
    return new HostFile(node.walk(name), deviceNodes);
  }

  @Override
  public File duplicate() {
    node.retain();
    return new HostFile(node, deviceNodes);
  }

  // ---- attributes ------------------------------------------------------------------------------

  @Override
  public Rgetattr getattr(long requestMask) throws Errno {
    Sys.Stat s = Sys.fstat(node.fd);
    return new Rgetattr(P9.GETATTR_BASIC | 0x800L, Node.qid(s), s.mode(), s.uid(), s.gid(), s.nlink(), s.rdev(),
        s.size(), s.blksize(), s.blocks(), s.atimeSec(), s.atimeNsec(), s.mtimeSec(), s.mtimeNsec(),
        s.ctimeSec(), s.ctimeNsec(), s.btimeSec(), s.btimeNsec(), 0, 0);
  }

  @Override
  public void setattr(Tsetattr t) throws Errno {
    node.changingItself();
    int v = t.valid();
    if ((v & P9.SETATTR_MODE) != 0) {
      chmod(t.mode() & 07777);
    }
    if ((v & (P9.SETATTR_UID | P9.SETATTR_GID)) != 0) {
      Sys.fchownat(node.fd, "", (v & P9.SETATTR_UID) != 0 ? t.uid() : -1, (v & P9.SETATTR_GID) != 0 ? t.gid() : -1,
          Sys.AT_EMPTY_PATH | Sys.AT_SYMLINK_NOFOLLOW);
    }
    if ((v & P9.SETATTR_SIZE) != 0) {
      int fd = openFd;
      if (fd >= 0 && openAccess != Sys.O_RDONLY) {
        Sys.ftruncate(fd, t.size());
      } else {
        if (node.isDir()) {
          throw new Errno(P9.EISDIR, "truncate of a directory");
        }
        int wfd = node.reopen(Sys.O_WRONLY | Sys.O_NONBLOCK);
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
      Sys.utimensat(node.fd, "", times, Sys.AT_EMPTY_PATH | Sys.AT_SYMLINK_NOFOLLOW);
    }
  }

  private void chmod(int mode) throws Errno {
    try {
      Sys.fchmodEmptyPath(node.fd, mode);
    } catch (Errno e) {
      if (e.errno() != P9.ENOSYS) {
        throw e;
      }
      if (node.fileType == Sys.S_IFLNK) {
        throw new Errno(P9.EOPNOTSUPP, "chmod of a symlink");
      }
      int fd = node.reopen(Sys.O_RDONLY | Sys.O_NONBLOCK);
      try {
        Sys.fchmod(fd, mode);
      } finally {
        Sys.close(fd);
      }
    }
  }

  @Override
  public Rstatfs statfs() throws Errno {
    Sys.StatFs s = Sys.fstatfs(node.fd);
    return new Rstatfs((int) s.type(), (int) s.bsize(), s.blocks(), s.bfree(), s.bavail(), s.files(), s.ffree(),
        s.fsid(), (int) s.namelen());
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

  /** Memory devices (null, zero, full, random, urandom): the only device nodes the gofer opens. */
  static boolean harmlessDevice(int type, int major, int minor) {
    return type == Sys.S_IFCHR && major == 1 && (minor == 3 || minor == 5 || minor == 7 || minor == 8 || minor == 9);
  }

  @Override
  public Qid open(int dotlFlags) throws Errno {
    int flags = hostFlags(dotlFlags);
    int fd = node.reopen(flags);
    int access = flags & Sys.O_ACCMODE;
    if (node.fileType == Sys.S_IFREG && access != Sys.O_WRONLY) {
      // Clients read whole files front to back in msize pieces, one at a time: a larger host
      // read-ahead keeps the disk busy while a piece crosses the socket.
      Sys.C.posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
    openAccess = access;
    openFd = fd;
    return node.qid();
  }

  @Override
  public File create(String name, int dotlFlags, int mode, int gid) throws Errno {
    HostChanges.own(node.key, name);
    int flags = hostFlags(dotlFlags) | Sys.O_CREAT | Sys.O_EXCL;
    int fd = Sys.openat2(node.fd, name, flags | Sys.O_NOFOLLOW, mode & 07777, Node.RESOLVE);
    try {
      Node child = node.child(name);
      if (!Sys.fstat(fd).sameFile(Sys.fstat(child.fd))) {
        child.release();
        throw new Errno(P9.ESTALE, "created file was replaced");
      }
      return new HostFile(child, deviceNodes, fd, flags & Sys.O_ACCMODE);
    } catch (Errno | RuntimeException e) {
      Sys.close(fd);
      throw e;
    }
  }

  @Override
  public int read(long offset, ByteBuffer dst) throws Errno {
    int fd = openFd;
    int n = (int) Sys.pread(fd, dst, dst.position(), dst.remaining(), offset);
    if (n >= READ_AHEAD_MIN && node.fileType == Sys.S_IFREG) {
      // A large read is part of a sequential one (the bridge reads 1 MiB pieces): have the host
      // start reading the next pieces from disk now, while this one crosses the socket.
      Sys.C.posix_fadvise(fd, offset + n, READ_AHEAD_WINDOW, POSIX_FADV_WILLNEED);
    }
    return n;
  }

  @Override
  public int write(long offset, ByteBuffer data) throws Errno {
    node.changingItself();
    if (data.isDirect()) {
      return (int) Sys.pwrite(openFd, data, data.position(), data.remaining(), offset);
    }
    ByteBuffer d = SMALL.get();
    int len = Math.min(d.capacity(), data.remaining());
    d.clear().put(data.duplicate().limit(data.position() + len));
    return (int) Sys.pwrite(openFd, d, 0, len, offset);
  }

  @Override
  public void fsync(boolean dataOnly) throws Errno {
    Sys.fsync(openFd, dataOnly);
  }

  /** {@inheritDoc} lseek and getdents share the fd's position: the server serializes these calls. */
  @Override
  public void readdir(long offset, ByteBuffer dst) throws Errno {
    int fd = openFd;
    ByteBuffer dents = DENTS.get();
    // At a served root, ".." is the root itself (as a walk resolves it), not the host's parent.
    long rootIno = node.mountRoot ? node.key.ino() : -1;
    Sys.lseek(fd, offset);
    while (true) {
      int n = (int) Sys.getdents64(fd, dents);
      if (n == 0) {
        return;
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
        if (rootIno >= 0 && name.length == 2 && name[0] == '.' && name[1] == '.') {
          ino = rootIno;
        }
        if (!Dirent.put(dst, new Qid(qt, 0, ino), off, dtype, name)) {
          return;
        }
        p += reclen;
      }
    }
  }

  // ---- namespace changes -----------------------------------------------------------------------

  private Qid qidAt(String name) throws Errno {
    return Node.qid(Sys.statx(node.fd, name, Sys.AT_SYMLINK_NOFOLLOW));
  }

  @Override
  public Qid mkdir(String name, int mode, int gid) throws Errno {
    HostChanges.own(node.key, name);
    Sys.mkdirat(node.fd, name, mode & 07777);
    return qidAt(name);
  }

  @Override
  public Qid symlink(String name, String target, int gid) throws Errno {
    HostChanges.own(node.key, name);
    Sys.symlinkat(target, node.fd, name);
    return qidAt(name);
  }

  @Override
  public Qid mknod(String name, int mode, int major, int minor, int gid) throws Errno {
    int type = mode & Sys.S_IFMT;
    boolean device = type == Sys.S_IFCHR || type == Sys.S_IFBLK;
    if (device && !deviceNodes) {
      throw new Errno(P9.EPERM, "this container may not make device nodes (no CAP_MKNOD, or a user namespace)");
    }
    HostChanges.own(node.key, name);
    Sys.mknodat(node.fd, name, type | (mode & 07777), major, minor);
    return qidAt(name);
  }

  @Override
  public String readlink() throws Errno {
    if (node.fileType != Sys.S_IFLNK) {
      throw new Errno(P9.EINVAL, "not a symlink");
    }
    return Sys.readlink(node.fd);
  }

  @Override
  public void link(File target, String name) throws Errno {
    HostChanges.own(node.key, name);
    ((HostFile) target).node.changingItself();
    try (Node.Located src = ((HostFile) target).node.locate()) {
      Sys.linkat(src.dir().fd, src.name(), node.fd, name, 0);
    }
  }

  @Override
  public void rename(File newDirectory, String name) throws Errno {
    node.changingItself();
    Node dir = ((HostFile) newDirectory).node;
    HostChanges.own(dir.key, name);
    try (Node.Located src = node.locate()) {
      Sys.renameat(src.dir().fd, src.name(), dir.fd, name);
      // Every node reached by the old name follows, this one among them.
      Node.renamed(src.dir(), src.name(), dir, name);
    }
  }

  @Override
  public void renameAt(String oldName, File newDirectory, String newName) throws Errno {
    HostChanges.own(node.key, oldName);
    Node to = ((HostFile) newDirectory).node;
    HostChanges.own(to.key, newName);
    Sys.renameat(node.fd, oldName, to.fd, newName);
    Node.renamed(node, oldName, to, newName);
  }

  @Override
  public void unlinkAt(String name, int flags) throws Errno {
    HostChanges.own(node.key, name);
    Sys.unlinkat(node.fd, name, flags);
  }

  @Override
  public void remove() throws Errno {
    node.changingItself();
    try (Node.Located loc = node.locate()) {
      Sys.unlinkat(loc.dir().fd, loc.name(), node.isDir() ? Sys.AT_REMOVEDIR : 0);
    }
  }

  // ---- xattrs ----------------------------------------------------------------------------------

  private void xattrsServed() throws Errno {
    if (node.fileType != Sys.S_IFREG && !node.isDir()) {
      throw new Errno(P9.EOPNOTSUPP, "xattrs are served for files and directories only");
    }
  }

  @Override
  public byte[] getXattr(String name) throws Errno {
    return fetchXattr(name);
  }

  @Override
  public byte[] listXattrs() throws Errno {
    return fetchXattr(null);
  }

  private byte[] fetchXattr(String name) throws Errno {
    xattrsServed();
    int fd = node.reopen(Sys.O_RDONLY | Sys.O_NONBLOCK);
    try {
      ByteBuffer b = SMALL.get();
      long len = name == null
          ? Sys.checked(Sys.C.flistxattr(fd, Sys.address(b), b.capacity()), "flistxattr")
          : Sys.checked(Sys.C.fgetxattr(fd, Sys.cstr(name), Sys.address(b), b.capacity()), "fgetxattr");
      byte[] value = new byte[(int) len];
      b.get(0, value);
      return value;
    } finally {
      Sys.close(fd);
    }
  }

  @Override
  public void setXattr(String name, byte[] value, int flags) throws Errno {
    node.changingItself();
    int fd = node.reopen(Sys.O_RDONLY | Sys.O_NONBLOCK);
    try {
      ByteBuffer b = SMALL.get();
      b.clear().put(value);
      Sys.checked(Sys.C.fsetxattr(fd, Sys.cstr(name), Sys.address(b), value.length, flags), "fsetxattr " + name);
    } finally {
      Sys.close(fd);
    }
  }

  @Override
  public void removeXattr(String name) throws Errno {
    node.changingItself();
    int fd = node.reopen(Sys.O_RDONLY | Sys.O_NONBLOCK);
    try {
      Sys.checked(Sys.C.fremovexattr(fd, Sys.cstr(name)), "fremovexattr " + name);
    } finally {
      Sys.close(fd);
    }
  }

  // ---- locks -----------------------------------------------------------------------------------

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

  @Override
  public int lock(Tlock t) throws Errno {
    ByteBuffer b = flock(t.lockType(), t.start(), t.length());
    // Open file description locks: owned by this fid's fd, not shared across the whole gofer.
    int r = Sys.C.fcntl(openFd, Sys.F_OFD_SETLK, Sys.address(b));
    if (r < 0) {
      int e = Sys.errno();
      if (e == P9.EAGAIN || e == P9.EACCES) {
        return P9.LOCK_BLOCKED;
      }
      throw new Errno(e, "fcntl F_OFD_SETLK");
    }
    return P9.LOCK_SUCCESS;
  }

  @Override
  public Rgetlock getlock(Tgetlock t) throws Errno {
    ByteBuffer b = flock(t.lockType(), t.start(), t.length());
    Sys.checked(Sys.C.fcntl(openFd, Sys.F_OFD_GETLK, Sys.address(b)), "fcntl F_OFD_GETLK");
    int type = b.getShort(0);
    return new Rgetlock(type, b.getLong(8), b.getLong(16), type == P9.LOCK_TYPE_UNLCK ? t.procId() : b.getInt(24),
        t.clientId());
  }

  @Override
  public void close() {
    Sys.close(openFd);
    openFd = -1;
    node.release();
  }
}
