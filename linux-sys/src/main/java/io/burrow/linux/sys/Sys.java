package io.burrow.linux.sys;

import com.kenai.jffi.MemoryIO;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Platform;
import jnr.ffi.Runtime;

/**
 * Checked wrappers over {@link LibC}: each returns the result or throws {@link Errno} naming the
 * call. Stateless and thread-safe; scratch memory for out-structs is per thread. Fds returned by
 * the open-like calls belong to the caller, who must {@link #close(int)} them exactly once. All
 * fds are created with O_CLOEXEC / SOCK_CLOEXEC so that nothing leaks into spawned processes.
 */
public final class Sys {
  private Sys() {}

  /**
   * The process's one libc binding (also {@link Native#libc()}). Symbols resolve on first call, so
   * a call the C library lacks fails only where it is made.
   */
  public static final LibC C = LibraryLoader.create(LibC.class)
      .load(Platform.getNativePlatform().getStandardCLibraryName());
  static final Runtime RT = Runtime.getRuntime(C);
  private static final boolean ARM64 = "aarch64".equals(System.getProperty("os.arch"));

  public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_ACCMODE = 3;
  public static final int O_CREAT = 0100, O_EXCL = 0200, O_NOCTTY = 0400, O_TRUNC = 01000, O_APPEND = 02000,
      O_NONBLOCK = 04000, O_DSYNC = 010000, O_SYNC = 04010000, O_NOATIME = 01000000, O_CLOEXEC = 02000000,
      O_PATH = 010000000;
  public static final int O_DIRECTORY = ARM64 ? 040000 : 0200000;
  public static final int O_NOFOLLOW = ARM64 ? 0100000 : 0400000;

  public static final int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200,
      AT_SYMLINK_FOLLOW = 0x400, AT_EMPTY_PATH = 0x1000;
  public static final long RESOLVE_NO_XDEV = 0x01, RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_NO_SYMLINKS = 0x04,
      RESOLVE_BENEATH = 0x08, RESOLVE_IN_ROOT = 0x10;
  private static final long SYS_OPENAT2 = 437, SYS_FCHMODAT2 = 452;

  public static final int S_IFMT = 0170000, S_IFDIR = 040000, S_IFREG = 0100000, S_IFLNK = 0120000,
      S_IFCHR = 020000, S_IFBLK = 060000, S_IFIFO = 010000, S_IFSOCK = 0140000;
  public static final long UTIME_NOW = (1L << 30) - 1, UTIME_OMIT = (1L << 30) - 2;
  public static final int F_OFD_GETLK = 36, F_OFD_SETLK = 37;
  public static final int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 02000000;
  public static final int SEEK_SET = 0;

  private static final int STATX_BASIC_STATS = 0x7ff;
  private static final ThreadLocal<ByteBuffer> SCRATCH = ThreadLocal.withInitial(() ->
      ByteBuffer.allocateDirect(8192).order(ByteOrder.nativeOrder()));

  /** The native address of a direct buffer's first byte. */
  public static long address(ByteBuffer direct) {
    if (!direct.isDirect()) {
      throw new IllegalArgumentException("buffer must be direct");
    }
    return MemoryIO.getInstance().getDirectBufferAddress(direct);
  }

  /** A NUL-terminated UTF-8 copy of {@code s}; callers have already rejected NUL inside names. */
  public static byte[] cstr(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    byte[] z = new byte[b.length + 1];
    System.arraycopy(b, 0, z, 0, b.length);
    return z;
  }

  private static final byte[] EMPTY = {0};

  public static int errno() {
    return LastError.getLastError(RT);
  }

  private static int check(int r, String what) throws Errno {
    if (r < 0) {
      throw new Errno(errno(), what);
    }
    return r;
  }

  private static long check(long r, String what) throws Errno {
    if (r < 0) {
      throw new Errno(errno(), what);
    }
    return r;
  }

  /** openat2(2) with {@code resolve} flags; EINTR/EAGAIN (a rename raced the lookup) are retried. */
  public static int openat2(int dirfd, String path, int flags, int mode, long resolve) throws Errno {
    long[] how = {Integer.toUnsignedLong(flags | O_CLOEXEC), mode, resolve};
    byte[] p = cstr(path);
    for (int attempt = 0; ; attempt++) {
      long r = C.syscall(SYS_OPENAT2, dirfd, p, how, 24);
      if (r >= 0) {
        return (int) r;
      }
      int e = errno();
      if ((e == 4 || e == 11) && attempt < 16) {
        continue;
      }
      throw new Errno(e, "openat2 " + path);
    }
  }

  public static int openat(int dirfd, String path, int flags, int mode) throws Errno {
    return check(C.openat(dirfd, cstr(path), flags | O_CLOEXEC, mode), "openat " + path);
  }

  /** Closes an fd; errors are ignored because the fd is gone either way (see close(2)). */
  public static void close(int fd) {
    if (fd >= 0) {
      C.close(fd);
    }
  }

  public static long read(int fd, ByteBuffer buf, int off, int len) throws Errno {
    return check(C.read(fd, address(buf) + off, len), "read fd " + fd);
  }

  public static long write(int fd, ByteBuffer buf, int off, int len) throws Errno {
    return check(C.write(fd, address(buf) + off, len), "write fd " + fd);
  }

  /** send(2) with MSG_NOSIGNAL: a vanished peer is EPIPE, never SIGPIPE. */
  public static long send(int fd, ByteBuffer buf, int off, int len) throws Errno {
    return check(C.send(fd, address(buf) + off, len, 0x4000), "send fd " + fd);
  }

  public static long pread(int fd, ByteBuffer buf, int off, int len, long offset) throws Errno {
    return check(C.pread(fd, address(buf) + off, len, offset), "pread");
  }

  public static long pwrite(int fd, ByteBuffer buf, int off, int len, long offset) throws Errno {
    return check(C.pwrite(fd, address(buf) + off, len, offset), "pwrite");
  }

  /** File status as statx reports it; times in seconds and nanoseconds. */
  public record Stat(int mode, int uid, int gid, long nlink, long ino, long size, long blocks, int blksize,
      long atimeSec, int atimeNsec, long mtimeSec, int mtimeNsec, long ctimeSec, int ctimeNsec,
      long btimeSec, int btimeNsec, int rdevMajor, int rdevMinor, int devMajor, int devMinor) {
    public int fileType() {
      return mode & S_IFMT;
    }

    public boolean isDir() {
      return fileType() == S_IFDIR;
    }

    public boolean isSymlink() {
      return fileType() == S_IFLNK;
    }

    public long rdev() {
      return makedev(rdevMajor, rdevMinor);
    }

    public boolean sameFile(Stat o) {
      return ino == o.ino && devMajor == o.devMajor && devMinor == o.devMinor;
    }
  }

  /** statx of the fd itself (AT_EMPTY_PATH; works on O_PATH fds and does not follow symlinks). */
  public static Stat fstat(int fd) throws Errno {
    return statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
  }

  public static Stat statx(int dirfd, String path, int flags) throws Errno {
    ByteBuffer b = SCRATCH.get();
    check(C.statx(dirfd, path.isEmpty() ? EMPTY : cstr(path), flags, STATX_BASIC_STATS, address(b)),
        "statx " + path);
    return new Stat(b.getShort(28) & 0xffff, b.getInt(20), b.getInt(24), Integer.toUnsignedLong(b.getInt(16)),
        b.getLong(32), b.getLong(40), b.getLong(48), b.getInt(4),
        b.getLong(64), b.getInt(72), b.getLong(112), b.getInt(120), b.getLong(96), b.getInt(104),
        b.getLong(80), b.getInt(88), b.getInt(128), b.getInt(132), b.getInt(136), b.getInt(140));
  }

  /** struct statfs fields in order (64-bit layout: every field 8 bytes). */
  public record StatFs(long type, long bsize, long blocks, long bfree, long bavail, long files, long ffree,
      long fsid, long namelen) {}

  public static StatFs fstatfs(int fd) throws Errno {
    ByteBuffer b = SCRATCH.get();
    check(C.fstatfs(fd, address(b)), "fstatfs");
    long fsid = (b.getInt(56) & 0xffffffffL) | ((long) b.getInt(60) << 32);
    return new StatFs(b.getLong(0), b.getLong(8), b.getLong(16), b.getLong(24), b.getLong(32), b.getLong(40),
        b.getLong(48), fsid, b.getLong(64));
  }

  public static void mkdirat(int dirfd, String name, int mode) throws Errno {
    check(C.mkdirat(dirfd, cstr(name), mode), "mkdirat " + name);
  }

  public static void mknodat(int dirfd, String name, int mode, int major, int minor) throws Errno {
    check(C.mknodat(dirfd, cstr(name), mode, makedev(major, minor)), "mknodat " + name);
  }

  public static void unlinkat(int dirfd, String name, int flags) throws Errno {
    check(C.unlinkat(dirfd, cstr(name), flags), "unlinkat " + name);
  }

  public static void renameat(int olddir, String oldname, int newdir, String newname) throws Errno {
    check(C.renameat(olddir, cstr(oldname), newdir, cstr(newname)), "renameat " + oldname + " " + newname);
  }

  public static void symlinkat(String target, int dirfd, String name) throws Errno {
    check(C.symlinkat(cstr(target), dirfd, cstr(name)), "symlinkat " + name);
  }

  public static void linkat(int olddir, String oldname, int newdir, String newname, int flags) throws Errno {
    check(C.linkat(olddir, cstr(oldname), newdir, cstr(newname), flags), "linkat " + newname);
  }

  /** readlinkat of the fd itself (an O_PATH fd of a symlink, empty path). */
  public static String readlink(int fd) throws Errno {
    ByteBuffer b = SCRATCH.get();
    long n = check(C.readlinkat(fd, EMPTY, address(b), b.capacity()), "readlinkat");
    byte[] out = new byte[(int) n];
    b.get(0, out);
    return new String(out, StandardCharsets.UTF_8);
  }

  public static void fchownat(int dirfd, String path, int uid, int gid, int flags) throws Errno {
    check(C.fchownat(dirfd, path.isEmpty() ? EMPTY : cstr(path), uid, gid, flags), "fchownat");
  }

  public static void utimensat(int dirfd, String path, long[] times, int flags) throws Errno {
    check(C.utimensat(dirfd, path == null ? null : cstr(path), times, flags), "utimensat");
  }

  /** fchmodat2(2) with AT_EMPTY_PATH on an (O_PATH) fd; throws ENOSYS on kernels before 6.6. */
  public static void fchmodEmptyPath(int fd, int mode) throws Errno {
    check(C.syscall(SYS_FCHMODAT2, fd, EMPTY, mode, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW), "fchmodat2");
  }

  public static void fchmod(int fd, int mode) throws Errno {
    check(C.fchmod(fd, mode), "fchmod");
  }

  public static void ftruncate(int fd, long size) throws Errno {
    check(C.ftruncate(fd, size), "ftruncate");
  }

  public static void fsync(int fd, boolean dataOnly) throws Errno {
    check(dataOnly ? C.fdatasync(fd) : C.fsync(fd), "fsync");
  }

  public static long getdents64(int fd, ByteBuffer buf) throws Errno {
    return check(C.getdents64(fd, address(buf), buf.capacity()), "getdents64");
  }

  public static void lseek(int fd, long offset) throws Errno {
    check(C.lseek(fd, offset, SEEK_SET), "lseek");
  }

  public static int[] socketpair() throws Errno {
    int[] sv = new int[2];
    check(C.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), "socketpair");
    return sv;
  }

  public static long makedev(int major, int minor) {
    long ma = Integer.toUnsignedLong(major), mi = Integer.toUnsignedLong(minor);
    return ((ma & 0xfffff000L) << 32) | ((ma & 0xfffL) << 8) | ((mi & 0xffffff00L) << 12) | (mi & 0xffL);
  }

  /** Checks a syscall result, for callers using {@link #C} directly. */
  public static long checked(long r, String what) throws Errno {
    return check(r, what);
  }
}
