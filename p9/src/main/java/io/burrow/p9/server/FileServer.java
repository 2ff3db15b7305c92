package io.burrow.p9.server;

import io.burrow.p9.Message;
import io.burrow.p9.Message.*;
import io.burrow.p9.P9;
import io.burrow.p9.P9Error;
import io.burrow.p9.Qid;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The {@link Session} of one connection to a tree of {@link File}s: the fid table and the
 * protocol's rules, so that a {@code File} implements only file operations. It resolves fids
 * (reference counted, so that a clunk racing another request on the same fid never closes a file
 * that request still uses), walks (clones, partial walks, a walk onto the same fid), keeps the open
 * state and checks every request against it (EBADF, EBUSY, EISDIR), validates names, buffers
 * extended attributes between Txattrwalk/Txattrcreate and the reads, writes and clunk that follow,
 * builds Rread and Rreaddir in the reply buffer, bounds the fids per connection, and on a read-only
 * tree refuses every request that would change it with EROFS before a {@code File} sees it.
 *
 * <p>Thread-safe, as {@link Session} requires: requests on any fids may run concurrently; see
 * {@link File} for what that means for the files. It owns the files of its fids and closes them.
 */
public final class FileServer implements Session {
  /** The default bound on fids per connection, so that a client cannot exhaust the server's fds. */
  public static final int MAX_FIDS = 16384;
  /** The largest extended attribute value a client may announce in Txattrcreate. */
  public static final int XATTR_SIZE_MAX = 65536;
  private static final int XATTR_REPLACE = 2;
  private static final int AT_REMOVEDIR = 0x200;
  private static final int O_ACCMODE = 3, O_RDONLY = 0, O_WRONLY = 1, O_TRUNC = 01000;
  private static final int HEADER = 11;

  /** Where a connection's files come from: a new instance of the tree's root for each Tattach. */
  @FunctionalInterface
  public interface Root {
    File attach() throws IOException;
  }

  /** How long a Tnotify waits for a change before it is answered with none. */
  static final long NOTIFY_WAIT_MILLIS = 10_000;

  private final Root root;
  private final boolean readOnly;
  private final Function<IOException, P9Error> errors;
  private final int maxFids;
  private final ChangeFeed changes;
  private final ConcurrentHashMap<Integer, Fid> fids = new ConcurrentHashMap<>();
  /** This connection's subscription to {@link #changes}, from its first Tnotify until reset. */
  private ChangeFeed.Subscription subscription; // guarded by this

  /**
   * @param root the tree's root, attached once per Tattach
   * @param readOnly whether every request that would change the tree is refused with EROFS
   * @param errors turns a {@code File}'s IOException other than {@link P9Error} into the errno the
   *     client gets (a failed system call's, for a host tree)
   */
  public FileServer(Root root, boolean readOnly, Function<IOException, P9Error> errors) {
    this(root, readOnly, errors, MAX_FIDS, null);
  }

  /**
   * @param maxFids the bound on fids per connection
   * @param changes what Tnotify reports; null: Tnotify is refused with EOPNOTSUPP
   */
  public FileServer(Root root, boolean readOnly, Function<IOException, P9Error> errors, int maxFids,
      ChangeFeed changes) {
    this.root = root;
    this.readOnly = readOnly;
    this.errors = errors;
    this.maxFids = maxFids;
    this.changes = changes;
  }

  /** One fid: its file, whether and how it is open, and the xattr buffer of an xattr fid. */
  private static final class Fid {
    final RefCount refs = new RefCount();
    volatile File file;
    /** The access mode it was opened with; -1 while not open. Written under the fid's monitor. */
    volatile int access = -1;
    /** Xattr read fid: the value (or name list) Txattrwalk fetched. */
    byte[] xattrValue;
    /** Xattr write fid: what Txattrcreate announced and what has been written so far. */
    String xattrName;
    int xattrFlags;
    byte[] xattrPending;
    int xattrWritten;

    Fid(File file) {
      this.file = file;
    }

    boolean isXattr() {
      return xattrValue != null || xattrName != null;
    }

    void release() {
      if (refs.release()) {
        file.close();
      }
    }
  }

  /**
   * Requests that touch only the tree for a short, bounded time (walks, stats, creates, renames,
   * unlinks, xattrs, directory reads, opening a file that {@link File#waitsForPeers() waits for no
   * peer}) are answered inline; reads and writes of such files only when {@code alone}, so that
   * parallel readers still run in parallel. Fsync, locks, and anything that could wait for a peer
   * go to a worker.
   */
  @Override
  public boolean answerInline(Message m, boolean alone) {
    return switch (m.type()) {
      case P9.TATTACH, P9.TWALK, P9.TGETATTR, P9.TSETATTR, P9.TCLUNK, P9.TSTATFS, P9.TREADLINK, P9.TLCREATE,
          P9.TMKDIR, P9.TSYMLINK, P9.TMKNOD, P9.TLINK, P9.TRENAME, P9.TRENAMEAT, P9.TUNLINKAT, P9.TREMOVE,
          P9.TXATTRWALK, P9.TXATTRCREATE, P9.TREADDIR -> true;
      case P9.TLOPEN -> quick(((Tlopen) m).fid(), true);
      case P9.TREAD -> alone && quick(((Tread) m).fid(), false);
      case P9.TWRITE -> alone && quick(((Twrite) m).fid(), false);
      default -> false;
    };
  }

  private boolean quick(int fid, boolean directoryToo) {
    Fid f = fids.get(fid);
    File file = f == null ? null : f.file;
    return file != null && !file.waitsForPeers() && (directoryToo || !file.isDirectory());
  }

  @Override
  public void reset() {
    synchronized (this) {
      if (subscription != null) {
        subscription.close();
        subscription = null;
      }
    }
    for (Integer k : new ArrayList<>(fids.keySet())) {
      Fid f = fids.remove(k);
      if (f != null) {
        f.release();
      }
    }
  }

  @Override
  public synchronized void cancel(int tag) {
    if (subscription != null) {
      subscription.cancel();
    }
  }

  /** How many fids the connection holds. */
  public int fidCount() {
    return fids.size();
  }

  /** {@inheritDoc} A {@code File}'s IOException becomes the {@link P9Error} the client gets. */
  @Override
  public Message handle(int tag, Message m, ByteBuffer out) throws P9Error {
    try {
      return dispatch(tag, m, out);
    } catch (P9Error e) {
      throw e;
    } catch (IOException e) {
      throw errors.apply(e);
    }
  }

  private Message dispatch(int tag, Message m, ByteBuffer out) throws IOException {
    return switch (m.type()) {
      case P9.TAUTH -> throw new P9Error(P9.ENOENT, "no authentication required");
      case P9.TATTACH -> attach((Tattach) m);
      case P9.TWALK -> walk((Twalk) m);
      case P9.TGETATTR -> withFid(((Tgetattr) m).fid(), f -> f.file.getattr(((Tgetattr) m).requestMask()));
      case P9.TSETATTR -> setattr((Tsetattr) m);
      case P9.TLOPEN -> lopen((Tlopen) m);
      case P9.TLCREATE -> lcreate((Tlcreate) m);
      case P9.TREAD -> read(tag, (Tread) m, out);
      case P9.TWRITE -> write((Twrite) m);
      case P9.TCLUNK -> clunk(((Tclunk) m).fid());
      case P9.TREMOVE -> remove((Tremove) m);
      case P9.TREADDIR -> readdir(tag, (Treaddir) m, out);
      case P9.TSTATFS -> withFid(((Tstatfs) m).fid(), f -> f.file.statfs());
      case P9.TMKDIR -> mkdir((Tmkdir) m);
      case P9.TSYMLINK -> symlink((Tsymlink) m);
      case P9.TMKNOD -> mknod((Tmknod) m);
      case P9.TREADLINK -> withFid(((Treadlink) m).fid(), f -> new Rreadlink(f.file.readlink()));
      case P9.TLINK -> link((Tlink) m);
      case P9.TRENAME -> rename((Trename) m);
      case P9.TRENAMEAT -> renameat((Trenameat) m);
      case P9.TUNLINKAT -> unlinkat((Tunlinkat) m);
      case P9.TFSYNC -> withOpen(((Tfsync) m).fid(), f -> {
        f.file.fsync(((Tfsync) m).datasync() != 0);
        return new Rfsync();
      });
      case P9.TXATTRWALK -> xattrwalk((Txattrwalk) m);
      case P9.TXATTRCREATE -> xattrcreate((Txattrcreate) m);
      case P9.TLOCK -> withOpen(((Tlock) m).fid(), f -> new Rlock(f.file.lock((Tlock) m)));
      case P9.TGETLOCK -> withOpen(((Tgetlock) m).fid(), f -> f.file.getlock((Tgetlock) m));
      case P9.TNOTIFY -> notify((Tnotify) m, out.limit());
      default -> throw new P9Error(P9.EOPNOTSUPP, "unexpected message type " + m.type());
    };
  }

  // ---- change notification ---------------------------------------------------------------------

  private Rnotify notify(Tnotify t, int msize) throws P9Error {
    ChangeFeed.Subscription sub;
    synchronized (this) {
      if (changes == null) {
        throw new P9Error(P9.EOPNOTSUPP, "this server reports no changes");
      }
      if (subscription == null) {
        subscription = changes.subscribe();
      }
      sub = subscription;
    }
    if (t.max() == 0) {
      return new Rnotify(List.of()); // subscribed: changes from now on are kept for the next one
    }
    int max = Math.min(t.max(), (msize - P9.HEADER - 2) / Change.MAX_SIZE);
    try {
      return new Rnotify(sub.await(Math.max(1, max), NOTIFY_WAIT_MILLIS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Rnotify(List.of());
    }
  }

  // ---- fid table -------------------------------------------------------------------------------

  private interface FidOp<T> {
    T apply(Fid f) throws IOException;
  }

  private Fid get(int fid) throws P9Error {
    Fid f = fids.get(fid);
    if (f == null || !f.refs.tryRetain()) {
      throw new P9Error(P9.EBADF, "unknown fid " + Integer.toUnsignedString(fid));
    }
    return f;
  }

  private <T> T withFid(int fid, FidOp<T> op) throws IOException {
    Fid f = get(fid);
    try {
      return op.apply(f);
    } finally {
      f.release();
    }
  }

  private <T> T withOpen(int fid, FidOp<T> op) throws IOException {
    return withFid(fid, f -> {
      if (f.access < 0) {
        throw new P9Error(P9.EBADF, "fid not open");
      }
      return op.apply(f);
    });
  }

  /** Runs {@code op} on the directory {@code dfid} names; ENOTDIR when it is not one. */
  private <T> T inDir(int dfid, FidOp<T> op) throws IOException {
    return withFid(dfid, d -> {
      if (d.isXattr() || !d.file.isDirectory()) {
        throw new P9Error(P9.ENOTDIR, "not a directory");
      }
      return op.apply(d);
    });
  }

  /** Enters {@code f} as {@code fid}; on failure releases it (closing its file). */
  private void add(int fid, Fid f) throws P9Error {
    if (fid == P9.NOFID) {
      f.release();
      throw new P9Error(P9.EBADF, "NOFID used as a new fid");
    }
    if (fids.size() >= maxFids) {
      f.release();
      throw new P9Error(P9.EMFILE, "too many fids");
    }
    if (fids.putIfAbsent(fid, f) != null) {
      f.release();
      throw new P9Error(P9.EEXIST, "fid " + fid + " already in use");
    }
  }

  private void writable() throws P9Error {
    if (readOnly) {
      throw new P9Error(P9.EROFS, "read-only tree");
    }
  }

  /** A name for a new directory entry: one component, as {@link File} promises its implementations. */
  static void checkName(String n) throws P9Error {
    if (n.isEmpty() || n.equals(".") || n.equals("..") || n.indexOf('/') >= 0 || n.indexOf('\0') >= 0) {
      throw new P9Error(P9.EINVAL, "invalid name '" + n + "'");
    }
    if (n.length() > 255) {
      throw new P9Error(P9.ENAMETOOLONG, "name too long");
    }
  }

  // ---- session ---------------------------------------------------------------------------------

  private Message attach(Tattach t) throws IOException {
    if (t.afid() != P9.NOFID) {
      throw new P9Error(P9.EINVAL, "authentication fids are not supported");
    }
    File file = root.attach();
    try {
      for (String part : t.aname().split("/")) {
        if (part.isEmpty()) {
          continue;
        }
        File next = file.walk(part);
        file.close();
        file = next;
      }
      Qid q = file.qid();
      File attached = file;
      file = null;
      add(t.fid(), new Fid(attached));
      return new Rattach(q);
    } finally {
      if (file != null) {
        file.close();
      }
    }
  }

  private Message walk(Twalk t) throws IOException {
    return withFid(t.fid(), from -> {
      if (t.newfid() != t.fid() && fids.containsKey(t.newfid())) {
        throw new P9Error(P9.EEXIST, "newfid " + t.newfid() + " already in use");
      }
      if (from.isXattr()) {
        throw new P9Error(P9.EBADF, "walk from an xattr fid");
      }
      File file = from.file.duplicate();
      List<Qid> qids = new ArrayList<>(t.names().size());
      try {
        for (String name : t.names()) {
          File next;
          try {
            next = file.walk(name);
          } catch (IOException e) {
            if (qids.isEmpty()) {
              throw e;
            }
            return new Rwalk(qids); // partial walk: newfid is not created
          }
          file.close();
          file = next;
          qids.add(file.qid());
        }
        if (t.newfid() == t.fid()) {
          synchronized (from) {
            if (from.access >= 0) {
              throw new P9Error(P9.EBUSY, "walk of an open fid onto itself");
            }
            File old = from.file;
            from.file = file;
            file = null;
            old.close();
          }
        } else {
          File walked = file;
          file = null;
          add(t.newfid(), new Fid(walked));
        }
        return new Rwalk(qids);
      } finally {
        if (file != null) {
          file.close();
        }
      }
    });
  }

  private Message clunk(int fid) throws IOException {
    Fid f = fids.remove(fid);
    if (f == null) {
      throw new P9Error(P9.EBADF, "unknown fid " + fid);
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

  private Message remove(Tremove t) throws IOException {
    // Tremove clunks the fid even when the removal fails.
    Fid f = fids.remove(t.fid());
    if (f == null) {
      throw new P9Error(P9.EBADF, "unknown fid " + t.fid());
    }
    try {
      writable();
      f.file.remove();
      return new Rremove();
    } finally {
      f.release();
    }
  }

  // ---- attributes, open, read, write -----------------------------------------------------------

  private Message setattr(Tsetattr t) throws IOException {
    writable();
    if ((t.valid() & P9.SETATTR_SIZE) != 0 && t.size() < 0) {
      throw new P9Error(P9.EINVAL, "negative size");
    }
    return withFid(t.fid(), f -> {
      f.file.setattr(t);
      return new Rsetattr();
    });
  }

  private Message lopen(Tlopen t) throws IOException {
    int access = t.flags() & O_ACCMODE;
    if (access == O_ACCMODE) {
      throw new P9Error(P9.EINVAL, "invalid access mode");
    }
    if (access != O_RDONLY || (t.flags() & O_TRUNC) != 0) {
      writable();
    }
    return withFid(t.fid(), f -> {
      synchronized (f) {
        if (f.access >= 0 || f.isXattr()) {
          throw new P9Error(P9.EBUSY, "fid already open");
        }
        if (f.file.isDirectory() && access != O_RDONLY) {
          throw new P9Error(P9.EISDIR, "directories open read-only");
        }
        Qid q = f.file.open(t.flags());
        f.access = access;
        return new Rlopen(q, 0);
      }
    });
  }

  private Message lcreate(Tlcreate t) throws IOException {
    writable();
    checkName(t.name());
    int access = t.flags() & O_ACCMODE;
    if (access == O_ACCMODE) {
      throw new P9Error(P9.EINVAL, "invalid access mode");
    }
    return withFid(t.fid(), f -> {
      synchronized (f) {
        if (f.access >= 0 || f.isXattr()) {
          throw new P9Error(P9.EBUSY, "fid already open");
        }
        if (!f.file.isDirectory()) {
          throw new P9Error(P9.ENOTDIR, "lcreate in a non-directory");
        }
        File created = f.file.create(t.name(), t.flags(), t.mode(), t.gid());
        Qid q;
        try {
          q = created.qid();
        } catch (IOException | RuntimeException e) {
          created.close();
          throw e;
        }
        File dir = f.file;
        f.file = created;
        f.access = access;
        dir.close();
        return new Rlcreate(q, 0);
      }
    });
  }

  private Message read(int tag, Tread t, ByteBuffer out) throws IOException {
    return withFid(t.fid(), f -> {
      int count = (int) Math.min(Integer.toUnsignedLong(t.count()), Math.max(0, out.limit() - HEADER));
      byte[] v = f.xattrValue;
      if (v != null) {
        long off = t.offset();
        int n = off < 0 || off >= v.length ? 0 : (int) Math.min(count, v.length - off);
        out.position(HEADER);
        out.put(v, (int) Math.max(0, Math.min(off, v.length)), n);
        return frameIn(out, tag, P9.RREAD, n);
      }
      if (f.access < 0 || f.access == O_WRONLY) {
        throw new P9Error(P9.EBADF, "fid not open for reading");
      }
      if (t.offset() < 0) {
        throw new P9Error(P9.EINVAL, "negative offset");
      }
      ByteBuffer dst = out.duplicate();
      dst.limit(HEADER + count).position(HEADER);
      int n = f.file.read(t.offset(), dst);
      return frameIn(out, tag, P9.RREAD, n);
    });
  }

  /** Finishes a frame whose payload (count bytes) was written at offset 11 of {@code out}. */
  private static Message frameIn(ByteBuffer out, int tag, int type, int count) {
    out.order(ByteOrder.LITTLE_ENDIAN);
    out.putInt(0, HEADER + count).put(4, (byte) type).putShort(5, (short) tag).putInt(7, count);
    out.position(HEADER + count);
    return null;
  }

  private Message write(Twrite t) throws IOException {
    return withFid(t.fid(), f -> {
      ByteBuffer data = t.data();
      if (f.xattrName != null) {
        synchronized (f) {
          long off = t.offset();
          if (off != f.xattrWritten || off + data.remaining() > f.xattrPending.length) {
            throw new P9Error(P9.EINVAL, "xattr write beyond the announced size");
          }
          data.duplicate().get(f.xattrPending, (int) off, data.remaining());
          f.xattrWritten += data.remaining();
          return new Rwrite(data.remaining());
        }
      }
      writable();
      if (f.access < 0 || f.access == O_RDONLY) {
        throw new P9Error(P9.EBADF, "fid not open for writing");
      }
      if (t.offset() < 0) {
        throw new P9Error(P9.EINVAL, "negative offset");
      }
      return new Rwrite(f.file.write(t.offset(), data));
    });
  }

  private Message readdir(int tag, Treaddir t, ByteBuffer out) throws IOException {
    return withFid(t.fid(), f -> {
      if (f.access < 0 || !f.file.isDirectory()) {
        throw new P9Error(P9.EBADF, "fid is not an open directory");
      }
      int count = (int) Math.min(Integer.toUnsignedLong(t.count()), Math.max(0, out.limit() - HEADER));
      ByteBuffer dst = out.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      dst.limit(HEADER + count).position(HEADER);
      synchronized (f) {
        f.file.readdir(t.offset(), dst);
      }
      return frameIn(out, tag, P9.RREADDIR, dst.position() - HEADER);
    });
  }

  // ---- namespace changes -----------------------------------------------------------------------

  private Message mkdir(Tmkdir t) throws IOException {
    writable();
    checkName(t.name());
    return inDir(t.dfid(), d -> new Rmkdir(d.file.mkdir(t.name(), t.mode(), t.gid())));
  }

  private Message symlink(Tsymlink t) throws IOException {
    writable();
    checkName(t.name());
    if (t.target().isEmpty()) {
      throw new P9Error(P9.ENOENT, "empty symlink target");
    }
    return inDir(t.fid(), d -> new Rsymlink(d.file.symlink(t.name(), t.target(), t.gid())));
  }

  private Message mknod(Tmknod t) throws IOException {
    writable();
    checkName(t.name());
    return inDir(t.dfid(), d -> new Rmknod(d.file.mknod(t.name(), t.mode(), t.major(), t.minor(), t.gid())));
  }

  private Message link(Tlink t) throws IOException {
    writable();
    checkName(t.name());
    return withFid(t.fid(), target -> {
      if (target.file.isDirectory()) {
        throw new P9Error(P9.EPERM, "hard link to a directory");
      }
      return inDir(t.dfid(), d -> {
        d.file.link(target.file, t.name());
        return new Rlink();
      });
    });
  }

  private Message rename(Trename t) throws IOException {
    writable();
    checkName(t.name());
    return withFid(t.fid(), f -> inDir(t.dfid(), d -> {
      f.file.rename(d.file, t.name());
      return new Rrename();
    }));
  }

  private Message renameat(Trenameat t) throws IOException {
    writable();
    checkName(t.oldname());
    checkName(t.newname());
    return inDir(t.olddirfid(), od -> inDir(t.newdirfid(), nd -> {
      od.file.renameAt(t.oldname(), nd.file, t.newname());
      return new Rrenameat();
    }));
  }

  private Message unlinkat(Tunlinkat t) throws IOException {
    writable();
    checkName(t.name());
    if ((t.flags() & ~AT_REMOVEDIR) != 0) {
      throw new P9Error(P9.EINVAL, "unsupported unlinkat flags");
    }
    return inDir(t.dirfid(), d -> {
      d.file.unlinkAt(t.name(), t.flags());
      return new Runlinkat();
    });
  }

  // ---- xattrs ----------------------------------------------------------------------------------

  private Message xattrwalk(Txattrwalk t) throws IOException {
    return withFid(t.fid(), f -> {
      if (t.newfid() == t.fid() || fids.containsKey(t.newfid())) {
        throw new P9Error(P9.EEXIST, "newfid in use");
      }
      byte[] value = t.name().isEmpty() ? f.file.listXattrs() : f.file.getXattr(t.name());
      Fid nf = new Fid(f.file.duplicate());
      nf.xattrValue = value;
      add(t.newfid(), nf);
      return new Rxattrwalk(value.length);
    });
  }

  private Message xattrcreate(Txattrcreate t) throws IOException {
    writable();
    if (t.attrSize() < 0 || t.attrSize() > XATTR_SIZE_MAX) {
      throw new P9Error(P9.E2BIG, "xattr too large");
    }
    if (t.name().isEmpty()) {
      throw new P9Error(P9.EINVAL, "empty xattr name");
    }
    return withFid(t.fid(), f -> {
      synchronized (f) {
        if (f.access >= 0 || f.isXattr()) {
          throw new P9Error(P9.EBUSY, "fid already in use");
        }
        f.xattrName = t.name();
        f.xattrFlags = t.flags() & 3;
        f.xattrPending = new byte[(int) t.attrSize()];
        f.xattrWritten = 0;
      }
      return new Rxattrcreate();
    });
  }

  private static void commitXattr(Fid f) throws IOException {
    String name = f.xattrName;
    f.xattrName = null;
    if (f.xattrWritten != f.xattrPending.length) {
      throw new P9Error(P9.EINVAL, "xattr value shorter than announced");
    }
    if (f.xattrPending.length == 0 && f.xattrFlags == XATTR_REPLACE) {
      // 9P2000.L has no Tremovexattr: Linux v9fs (and burrow's FUSE bridge) remove an attribute
      // with a zero-length Txattrcreate carrying XATTR_REPLACE.
      f.file.removeXattr(name);
      return;
    }
    f.file.setXattr(name, f.xattrPending, f.xattrFlags);
  }
}
