package io.burrow.fuse;

import io.burrow.p9.client.NinePClient;
import io.burrow.p9.Dirent;
import io.burrow.p9.Message;
import io.burrow.p9.Message.Rgetattr;
import io.burrow.p9.Message.Rwalk;
import io.burrow.p9.P9;
import io.burrow.p9.P9ProtocolException;
import io.burrow.p9.P9Error;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FUSE operations: decodes one request from a reader's buffer, performs it with 9P calls and
 * encodes the reply into the reader's out buffer. Thread-safe: per-request state lives on the
 * stack and in the caller's buffers; shared state is the {@link Nodes} table and the open-handle
 * map. Errors: a 9P Rlerror becomes {@code -errno}; any other failure of the 9P connection EIO.
 */
final class FuseOps {
  private static final Logger LOG = LoggerFactory.getLogger(FuseOps.class);
  private static final int ENOENT = 2, EIO = 5, EINVAL = 22, ENOSYS = 38, ESTALE = 116, ERANGE = 34, EEXIST = 17,
      EPROTO = 71, E2BIG = 7, ENODATA = 61;
  private static final int S_IFMT = 0170000, S_IFDIR = 0040000, S_IFREG = 0100000, S_ISGID = 02000;
  private static final int O_ACCMODE = 3, O_CREAT = 0100, O_EXCL = 0200, O_TRUNC = 01000, O_DSYNC = 010000,
      O_SYNC = 04010000;
  private static final int AT_REMOVEDIR = 0x200;
  private static final int XATTR_MAX = 65536;
  private static final int XATTR_REPLACE = 2;
  /**
   * Keep the page cache across opens: only this mount changes the file, and AUTO_INVAL_DATA drops
   * it anyway when a fresh getattr shows another mtime or size. No FLUSH at close: writes are not
   * buffered here and locks are the kernel's, so a FLUSH would be a round trip that does nothing.
   */
  private static final int FILE_OPEN_FLAGS = Fuse.FOPEN_KEEP_CACHE | Fuse.FOPEN_NOFLUSH;

  /** An open file or directory: a 9P fid opened with Tlopen/Tlcreate. */
  static final class Handle {
    final int fid;
    final boolean dir;
    final Nodes.Node node;
    // readdir continuation (guarded by this): entries fetched but not yet returned, and the
    // directory offset the first of them starts at.
    List<Dirent> rest = List.of();
    long restOffset = -1;
    // sequential read-ahead (guarded by this): file bytes [raStart, raStart + raLen) as of the
    // node's data version raVersion, and where the next sequential READ would start.
    ByteBuffer ra;
    long raStart;
    int raLen;
    long raVersion = -1;
    long nextRead = -1;
    // the next piece, [preStart, preStart + capacity) as of preVersion, on its way into pre
    ByteBuffer pre;
    CompletableFuture<Message> preFill;
    Message.Tread preRequest;
    long preStart;
    long preVersion;

    Handle(int fid, boolean dir, Nodes.Node node) {
      this.fid = fid;
      this.dir = dir;
      this.node = node;
    }
  }

  /**
   * Read-ahead buffers: the kernel reads a cold file in readahead-window pieces (128 KiB by
   * default), each a 9P round trip. For a handle read sequentially the bridge fetches max_write
   * bytes at once and serves the following READs from memory. At most this many buffers exist.
   */
  private static final int READ_AHEAD_BUFFERS = 16;
  private final java.util.concurrent.ArrayBlockingQueue<ByteBuffer> raPool =
      new java.util.concurrent.ArrayBlockingQueue<>(READ_AHEAD_BUFFERS);
  private final java.util.concurrent.atomic.AtomicInteger raAllocated = new java.util.concurrent.atomic.AtomicInteger();

  private final FuseBridge bridge;
  private final NinePClient client;
  private final Nodes nodes;
  private final ConcurrentHashMap<Long, Handle> handles = new ConcurrentHashMap<>();
  private final AtomicLong nextHandle = new AtomicLong(1);
  private final AtomicInteger nextFid;
  private final long entrySec, attrSec, negativeSec;
  /**
   * How long a miss is cached while the gofer reports changes: a create on the host invalidates
   * it at once; this bounds only the race of a create landing while the lookup is in flight.
   */
  static final long FOLLOWED_NEGATIVE_SEC = 10;
  private final int entryNsec, attrNsec, negativeNsec;
  /** Requests served, by opcode (diagnostics; see {@link FuseBridge#requestCounts()}). */
  final java.util.concurrent.atomic.AtomicLongArray counts = new java.util.concurrent.atomic.AtomicLongArray(64);

  FuseOps(FuseBridge bridge) {
    this.bridge = bridge;
    this.client = bridge.client;
    this.nodes = bridge.nodes;
    this.nextFid = new AtomicInteger(bridge.rootFid + 1);
    this.entrySec = bridge.options.entryTimeout().getSeconds();
    this.entryNsec = bridge.options.entryTimeout().getNano();
    this.attrSec = bridge.options.attrTimeout().getSeconds();
    this.attrNsec = bridge.options.attrTimeout().getNano();
    this.negativeSec = bridge.options.negativeTimeout().getSeconds();
    this.negativeNsec = bridge.options.negativeTimeout().getNano();
  }

  /** Open handles; for tests that check every fid is given back. */
  int openHandles() {
    return handles.size();
  }

  private int newFid() {
    int f = nextFid.getAndIncrement();
    if (f < 0 || f == P9.NOFID) {
      throw new IllegalStateException("9P fid space exhausted");
    }
    return f;
  }

  /** One decoded request header plus its argument bytes (in.position() = start of the args). */
  private record Req(int opcode, long unique, long nodeid, int uid, int gid, int pid, ByteBuffer in) {}

  /** Serves one request; returns false after DESTROY. */
  boolean serve(ByteBuffer in, ByteBuffer out) {
    if (in.remaining() < Fuse.IN_HEADER) {
      LOG.warn("short FUSE request of {} bytes", in.remaining());
      return true;
    }
    int len = in.getInt(0);
    Req r = new Req(in.getInt(4), in.getLong(8), in.getLong(16), in.getInt(24), in.getInt(28), in.getInt(32),
        in.limit(Math.min(len, in.limit())).position(Fuse.IN_HEADER));
    try {
      return dispatch(r, out);
    } catch (P9Error e) {
      error(r, out, e.errno());
    } catch (IOException e) {
      LOG.debug("{} failed: {}", Fuse.opName(r.opcode), e.toString());
      error(r, out, EIO);
    } catch (P9ProtocolException | RuntimeException e) {
      LOG.warn("{} on node {} failed", Fuse.opName(r.opcode), r.nodeid, e);
      error(r, out, EIO);
    }
    return true;
  }

  private boolean dispatch(Req r, ByteBuffer out) throws IOException, P9ProtocolException {
    if (r.opcode >= 0 && r.opcode < 64) {
      counts.incrementAndGet(r.opcode);
    }
    switch (r.opcode) {
      case Fuse.INIT -> init(r, out);
      case Fuse.DESTROY -> {
        ok(r, out);
        return false;
      }
      case Fuse.FORGET -> forget(r.nodeid, r.in.getLong(r.in.position()));
      case Fuse.BATCH_FORGET -> batchForget(r);
      case Fuse.INTERRUPT -> {
        // No reply. Every 9P request this bridge makes completes on its own (no blocking locks),
        // so the interrupted request simply finishes; the kernel drops a late reply.
      }
      case Fuse.LOOKUP -> lookup(r, out);
      case Fuse.GETATTR -> getattr(r, out);
      case Fuse.SETATTR -> setattr(r, out);
      case Fuse.READLINK -> readlink(r, out);
      case Fuse.SYMLINK -> symlink(r, out);
      case Fuse.MKNOD -> mknod(r, out);
      case Fuse.MKDIR -> mkdir(r, out);
      case Fuse.UNLINK -> unlink(r, out, false);
      case Fuse.RMDIR -> unlink(r, out, true);
      case Fuse.RENAME -> rename(r, out, r.in.getLong(r.in.position()), 0, 8);
      case Fuse.RENAME2 -> rename(r, out, r.in.getLong(r.in.position()), r.in.getInt(r.in.position() + 8), 16);
      case Fuse.LINK -> link(r, out);
      case Fuse.OPEN -> open(r, out, false);
      case Fuse.OPENDIR -> open(r, out, true);
      case Fuse.READ -> read(r, out);
      case Fuse.WRITE -> write(r, out);
      case Fuse.RELEASE, Fuse.RELEASEDIR -> release(r, out);
      case Fuse.FLUSH -> ok(r, out); // writes are not buffered here; locks are the kernel's
      case Fuse.FSYNC, Fuse.FSYNCDIR -> fsync(r, out);
      case Fuse.CREATE -> create(r, out);
      case Fuse.STATFS -> statfs(r, out);
      case Fuse.READDIR -> readdir(r, out, false);
      case Fuse.READDIRPLUS -> readdir(r, out, true);
      case Fuse.GETXATTR -> getxattr(r, out, false);
      case Fuse.LISTXATTR -> getxattr(r, out, true);
      case Fuse.SETXATTR -> setxattr(r, out);
      case Fuse.REMOVEXATTR -> removexattr(r, out);
      // ACCESS: with default_permissions the kernel checks permissions itself; ENOSYS makes it
      // stop asking. Locks, lseek, fallocate, ioctl, copy_file_range, statx, tmpfile, syncfs:
      // ENOSYS, and the kernel falls back (local locks, generic lseek, ...) or fails the call.
      default -> error(r, out, ENOSYS);
    }
    return true;
  }

  // ---- replies -----------------------------------------------------------------------------------

  private static ByteBuffer begin(ByteBuffer out) {
    return out.clear().position(Fuse.OUT_HEADER);
  }

  private boolean send(Req r, ByteBuffer out) {
    int len = out.position();
    out.putInt(0, len).putInt(4, 0).putLong(8, r.unique);
    return bridge.write(out, len);
  }

  private void ok(Req r, ByteBuffer out) {
    begin(out);
    send(r, out);
  }

  private void error(Req r, ByteBuffer out, int errno) {
    if (r.opcode == Fuse.FORGET || r.opcode == Fuse.BATCH_FORGET || r.opcode == Fuse.INTERRUPT) {
      return; // never answered
    }
    out.clear();
    out.putInt(0, Fuse.OUT_HEADER).putInt(4, -errno).putLong(8, r.unique);
    bridge.write(out, Fuse.OUT_HEADER);
  }

  private static void putAttr(ByteBuffer o, Rgetattr a) {
    o.putLong(a.qid().path()).putLong(a.size()).putLong(a.blocks());
    o.putLong(a.atimeSec()).putLong(a.mtimeSec()).putLong(a.ctimeSec());
    o.putInt((int) a.atimeNsec()).putInt((int) a.mtimeNsec()).putInt((int) a.ctimeNsec());
    o.putInt(a.mode()).putInt((int) Math.min(a.nlink(), 0xffffffffL)).putInt(a.uid()).putInt(a.gid());
    o.putInt(encodeDev(a.rdev())).putInt((int) a.blksize()).putInt(0);
  }

  private void putEntry(ByteBuffer o, long nodeid, Rgetattr a) {
    o.putLong(nodeid).putLong(0).putLong(entrySec).putLong(attrSec).putInt(entryNsec).putInt(attrNsec);
    if (a == null) {
      for (int i = 0; i < Fuse.ATTR; i += 8) {
        o.putLong(0);
      }
    } else {
      putAttr(o, a);
    }
  }

  private void replyAttr(Req r, ByteBuffer out, Rgetattr a) {
    begin(out).putLong(attrSec).putInt(attrNsec).putInt(0);
    putAttr(out, a);
    send(r, out);
  }

  /** Replies an entry that counted one lookup; undoes the count if the kernel did not take it. */
  private void replyEntry(Req r, ByteBuffer out, Nodes.Node n, Rgetattr a) {
    putEntry(begin(out), n.id, a);
    if (!send(r, out)) {
      forget(n.id, 1);
    }
  }

  /** glibc's 64-bit dev_t (as 9P carries it) → the kernel's 32-bit new_encode_dev (fuse_attr.rdev). */
  static int encodeDev(long dev) {
    long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
    long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
    return (int) ((minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xffL) << 12));
  }

  // ---- request decoding --------------------------------------------------------------------------

  /** The NUL-terminated name at in.position() (advancing past the NUL). */
  private static String name(ByteBuffer in) throws P9Error {
    int start = in.position();
    int end = start;
    while (end < in.limit() && in.get(end) != 0) {
      end++;
    }
    if (end >= in.limit()) {
      throw new P9Error(EINVAL, "unterminated name in FUSE request");
    }
    byte[] b = new byte[end - start];
    in.get(start, b);
    in.position(end + 1);
    return new String(b, StandardCharsets.UTF_8);
  }

  private Nodes.Node node(long id) throws P9Error {
    Nodes.Node n = nodes.get(id);
    if (n == null) {
      throw new P9Error(ESTALE, "unknown FUSE node " + id);
    }
    return n;
  }

  private Handle handle(long fh) throws P9Error {
    Handle h = handles.get(fh);
    if (h == null) {
      throw new P9Error(9, "unknown FUSE file handle " + fh);
    }
    return h;
  }

  // ---- 9P helpers ----------------------------------------------------------------------------------

  private Rgetattr getattr9(int fid) throws IOException {
    return client.call(new Message.Tgetattr(fid, P9.GETATTR_BASIC), Rgetattr.class);
  }

  /** Walks {@code dirFid/name} to a new fid (no fid is left behind on failure). */
  private int walk(int dirFid, String name) throws IOException {
    int nf = newFid();
    Rwalk w = client.call(new Message.Twalk(dirFid, nf, List.of(name)), Rwalk.class);
    if (w.qids().size() != 1) {
      throw new P9Error(ENOENT, "walk " + name);
    }
    return nf;
  }

  /**
   * Sends {@code requests} back to back in one write without waiting for replies and returns the
   * pending replies in order. The gofer answers walks, stats, creates and opens of regular files in
   * arrival order (FileServer#answerInline, docs/gofer.md), so a request may use the fid an earlier
   * one of the batch makes: one round trip instead of one per request. When an earlier request
   * fails, a later one that depends on it fails too (EBADF for a fid that was never made), and the
   * caller ignores that reply.
   */
  private List<CompletableFuture<Message>> pipeline(Message... requests) throws IOException {
    return client.sendAll(List.of(requests));
  }

  private static <R extends Message> R await(CompletableFuture<Message> reply, Message request, Class<R> type)
      throws IOException {
    Message m = NinePClient.await(reply, request);
    if (!type.isInstance(m)) {
      throw new IOException("expected " + type.getSimpleName() + " for " + request + ", got " + m);
    }
    return type.cast(m);
  }

  /** Walks and stats {@code parent/name} and registers the result (one lookup counted). */
  private Nodes.Node lookup(Nodes.Node parent, String name, Rgetattr[] attr) throws IOException {
    return walkStat(parent, name, -1, attr, List.of());
  }

  /**
   * Walks {@code parent/name} to a new fid and stats it, pipelined after {@code first} (whose
   * failure is thrown, and then nothing is left behind), and registers the result as one lookup.
   * {@code statFid} (-1: the new fid) names the file to stat: for a file just created through an
   * open fid, that fid, and then the walk must have reached the same file.
   */
  private Nodes.Node walkStat(Nodes.Node parent, String name, int statFid, Rgetattr[] attr, List<Message> first)
      throws IOException {
    int nf = newFid();
    Message.Twalk tw = new Message.Twalk(nodes.anyFid(parent), nf, List.of(name));
    Message.Tgetattr tg = new Message.Tgetattr(statFid < 0 ? nf : statFid, P9.GETATTR_BASIC);
    List<Message> all = new ArrayList<>(first);
    all.add(tw);
    all.add(tg);
    addXattrProbe(all, nf);
    List<CompletableFuture<Message>> replies = pipeline(all.toArray(Message[]::new));
    int k = first.size();
    Rwalk w;
    try {
      for (int i = 0; i < k; i++) {
        NinePClient.await(replies.get(i), first.get(i));
      }
    } catch (IOException e) {
      replies.get(k).thenAccept(m -> {
        if (m instanceof Rwalk rw && rw.qids().size() == 1) {
          bridge.clunkLater(nf); // the name existed already (or someone else made it)
        }
      });
      throw e;
    }
    w = await(replies.get(k), tw, Rwalk.class);
    if (w.qids().size() != 1) {
      throw new P9Error(ENOENT, "walk " + name);
    }
    Rgetattr a;
    try {
      a = await(replies.get(k + 1), tg, Rgetattr.class);
      if (a.qid().path() != w.qids().get(0).path()) {
        // The name was replaced between create and walk (only possible from the host side).
        throw new P9Error(ESTALE, "created file " + name + " was replaced");
      }
    } catch (IOException e) {
      bridge.clunkLater(nf);
      throw e;
    }
    attr[0] = a;
    Nodes.Node n = register(parent, name, nf, a);
    n.noXattrs = noXattrs(replies.get(k + 2));
    return n;
  }

  /** Appends a listing of {@code fid}'s xattrs (its size is all that is wanted) and the clunk of its fid. */
  private void addXattrProbe(List<Message> batch, int fid) {
    int xf = newFid();
    batch.add(new Message.Txattrwalk(fid, xf, ""));
    batch.add(new Message.Tclunk(xf));
  }

  /** Whether an xattr probe's reply says there are none (anything else, failures too: unknown). */
  private static boolean noXattrs(CompletableFuture<Message> probe) {
    try {
      return probe.join() instanceof Message.Rxattrwalk x && x.size() == 0; // came with the getattr
    } catch (java.util.concurrent.CompletionException e) {
      return false;
    }
  }

  private Nodes.Node register(Nodes.Node parent, String name, int fid, Rgetattr a) {
    boolean[] redundant = new boolean[1];
    Nodes.Node n = nodes.register(parent.id, name, fid, a.qid().path(), (a.mode() & S_IFMT) == S_IFDIR, redundant);
    if (redundant[0]) {
      bridge.clunkLater(fid);
    }
    bridge.nodeAdded();
    return n;
  }

  private void forget(long nodeid, long count) {
    for (int fid : nodes.forget(nodeid, count)) {
      bridge.clunkLater(fid);
    }
  }

  // ---- INIT, FORGET ----------------------------------------------------------------------------------

  private void init(Req r, ByteBuffer out) throws P9Error {
    ByteBuffer in = r.in;
    int p = in.position();
    int major = in.getInt(p), minor = in.getInt(p + 4), maxReadahead = in.getInt(p + 8), kflags = in.getInt(p + 12);
    if (major < Fuse.KERNEL_VERSION) {
      throw new P9Error(EPROTO, "kernel FUSE major " + major);
    }
    begin(out);
    if (major > Fuse.KERNEL_VERSION) {
      // Answer with our major only; the kernel sends a new INIT for 7.x.
      out.putInt(Fuse.KERNEL_VERSION).putInt(Fuse.KERNEL_MINOR_VERSION);
      out.position(Fuse.OUT_HEADER + Fuse.INIT_OUT);
      send(r, out);
      return;
    }
    // Flags are chosen in docs/fuse.md. Not offered: POSIX_LOCKS/FLOCK_LOCKS (the kernel keeps
    // locks locally, correct for everything using this mount), EXPORT_SUPPORT, WRITEBACK_CACHE
    // (writes go through at once, so the gofer's view is always current), POSIX_ACL, SPLICE_*.
    int want = Fuse.ASYNC_READ | Fuse.ATOMIC_O_TRUNC | Fuse.BIG_WRITES | Fuse.AUTO_INVAL_DATA
        | Fuse.DO_READDIRPLUS | Fuse.READDIRPLUS_AUTO | Fuse.ASYNC_DIO | Fuse.PARALLEL_DIROPS
        | Fuse.MAX_PAGES | Fuse.CACHE_SYMLINKS;
    int flags = want & kflags;
    out.putInt(Fuse.KERNEL_VERSION).putInt(Math.min(minor, Fuse.KERNEL_MINOR_VERSION));
    out.putInt(Math.min(maxReadahead, bridge.maxWrite)).putInt(flags);
    out.putShort((short) 64).putShort((short) 48); // max_background, congestion_threshold
    out.putInt(bridge.maxWrite).putInt(1); // max_write, time_gran (ns)
    out.putShort((short) bridge.maxPages).putShort((short) 0); // max_pages, map_alignment
    out.putInt(0); // flags2
    while (out.position() < Fuse.OUT_HEADER + Fuse.INIT_OUT) {
      out.putInt(0); // max_stack_depth, request_timeout, unused
    }
    LOG.debug("FUSE {}.{} flags {} max_write {}", major, minor, Integer.toHexString(flags), bridge.maxWrite);
    send(r, out);
  }

  private void batchForget(Req r) {
    ByteBuffer in = r.in;
    int p = in.position();
    int count = in.getInt(p);
    p += 8;
    for (int i = 0; i < count && p + 16 <= in.limit(); i++, p += 16) {
      forget(in.getLong(p), in.getLong(p + 8));
    }
  }

  // ---- names -------------------------------------------------------------------------------------------

  private void lookup(Req r, ByteBuffer out) throws IOException {
    Nodes.Node parent = node(r.nodeid);
    String name = name(r.in);
    Rgetattr[] a = new Rgetattr[1];
    Nodes.Node n;
    try {
      n = lookup(parent, name, a);
    } catch (P9Error e) {
      if (e.errno() == ENOENT && (negativeSec > 0 || negativeNsec > 0)) {
        // A negative entry the kernel may cache: briefly, unless the gofer reports changes, since
        // the host may create the name behind the container's back (docker cp). An error reply
        // instead leaves a negative dentry that is looked up again every time.
        boolean told = bridge.changes != null && bridge.changes.following();
        begin(out).putLong(0).putLong(0).putLong(told ? Math.min(FOLLOWED_NEGATIVE_SEC, entrySec) : negativeSec).putLong(0)
            .putInt(told ? 0 : negativeNsec).putInt(0);
        for (int i = 0; i < Fuse.ATTR; i += 8) {
          out.putLong(0);
        }
        send(r, out);
        return;
      }
      throw e;
    }
    replyEntry(r, out, n, a[0]);
  }

  /** Makes {@code parent/name} with {@code create}, looks it up, gives it the caller's ownership, replies. */
  private void created(Req r, ByteBuffer out, Nodes.Node parent, String name, Message create) throws IOException {
    Rgetattr[] a = new Rgetattr[1];
    Nodes.Node n = walkStat(parent, name, -1, a, List.of(create));
    try {
      a[0] = fixOwner(r, parent, nodes.anyFid(n), a[0]);
    } catch (IOException e) {
      forget(n.id, 1);
      throw e;
    }
    replyEntry(r, out, n, a[0]);
  }

  /**
   * The gofer creates files with its own credentials and ignores the requested gid. Give a new file
   * the requesting process's uid and gid (or the parent's gid under a set-group-ID directory), as a
   * native filesystem would.
   */
  private Rgetattr fixOwner(Req r, Nodes.Node parent, int fid, Rgetattr a) throws IOException {
    if (a.uid() == r.uid && a.gid() == r.gid) {
      return a;
    }
    int gid = r.gid;
    Rgetattr pa = getattr9(nodes.anyFid(parent));
    if ((pa.mode() & S_ISGID) != 0) {
      gid = pa.gid();
    }
    if (a.uid() == r.uid && a.gid() == gid) {
      return a;
    }
    client.call(new Message.Tsetattr(fid, P9.SETATTR_UID | P9.SETATTR_GID, 0, r.uid, gid, 0, 0, 0, 0, 0),
        Message.Rsetattr.class);
    return getattr9(fid);
  }

  private void mkdir(Req r, ByteBuffer out) throws IOException {
    int mode = r.in.getInt(r.in.position());
    r.in.position(r.in.position() + 8);
    Nodes.Node parent = node(r.nodeid);
    String name = name(r.in);
    created(r, out, parent, name, new Message.Tmkdir(nodes.anyFid(parent), name, mode & 07777, r.gid));
  }

  private void mknod(Req r, ByteBuffer out) throws IOException {
    int p = r.in.position();
    int mode = r.in.getInt(p), rdev = r.in.getInt(p + 4);
    r.in.position(p + 16);
    Nodes.Node parent = node(r.nodeid);
    String name = name(r.in);
    // fuse_mknod_in.rdev is the kernel's new_encode_dev()
    int major = (rdev & 0xfff00) >>> 8, minor = (rdev & 0xff) | ((rdev >>> 12) & 0xfff00);
    created(r, out, parent, name, new Message.Tmknod(nodes.anyFid(parent), name, mode, major, minor, r.gid));
  }

  private void symlink(Req r, ByteBuffer out) throws IOException {
    Nodes.Node parent = node(r.nodeid);
    String name = name(r.in);
    String target = name(r.in);
    created(r, out, parent, name, new Message.Tsymlink(nodes.anyFid(parent), name, target, r.gid));
  }

  private void link(Req r, ByteBuffer out) throws IOException {
    Nodes.Node old = node(r.in.getLong(r.in.position()));
    r.in.position(r.in.position() + 8);
    Nodes.Node parent = node(r.nodeid);
    String name = name(r.in);
    // Tlink links the file by the name its fid was walked by, so it needs a live one.
    withLiveAlias(old, a -> {
      client.call(new Message.Tlink(nodes.anyFid(parent), a.fid, name), Message.Rlink.class);
      return null;
    });
    Rgetattr[] a = new Rgetattr[1];
    Nodes.Node n = lookup(parent, name, a);
    replyEntry(r, out, n, a[0]);
  }

  private void unlink(Req r, ByteBuffer out, boolean dir) throws IOException {
    Nodes.Node parent = node(r.nodeid);
    String name = name(r.in);
    client.call(new Message.Tunlinkat(nodes.anyFid(parent), name, dir ? AT_REMOVEDIR : 0), Message.Runlinkat.class);
    nodes.unlinked(parent.id, name);
    ok(r, out);
  }

  private void rename(Req r, ByteBuffer out, long newDirId, int flags, int argSize) throws IOException {
    r.in.position(r.in.position() + argSize);
    Nodes.Node parent = node(r.nodeid);
    Nodes.Node newParent = node(newDirId);
    String name = name(r.in);
    String newName = name(r.in);
    if ((flags & ~Fuse.RENAME_NOREPLACE) != 0) {
      // 9P2000.L has no exchange or whiteout; the kernel reports EINVAL to the caller.
      throw new P9Error(EINVAL, "rename flags " + flags);
    }
    if ((flags & Fuse.RENAME_NOREPLACE) != 0) {
      // Best effort: 9P has no renameat2. The kernel holds both directories' locks, so only a
      // change made on the host behind the container's back could slip in between.
      try {
        bridge.clunkLater(walk(nodes.anyFid(newParent), newName));
        throw new P9Error(EEXIST, "rename target exists");
      } catch (P9Error e) {
        if (e.errno() != ENOENT) {
          throw e;
        }
      }
    }
    Nodes.Alias moved = nodes.alias(parent.id, name);
    if (moved != null) {
      // Trename also moves the gofer's record of the fid's name, so the fid stays usable.
      client.call(new Message.Trename(moved.fid, nodes.anyFid(newParent), newName), Message.Rrename.class);
    } else {
      client.call(new Message.Trenameat(nodes.anyFid(parent), name, nodes.anyFid(newParent), newName),
          Message.Rrenameat.class);
    }
    nodes.renamed(parent.id, name, newParent.id, newName, moved);
    ok(r, out);
  }

  private void readlink(Req r, ByteBuffer out) throws IOException {
    Nodes.Node n = node(r.nodeid);
    String target = client.call(new Message.Treadlink(nodes.anyFid(n)), Message.Rreadlink.class).target();
    begin(out).put(target.getBytes(StandardCharsets.UTF_8));
    send(r, out);
  }

  // ---- attributes ------------------------------------------------------------------------------------

  private void getattr(Req r, ByteBuffer out) throws IOException {
    Nodes.Node n = node(r.nodeid);
    replyAttr(r, out, getattr9(nodes.anyFid(n)));
  }

  private void setattr(Req r, ByteBuffer out) throws IOException {
    ByteBuffer in = r.in;
    int p = in.position();
    int valid = in.getInt(p);
    long fh = in.getLong(p + 8), size = in.getLong(p + 16), atime = in.getLong(p + 32), mtime = in.getLong(p + 40);
    int atimensec = in.getInt(p + 56), mtimensec = in.getInt(p + 60), mode = in.getInt(p + 68);
    int uid = in.getInt(p + 76), gid = in.getInt(p + 80);
    Nodes.Node n = node(r.nodeid);
    int v = 0;
    if ((valid & Fuse.FATTR_MODE) != 0) v |= P9.SETATTR_MODE;
    if ((valid & Fuse.FATTR_UID) != 0) v |= P9.SETATTR_UID;
    if ((valid & Fuse.FATTR_GID) != 0) v |= P9.SETATTR_GID;
    if ((valid & Fuse.FATTR_SIZE) != 0) v |= P9.SETATTR_SIZE;
    if ((valid & Fuse.FATTR_ATIME) != 0) {
      v |= P9.SETATTR_ATIME | ((valid & Fuse.FATTR_ATIME_NOW) != 0 ? 0 : P9.SETATTR_ATIME_SET);
    }
    if ((valid & Fuse.FATTR_MTIME) != 0) {
      v |= P9.SETATTR_MTIME | ((valid & Fuse.FATTR_MTIME_NOW) != 0 ? 0 : P9.SETATTR_MTIME_SET);
    }
    if ((valid & Fuse.FATTR_CTIME) != 0) v |= P9.SETATTR_CTIME;
    Message.Tsetattr t = new Message.Tsetattr(0, v, mode, uid, gid, size, atime, atimensec, mtime, mtimensec);
    int statFid = nodes.anyFid(n);
    Handle h = (valid & Fuse.FATTR_FH) != 0 ? handles.get(fh) : null;
    Rgetattr attrs;
    if (v == 0) {
      attrs = getattr9(statFid);
    } else if (h != null && !h.dir) {
      // An open fid truncates through its own fd: no reopen by name.
      attrs = setattrStat(h.fid, t, statFid);
    } else if ((v & P9.SETATTR_SIZE) != 0) {
      attrs = withLiveAlias(n, a -> setattrStat(a.fid, t, statFid));
    } else {
      attrs = setattrStat(statFid, t, statFid);
    }
    if ((v & P9.SETATTR_SIZE) != 0) {
      n.dataVersion.incrementAndGet();
    }
    replyAttr(r, out, attrs);
  }

  /** Tsetattr {@code t} on {@code fid}, then the attributes of {@code statFid}: one round trip. */
  private Rgetattr setattrStat(int fid, Message.Tsetattr t, int statFid) throws IOException {
    Message.Tsetattr set = new Message.Tsetattr(fid, t.valid(), t.mode(), t.uid(), t.gid(), t.size(), t.atimeSec(),
        t.atimeNsec(), t.mtimeSec(), t.mtimeNsec());
    Message.Tgetattr stat = new Message.Tgetattr(statFid, P9.GETATTR_BASIC);
    List<CompletableFuture<Message>> replies = pipeline(set, stat);
    await(replies.get(0), set, Message.Rsetattr.class);
    return await(replies.get(1), stat, Rgetattr.class);
  }

  private void statfs(Req r, ByteBuffer out) throws IOException {
    Message.Rstatfs s = client.call(new Message.Tstatfs(bridge.rootFid), Message.Rstatfs.class);
    begin(out).putLong(s.blocks()).putLong(s.bfree()).putLong(s.bavail()).putLong(s.files()).putLong(s.ffree());
    out.putInt(s.bsize()).putInt(s.namelen()).putInt(s.bsize()).putInt(0);
    for (int i = 0; i < 6; i++) {
      out.putInt(0);
    }
    send(r, out);
  }

  // ---- open files ----------------------------------------------------------------------------------

  private interface AliasOp<T> {
    T apply(Nodes.Alias a) throws IOException;
  }

  /**
   * Runs {@code op} with the node's live aliases in turn until one works: an alias whose name was
   * replaced or removed behind our back (ENOENT/ESTALE from the gofer's reopen) is marked dead.
   */
  private <T> T withLiveAlias(Nodes.Node n, AliasOp<T> op) throws IOException {
    for (Nodes.Alias a : nodes.liveAliases(n)) {
      try {
        return op.apply(a);
      } catch (P9Error e) {
        if (e.errno() != ENOENT && e.errno() != ESTALE) {
          throw e;
        }
        nodes.markDead(a);
      }
    }
    throw new P9Error(ESTALE, "no name of node " + n.id + " is left to open it by");
  }

  /** open(2) flags the gofer should see: access mode, O_TRUNC (ATOMIC_O_TRUNC) and sync flags. */
  private static int openFlags(int flags) {
    // O_APPEND is left out on purpose: the kernel turns appends into writes at its i_size.
    return flags & (O_ACCMODE | O_TRUNC | O_SYNC | O_DSYNC);
  }

  private void open(Req r, ByteBuffer out, boolean dir) throws IOException {
    int flags = r.in.getInt(r.in.position());
    Nodes.Node n = node(r.nodeid);
    int oflags = dir ? 0 : openFlags(flags);
    AliasOp<Integer> op = a -> openFid(a.fid, oflags);
    int fid = n.dir ? op.apply(nodeAlias(n)) : withLiveAlias(n, op);
    if ((oflags & O_TRUNC) != 0) {
      n.dataVersion.incrementAndGet();
    }
    long fh = nextHandle.getAndIncrement();
    handles.put(fh, new Handle(fid, dir, n));
    int openFlags = dir ? Fuse.FOPEN_KEEP_CACHE | Fuse.FOPEN_CACHE_DIR : FILE_OPEN_FLAGS;
    begin(out).putLong(fh).putInt(openFlags).putInt(0);
    if (!send(r, out)) {
      handles.remove(fh);
      bridge.clunkLater(fid);
    }
  }

  /** A new fid, cloned from {@code fid} and opened with {@code oflags}: one round trip. */
  private int openFid(int fid, int oflags) throws IOException {
    int nf = newFid();
    Message.Twalk clone = new Message.Twalk(fid, nf, List.of());
    Message.Tlopen open = new Message.Tlopen(nf, oflags);
    List<CompletableFuture<Message>> replies = pipeline(clone, open);
    await(replies.get(0), clone, Rwalk.class);
    try {
      await(replies.get(1), open, Message.Rlopen.class);
    } catch (IOException e) {
      bridge.clunkLater(nf);
      throw e;
    }
    return nf;
  }

  /** Any alias, for directories (the gofer reopens them through "." on the pinned fd). */
  private Nodes.Alias nodeAlias(Nodes.Node n) {
    int fid = nodes.anyFid(n);
    return new Nodes.Alias(fid, n, 0, "");
  }

  private void create(Req r, ByteBuffer out) throws IOException {
    ByteBuffer in = r.in;
    int p = in.position();
    int flags = in.getInt(p), mode = in.getInt(p + 4);
    in.position(p + 16);
    Nodes.Node parent = node(r.nodeid);
    String name = name(in);
    int nf = newFid();
    Message.Twalk clone = new Message.Twalk(nodes.anyFid(parent), nf, List.of());
    Message.Tlcreate lcreate = new Message.Tlcreate(nf, name, openFlags(flags), mode & 07777, r.gid);
    Rgetattr[] a = new Rgetattr[1];
    Nodes.Node n;
    try {
      n = walkStat(parent, name, nf, a, List.of(clone, lcreate));
    } catch (P9Error e) {
      bridge.clunkLater(nf);
      if (e.errno() == EEXIST && (flags & O_EXCL) == 0) {
        // Created meanwhile (on the host): open the existing file like open(2) would.
        Nodes.Node existing = lookup(parent, name, a);
        createReply(r, out, existing, a[0], withLiveAlias(existing, al -> openFid(al.fid, openFlags(flags))));
        return;
      }
      throw e;
    } catch (IOException e) {
      bridge.clunkLater(nf);
      throw e;
    }
    try {
      a[0] = fixOwner(r, parent, nodes.anyFid(n), a[0]);
    } catch (IOException e) {
      forget(n.id, 1);
      bridge.clunkLater(nf);
      throw e;
    }
    n.noCapability = true; // a file this call created has no file capabilities
    createReply(r, out, n, a[0], nf);
  }

  private void createReply(Req r, ByteBuffer out, Nodes.Node n, Rgetattr a, int fid) {
    long fh = nextHandle.getAndIncrement();
    handles.put(fh, new Handle(fid, false, n));
    putEntry(begin(out), n.id, a);
    out.putLong(fh).putInt(FILE_OPEN_FLAGS).putInt(0);
    if (!send(r, out)) {
      handles.remove(fh);
      bridge.clunkLater(fid);
      forget(n.id, 1);
    }
  }

  private void read(Req r, ByteBuffer out) throws IOException {
    ByteBuffer in = r.in;
    int p = in.position();
    Handle h = handle(in.getLong(p));
    long offset = in.getLong(p + 8);
    int size = Math.min(Math.min(in.getInt(p + 16), out.capacity() - Fuse.OUT_HEADER), bridge.maxWrite);
    begin(out);
    synchronized (h) {
      long version = h.node.dataVersion.get();
      if (h.pre != null && (h.preVersion != version || offset == h.preStart && !buffered(h, version, offset, size))) {
        takePrefetch(h, version);
      }
      if (buffered(h, version, offset, size)) {
        // Served from the read-ahead buffer; a short buffer means the file ended there.
        int from = (int) (offset - h.raStart);
        int n = Math.min(size, h.raLen - from);
        out.put(h.ra.duplicate().position(from).limit(from + n));
        h.nextRead = offset + n;
        send(r, out);
        prefetch(h, version, offset + n);
        return;
      }
      boolean sequential = offset == h.nextRead && size < bridge.maxWrite;
      h.nextRead = offset + size;
      if (sequential && (h.ra != null || (h.ra = takeReadAhead()) != null)) {
        h.raVersion = version;
        h.raStart = offset;
        h.raLen = client.read(new Message.Tread(h.fid, offset, h.ra.capacity()), h.ra.duplicate().clear());
        int n = Math.min(size, h.raLen);
        out.put(h.ra.duplicate().position(0).limit(n));
        send(r, out);
        prefetch(h, version, offset + n);
        return;
      }
    }
    // The payload goes from the 9P socket straight into the reply buffer: one copy in user space.
    int n = client.read(new Message.Tread(h.fid, offset, size), out.duplicate());
    out.position(Fuse.OUT_HEADER + n);
    send(r, out);
  }

  /** Whether the handle's read-ahead buffer (as of {@code version}) answers a READ. */
  private static boolean buffered(Handle h, long version, long offset, int size) {
    return h.ra != null && h.raVersion == version && offset >= h.raStart && offset < h.raStart + h.raLen
        && (offset + size <= h.raStart + h.raLen || h.raLen < h.ra.capacity());
  }

  /**
   * Once a sequential reader has consumed half of the read-ahead buffer, fetches the piece after
   * it in the background, so that the gofer's pread and the socket transfer of the next piece
   * overlap with the kernel taking this one (caller holds the handle's lock).
   */
  private void prefetch(Handle h, long version, long consumedTo) throws IOException {
    if (h.pre != null || h.raLen < h.ra.capacity() || consumedTo < h.raStart + h.raLen / 2) {
      return; // one in flight already, or the file ends in this buffer, or too early
    }
    ByteBuffer b = takeReadAhead();
    if (b == null) {
      return;
    }
    h.pre = b;
    h.preStart = h.raStart + h.raLen;
    h.preVersion = version;
    h.preRequest = new Message.Tread(h.fid, h.preStart, b.capacity());
    try {
      h.preFill = client.readAsync(h.preRequest, b.duplicate().clear());
    } catch (IOException | RuntimeException e) {
      h.pre = null;
      raPool.offer(b);
      throw e;
    }
  }

  /**
   * Makes the prefetched piece the read-ahead buffer if it is still current and arrived whole,
   * else drops it (caller holds the handle's lock).
   */
  private void takePrefetch(Handle h, long version) {
    ByteBuffer b = h.pre;
    CompletableFuture<Message> fill = h.preFill;
    h.pre = null;
    h.preFill = null;
    if (h.preVersion == version) {
      try {
        int n = NinePClient.count(NinePClient.await(fill, h.preRequest), h.preRequest);
        if (h.ra != null) {
          raPool.offer(h.ra);
        }
        h.ra = b;
        h.raStart = h.preStart;
        h.raLen = n;
        h.raVersion = version;
        return;
      } catch (IOException e) {
        // the READ that wanted it fetches it again, and reports a real failure
      }
    }
    fill.whenComplete((m, e) -> raPool.offer(b)); // the client fills b until then
  }

  private ByteBuffer takeReadAhead() {
    ByteBuffer b = raPool.poll();
    if (b == null && raAllocated.getAndUpdate(x -> x < READ_AHEAD_BUFFERS ? x + 1 : x) < READ_AHEAD_BUFFERS) {
      b = ByteBuffer.allocateDirect(bridge.maxWrite);
    }
    return b;
  }

  private void write(Req r, ByteBuffer out) throws IOException {
    ByteBuffer in = r.in;
    int p = in.position();
    Handle h = handle(in.getLong(p));
    long offset = in.getLong(p + 8);
    int size = in.getInt(p + 16);
    int start = p + Fuse.WRITE_IN;
    if (start + size > in.limit()) {
      throw new P9Error(EINVAL, "WRITE of " + size + " bytes with " + (in.limit() - start) + " present");
    }
    int done = 0;
    while (done < size) { // max_write fits one Twrite; the loop only covers a short write
      ByteBuffer data = in.duplicate().limit(start + size).position(start + done);
      int n = client.call(new Message.Twrite(h.fid, offset + done, data), Message.Rwrite.class).count();
      if (n <= 0) {
        break;
      }
      done += n;
    }
    h.node.dataVersion.incrementAndGet(); // before the reply: later READs must not see old bytes
    begin(out).putInt(done).putInt(0);
    send(r, out);
  }

  private void release(Req r, ByteBuffer out) {
    Handle h = handles.remove(r.in.getLong(r.in.position()));
    if (h != null) {
      bridge.clunkLater(h.fid);
      synchronized (h) {
        if (h.pre != null) {
          takePrefetch(h, -1); // dropped: -1 is no data version
        }
        if (h.ra != null) {
          raPool.offer(h.ra);
          h.ra = null;
        }
      }
    }
    ok(r, out);
  }

  private void fsync(Req r, ByteBuffer out) throws IOException {
    ByteBuffer in = r.in;
    Handle h = handle(in.getLong(in.position()));
    int datasync = in.getInt(in.position() + 8) & Fuse.FSYNC_FDATASYNC;
    client.call(new Message.Tfsync(h.fid, datasync), Message.Rfsync.class);
    ok(r, out);
  }

  // ---- directories -----------------------------------------------------------------------------------

  /** Entries starting at directory offset {@code offset}, from the handle's leftovers or the gofer. */
  private List<Dirent> entries(Handle h, long offset, int size) throws IOException, P9ProtocolException {
    if (offset == h.restOffset && !h.rest.isEmpty()) {
      return h.rest;
    }
    int count = Math.min(Math.max(size, 512), client.iounit());
    Message.Rreaddir rd = client.call(new Message.Treaddir(h.fid, offset, count), Message.Rreaddir.class);
    return Dirent.parse(rd.data());
  }

  private void readdir(Req r, ByteBuffer out, boolean plus) throws IOException, P9ProtocolException {
    ByteBuffer in = r.in;
    int p = in.position();
    Handle h = handle(in.getLong(p));
    long offset = in.getLong(p + 8);
    int size = Math.min(in.getInt(p + 16), out.capacity() - Fuse.OUT_HEADER);
    synchronized (h) {
      List<Dirent> all = entries(h, offset, size);
      // Take the entries that fit.
      List<Dirent> take = new ArrayList<>();
      List<byte[]> names = new ArrayList<>();
      int used = 0;
      for (Dirent d : all) {
        byte[] nb = d.name().getBytes(StandardCharsets.UTF_8);
        int rec = Fuse.align8((plus ? Fuse.ENTRY_OUT : 0) + Fuse.DIRENT + nb.length);
        if (used + rec > size) {
          break;
        }
        used += rec;
        take.add(d);
        names.add(nb);
      }
      h.rest = all.subList(take.size(), all.size());
      h.restOffset = take.isEmpty() ? offset : take.get(take.size() - 1).offset();
      Nodes.Node[] found = new Nodes.Node[take.size()];
      Rgetattr[] attrs = new Rgetattr[take.size()];
      if (plus) {
        lookupAll(node(r.nodeid), take, found, attrs);
      }
      begin(out);
      for (int i = 0; i < take.size(); i++) {
        Dirent d = take.get(i);
        if (plus) {
          if (found[i] != null) {
            putEntry(out, found[i].id, attrs[i]);
          } else {
            putEntry(out, 0, null);
          }
        }
        byte[] nb = names.get(i);
        out.putLong(d.qid().path()).putLong(d.offset()).putInt(nb.length).putInt(d.type()).put(nb);
        while ((out.position() & 7) != 0) {
          out.put((byte) 0);
        }
      }
      if (!send(r, out) && plus) {
        for (Nodes.Node n : found) {
          if (n != null) {
            forget(n.id, 1);
          }
        }
      }
    }
  }

  /**
   * READDIRPLUS: walks and stats every entry in one pipelined batch (a walk and a getattr per
   * entry, all in flight at once), registering each as a lookup. Entries that vanished meanwhile,
   * and "." and "..", get no node (the kernel then just lists the name).
   */
  private void lookupAll(Nodes.Node dir, List<Dirent> take, Nodes.Node[] found, Rgetattr[] attrs)
      throws IOException {
    int dirFid = nodes.anyFid(dir);
    int k = take.size();
    int[] fids = new int[k];
    List<Message> requests = new ArrayList<>(2 * k);
    int[] at = new int[k]; // index of entry i's walk in requests
    for (int i = 0; i < k; i++) {
      String nm = take.get(i).name();
      if (nm.equals(".") || nm.equals("..")) {
        fids[i] = -1;
        continue;
      }
      fids[i] = newFid();
      at[i] = requests.size();
      requests.add(new Message.Twalk(dirFid, fids[i], List.of(nm)));
      requests.add(new Message.Tgetattr(fids[i], P9.GETATTR_BASIC));
      addXattrProbe(requests, fids[i]);
    }
    List<CompletableFuture<Message>> replies = client.sendAll(requests);
    IOException failure = null;
    for (int i = 0; i < k; i++) {
      if (fids[i] < 0) {
        continue;
      }
      int w0 = at[i];
      boolean walked = false;
      try {
        Message w = NinePClient.await(replies.get(w0), requests.get(w0));
        walked = w instanceof Rwalk rw && rw.qids().size() == 1;
        if (walked && NinePClient.await(replies.get(w0 + 1), requests.get(w0 + 1)) instanceof Rgetattr a
            && failure == null) {
          attrs[i] = a;
          found[i] = register(dir, take.get(i).name(), fids[i], a);
          found[i].noXattrs = noXattrs(replies.get(w0 + 2));
          continue;
        }
      } catch (IOException e) {
        if (!(e instanceof P9Error)) {
          failure = e;
        }
      }
      if (walked) {
        bridge.clunkLater(fids[i]);
      }
    }
    if (failure != null) {
      for (Nodes.Node n : found) {
        if (n != null) {
          forget(n.id, 1);
        }
      }
      throw failure;
    }
  }

  // ---- xattrs ------------------------------------------------------------------------------------

  private static final String CAPABILITY = "security.capability";

  private void getxattr(Req r, ByteBuffer out, boolean list) throws IOException {
    ByteBuffer in = r.in;
    int size = in.getInt(in.position());
    in.position(in.position() + 8);
    String name = list ? "" : name(in);
    Nodes.Node n = node(r.nodeid);
    boolean capability = name.equals(CAPABILITY);
    if (n.noXattrs || capability && n.noCapability) {
      if (list) {
        begin(out); // an empty list: with size 0 the kernel wants the length, which is 0 too
        if (size == 0) {
          out.putInt(0).putInt(0);
        }
        send(r, out);
        return;
      }
      throw new P9Error(ENODATA, "no xattr " + name + " (known)");
    }
    int nf = newFid();
    long len;
    try {
      len = client.call(new Message.Txattrwalk(nodes.anyFid(n), nf, name), Message.Rxattrwalk.class).size();
    } catch (P9Error e) {
      if (capability && e.errno() == ENODATA) {
        n.noCapability = true;
      }
      throw e;
    }
    try {
      if (size == 0) {
        begin(out).putInt((int) len).putInt(0);
        send(r, out);
        return;
      }
      if (len > size) {
        throw new P9Error(ERANGE, "xattr " + name + " is " + len + " bytes, buffer " + size);
      }
      if (len > out.capacity() - Fuse.OUT_HEADER || len > XATTR_MAX) {
        throw new P9Error(E2BIG, "xattr " + name + " too large");
      }
      begin(out);
      long done = 0;
      while (done < len) {
        ByteBuffer d = client.call(new Message.Tread(nf, done, (int) Math.min(len - done, client.iounit())),
            Message.Rread.class).data();
        if (!d.hasRemaining()) {
          break;
        }
        done += d.remaining();
        out.put(d);
      }
      send(r, out);
    } finally {
      bridge.clunkLater(nf);
    }
  }

  private void setxattr(Req r, ByteBuffer out) throws IOException {
    ByteBuffer in = r.in;
    int p = in.position();
    int size = in.getInt(p), flags = in.getInt(p + 4);
    in.position(p + Fuse.SETXATTR_IN_COMPAT);
    String name = name(in);
    if (in.remaining() < size) {
      throw new P9Error(EINVAL, "SETXATTR value truncated");
    }
    ByteBuffer value = in.duplicate().limit(in.position() + size);
    Nodes.Node n = node(r.nodeid);
    if (name.equals(CAPABILITY)) {
      n.noCapability = false;
    }
    n.noXattrs = false;
    setxattr9(n, name, value, flags);
    ok(r, out);
  }

  private void setxattr9(Nodes.Node n, String name, ByteBuffer value, int flags) throws IOException {
    int nf = newFid();
    client.call(new Message.Twalk(nodes.anyFid(n), nf, List.of()), Rwalk.class);
    boolean clunked = false;
    try {
      client.call(new Message.Txattrcreate(nf, name, value.remaining(), flags), Message.Rxattrcreate.class);
      long off = 0;
      while (value.hasRemaining()) {
        ByteBuffer chunk = value.duplicate().limit(value.position() + Math.min(value.remaining(), client.iounit()));
        int w = client.call(new Message.Twrite(nf, off, chunk), Message.Rwrite.class).count();
        value.position(value.position() + w);
        off += w;
      }
      // The gofer sets the attribute when the fid is clunked; its error is the call's.
      clunked = true;
      client.call(new Message.Tclunk(nf), Message.Rclunk.class);
    } finally {
      if (!clunked) {
        bridge.clunkLater(nf);
      }
    }
  }

  private void removexattr(Req r, ByteBuffer out) throws IOException {
    String name = name(r.in);
    Nodes.Node n = node(r.nodeid);
    if (name.equals(CAPABILITY)) {
      n.noCapability = false; // until the next lookup of it says otherwise
    }
    n.noXattrs = false;
    // 9P2000.L has no Tremovexattr: Linux v9fs removes with a zero-length Txattrcreate carrying
    // XATTR_REPLACE, and the gofer follows that convention.
    setxattr9(n, name, ByteBuffer.allocate(0), XATTR_REPLACE);
    ok(r, out);
  }
}
