package io.burrow.fuse;

/**
 * FUSE kernel protocol constants and struct sizes, taken from the Linux kernel's
 * {@code include/uapi/linux/fuse.h} (protocol 7.45). All structs are little-endian on the machines
 * burrow runs on (x86_64, arm64) and laid out with natural alignment; offsets are given where the
 * bridge reads or writes a field. Pure constants.
 */
final class Fuse {
  private Fuse() {}

  static final int KERNEL_VERSION = 7;
  /** The minor version this bridge implements; the kernel uses min(its minor, ours). */
  static final int KERNEL_MINOR_VERSION = 45;
  static final long ROOT_ID = 1;
  /** The kernel refuses a read(2) buffer smaller than this. */
  static final int MIN_READ_BUFFER = 8192;

  // enum fuse_opcode
  static final int LOOKUP = 1, FORGET = 2, GETATTR = 3, SETATTR = 4, READLINK = 5, SYMLINK = 6, MKNOD = 8,
      MKDIR = 9, UNLINK = 10, RMDIR = 11, RENAME = 12, LINK = 13, OPEN = 14, READ = 15, WRITE = 16, STATFS = 17,
      RELEASE = 18, FSYNC = 20, SETXATTR = 21, GETXATTR = 22, LISTXATTR = 23, REMOVEXATTR = 24, FLUSH = 25,
      INIT = 26, OPENDIR = 27, READDIR = 28, RELEASEDIR = 29, FSYNCDIR = 30, GETLK = 31, SETLK = 32, SETLKW = 33,
      ACCESS = 34, CREATE = 35, INTERRUPT = 36, BMAP = 37, DESTROY = 38, IOCTL = 39, POLL = 40,
      NOTIFY_REPLY = 41, BATCH_FORGET = 42, FALLOCATE = 43, READDIRPLUS = 44, RENAME2 = 45, LSEEK = 46,
      COPY_FILE_RANGE = 47, SETUPMAPPING = 48, REMOVEMAPPING = 49, SYNCFS = 50, TMPFILE = 51, STATX = 52,
      COPY_FILE_RANGE_64 = 53;

  /** fuse_notify_code: FUSE_NOTIFY_INVAL_ENTRY, sent as the error field of a unique-0 message. */
  static final int NOTIFY_INVAL_ENTRY = 3;
  /** FUSE_NOTIFY_INVAL_INODE: {@code fuse_notify_inval_inode_out} is ino[8] off[8] len[8]. */
  static final int NOTIFY_INVAL_INODE = 2;

  // INIT flags (fuse_init_in/out.flags; flags2 holds bits 32..63 when INIT_EXT is set)
  static final int ASYNC_READ = 1 << 0, POSIX_LOCKS = 1 << 1, ATOMIC_O_TRUNC = 1 << 3, EXPORT_SUPPORT = 1 << 4,
      BIG_WRITES = 1 << 5, DONT_MASK = 1 << 6, FLOCK_LOCKS = 1 << 10, AUTO_INVAL_DATA = 1 << 12,
      DO_READDIRPLUS = 1 << 13, READDIRPLUS_AUTO = 1 << 14, ASYNC_DIO = 1 << 15, WRITEBACK_CACHE = 1 << 16,
      PARALLEL_DIROPS = 1 << 18, HANDLE_KILLPRIV = 1 << 19, POSIX_ACL = 1 << 20, ABORT_ERROR = 1 << 21,
      MAX_PAGES = 1 << 22, CACHE_SYMLINKS = 1 << 23, EXPLICIT_INVAL_DATA = 1 << 25, INIT_EXT = 1 << 30;

  // fuse_open_out.open_flags
  static final int FOPEN_DIRECT_IO = 1 << 0, FOPEN_KEEP_CACHE = 1 << 1, FOPEN_CACHE_DIR = 1 << 3, FOPEN_NOFLUSH = 1 << 5;

  // fuse_setattr_in.valid
  static final int FATTR_MODE = 1 << 0, FATTR_UID = 1 << 1, FATTR_GID = 1 << 2, FATTR_SIZE = 1 << 3,
      FATTR_ATIME = 1 << 4, FATTR_MTIME = 1 << 5, FATTR_FH = 1 << 6, FATTR_ATIME_NOW = 1 << 7,
      FATTR_MTIME_NOW = 1 << 8, FATTR_CTIME = 1 << 10;

  static final int FSYNC_FDATASYNC = 1;

  // renameat2(2) flags as carried in fuse_rename2_in.flags
  static final int RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;

  // struct sizes
  static final int IN_HEADER = 40;   // len[4] opcode[4] unique[8] nodeid[8] uid[4] gid[4] pid[4] extlen[2] pad[2]
  static final int OUT_HEADER = 16;  // len[4] error[4] unique[8]
  static final int ATTR = 88;        // struct fuse_attr
  static final int ENTRY_OUT = 40 + ATTR;
  static final int ATTR_OUT = 16 + ATTR;
  static final int OPEN_OUT = 16;
  static final int INIT_OUT = 64;
  static final int KSTATFS = 80;
  static final int DIRENT = 24;      // ino[8] off[8] namelen[4] type[4] name[]
  static final int WRITE_IN = 40;
  static final int SETXATTR_IN_COMPAT = 8; // without FUSE_SETXATTR_EXT (not negotiated)

  static int align8(int n) {
    return (n + 7) & ~7;
  }

  static String opName(int op) {
    return switch (op) {
      case LOOKUP -> "LOOKUP"; case FORGET -> "FORGET"; case GETATTR -> "GETATTR"; case SETATTR -> "SETATTR";
      case READLINK -> "READLINK"; case SYMLINK -> "SYMLINK"; case MKNOD -> "MKNOD"; case MKDIR -> "MKDIR";
      case UNLINK -> "UNLINK"; case RMDIR -> "RMDIR"; case RENAME -> "RENAME"; case LINK -> "LINK";
      case OPEN -> "OPEN"; case READ -> "READ"; case WRITE -> "WRITE"; case STATFS -> "STATFS";
      case RELEASE -> "RELEASE"; case FSYNC -> "FSYNC"; case SETXATTR -> "SETXATTR"; case GETXATTR -> "GETXATTR";
      case LISTXATTR -> "LISTXATTR"; case REMOVEXATTR -> "REMOVEXATTR"; case FLUSH -> "FLUSH"; case INIT -> "INIT";
      case OPENDIR -> "OPENDIR"; case READDIR -> "READDIR"; case RELEASEDIR -> "RELEASEDIR";
      case FSYNCDIR -> "FSYNCDIR"; case CREATE -> "CREATE"; case INTERRUPT -> "INTERRUPT";
      case DESTROY -> "DESTROY"; case BATCH_FORGET -> "BATCH_FORGET"; case READDIRPLUS -> "READDIRPLUS";
      case RENAME2 -> "RENAME2"; case ACCESS -> "ACCESS";
      default -> "op" + op;
    };
  }
}
