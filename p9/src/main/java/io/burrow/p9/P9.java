package io.burrow.p9;

/**
 * 9P2000.L wire constants: message type numbers (as in the Linux and diod {@code 9p.h}), limits,
 * qid types, attribute masks, and the Linux errno values the server answers with. Pure constants.
 */
public final class P9 {
  private P9() {}

  public static final String VERSION = "9P2000.L";
  public static final int NOTAG = 0xFFFF;
  public static final int NOFID = 0xFFFFFFFF;
  public static final int NONUNAME = 0xFFFFFFFF;
  /** Most names in one Twalk, and qids in one Rwalk. */
  public static final int MAXWELEM = 16;
  /** size[4] type[1] tag[2]. */
  public static final int HEADER = 7;
  /** Room for the header of Tread/Twrite/Rread/Rreaddir. */
  public static final int IOHDRSZ = 24;
  /** The smallest msize worth negotiating. */
  public static final int MIN_MSIZE = 4096;

  public static final int TLERROR = 6, RLERROR = 7;
  public static final int TSTATFS = 8, RSTATFS = 9;
  public static final int TLOPEN = 12, RLOPEN = 13;
  public static final int TLCREATE = 14, RLCREATE = 15;
  public static final int TSYMLINK = 16, RSYMLINK = 17;
  public static final int TMKNOD = 18, RMKNOD = 19;
  public static final int TRENAME = 20, RRENAME = 21;
  public static final int TREADLINK = 22, RREADLINK = 23;
  public static final int TGETATTR = 24, RGETATTR = 25;
  public static final int TSETATTR = 26, RSETATTR = 27;
  public static final int TXATTRWALK = 30, RXATTRWALK = 31;
  public static final int TXATTRCREATE = 32, RXATTRCREATE = 33;
  public static final int TREADDIR = 40, RREADDIR = 41;
  public static final int TFSYNC = 50, RFSYNC = 51;
  public static final int TLOCK = 52, RLOCK = 53;
  public static final int TGETLOCK = 54, RGETLOCK = 55;
  public static final int TLINK = 70, RLINK = 71;
  public static final int TMKDIR = 72, RMKDIR = 73;
  public static final int TRENAMEAT = 74, RRENAMEAT = 75;
  public static final int TUNLINKAT = 76, RUNLINKAT = 77;
  public static final int TVERSION = 100, RVERSION = 101;
  public static final int TAUTH = 102, RAUTH = 103;
  public static final int TATTACH = 104, RATTACH = 105;
  public static final int TFLUSH = 108, RFLUSH = 109;
  public static final int TWALK = 110, RWALK = 111;
  public static final int TREAD = 116, RREAD = 117;
  public static final int TWRITE = 118, RWRITE = 119;
  public static final int TCLUNK = 120, RCLUNK = 121;
  public static final int TREMOVE = 122, RREMOVE = 123;
  /**
   * burrow's extension, outside the 9P2000.L numbers: Tnotify asks for changes made to the served
   * tree by others than this connection; Rnotify carries them (see {@link Message.Tnotify}). A
   * server that does not know it answers Rlerror, and plain 9P2000.L clients never send it.
   */
  public static final int TNOTIFY = 200, RNOTIFY = 201;

  public static final int QTDIR = 0x80, QTSYMLINK = 0x02, QTFILE = 0x00;

  public static final long GETATTR_BASIC = 0x7ffL;
  public static final long GETATTR_ALL = 0x3fffL;

  public static final int SETATTR_MODE = 0x1, SETATTR_UID = 0x2, SETATTR_GID = 0x4, SETATTR_SIZE = 0x8,
      SETATTR_ATIME = 0x10, SETATTR_MTIME = 0x20, SETATTR_CTIME = 0x40, SETATTR_ATIME_SET = 0x80,
      SETATTR_MTIME_SET = 0x100;

  public static final int LOCK_TYPE_RDLCK = 0, LOCK_TYPE_WRLCK = 1, LOCK_TYPE_UNLCK = 2;
  public static final int LOCK_SUCCESS = 0, LOCK_BLOCKED = 1, LOCK_ERROR = 2;

  /** Linux errno values (asm-generic; x86_64 and arm64 agree). */
  public static final int EPERM = 1, ENOENT = 2, E2BIG = 7, EIO = 5, ENXIO = 6, EBADF = 9, EAGAIN = 11, ENOMEM = 12,
      EACCES = 13, EBUSY = 16, EEXIST = 17, EXDEV = 18, ENOTDIR = 20, EISDIR = 21, EINVAL = 22,
      EMFILE = 24, EFBIG = 27, ENOSPC = 28, EROFS = 30, ERANGE = 34, ENAMETOOLONG = 36, ENOSYS = 38,
      ENOTEMPTY = 39, ELOOP = 40, ENODATA = 61, EPROTO = 71, EOVERFLOW = 75, EOPNOTSUPP = 95,
      ESTALE = 116;

  /** True for the request (T-message) types the codec knows. */
  public static boolean isRequest(int type) {
    return (type & 1) == 0 && Codec.knows(type);
  }
}
