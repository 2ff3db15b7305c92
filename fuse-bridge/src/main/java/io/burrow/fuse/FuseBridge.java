package io.burrow.fuse;

import io.burrow.p9.client.NinePClient;
import io.burrow.p9.Message;
import io.burrow.p9.P9;
import io.burrow.linux.sys.Errno;
import io.burrow.linux.sys.PageBuffer;
import io.burrow.linux.sys.Spin;
import io.burrow.linux.sys.Sys;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link FuseMount} by translating kernel FUSE requests into 9P2000.L requests on a
 * {@link NinePClient}, so that file access in the mount goes FUSE → this bridge → 9P → gofer.
 *
 * <p>Threading: {@link Options#threads()} reader threads take turns (a lock) waiting on the shared,
 * non-blocking {@code /dev/fuse} fd (briefly polling it, then poll(2) with a wake-up eventfd);
 * the one that reads a request gives up the turn, serves the request with blocking 9P calls (one
 * pipelined batch per request where the gofer's ordering allows) and writes the reply with one
 * {@code write(2)}. So up to that many FUSE requests are in flight at once, each on its own 9P
 * tags. Each reader owns two buffers sized for the largest request and reply ({@code max_write +
 * 4 KiB}), mapped pages that hold memory only where written: a reader that served a request or
 * reply larger than {@link #KEEP} gives the rest back when it next goes idle, so an idle
 * container's bridge holds a few pages per reader, not {@code threads × 2 × max_write}.
 *
 * <p>Failure: when the 9P connection dies, the client fails every pending and later call with an
 * {@link IOException}; the bridge answers those requests EIO, so file operations fail promptly
 * rather than hang. The bridge keeps serving (EIO) until closed or unmounted.
 *
 * <p>Ownership: the bridge takes over the {@link FuseMount} ({@link #close()} unmounts it and
 * closes {@code /dev/fuse}) and owns the client's fid space (it attaches its own root fid), but
 * not the client itself, which the caller closes after the bridge. The eventfd is the bridge's.
 * See {@code docs/fuse.md} for the protocol choices (INIT flags, timeouts, locks).
 */
public final class FuseBridge implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FuseBridge.class);
  private static final int PAGE = 4096;
  /** What a reader keeps of its buffers when it goes idle: small requests and replies fit. */
  static final int KEEP = 128 * 1024;
  /** The kernel's default limit for max_pages (fuse_max_pages_limit). */
  private static final int KERNEL_MAX_PAGES = 256;
  private static final int EAGAIN = 11, EINTR = 4, ENODEV = 19, ECONNABORTED = 103;
  private static final long SHUTDOWN = -2;

  /**
   * Bridge settings.
   *
   * @param threads reader threads, i.e. FUSE requests served concurrently
   * @param entryTimeout how long the kernel may cache a name → node mapping
   * @param attrTimeout how long the kernel may cache attributes
   * @param negativeTimeout how long the kernel may cache that a name does not exist (zero: it asks
   *     again every time); the only cache that hides a file created on the host behind the
   *     container's back, so it is kept short (see docs/fuse.md)
   * @param aname the 9P attach name ("" for the served root)
   * @param maxNodes above this many nodes (each holds a gofer fid, and the gofer allows 16384 per
   *     connection) the bridge asks the kernel to drop its least recently used names
   */
  public record Options(int threads, Duration entryTimeout, Duration attrTimeout, Duration negativeTimeout, String aname,
      int maxNodes) {
    public Options {
      if (threads < 1 || maxNodes < 16) {
        throw new IllegalArgumentException("threads must be >= 1 and maxNodes >= 16");
      }
    }

    /**
     * 8 threads; at most 12288 nodes (3/4 of the gofer's fids per connection, leaving room for
     * open files); 60 s entry and attribute timeouts: the gofer serves a container's files to this
     * sandbox only, so every change goes through this mount, where the kernel updates or
     * invalidates what it cached, and a caching bridge follows the gofer's reports of changes
     * made behind the container's back ({@link ChangeFollower}); the timeouts only bound how long
     * such a change stays invisible when the server does not report it. Negative entries last
     * 1 s (10 s while changes are reported): a file created on the host ({@code docker cp}) must
     * appear promptly to a container that looked for it.
     */
    public static Options defaults() {
      return new Options(8, Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(1), "", 12288);
    }

    public Options withThreads(int n) {
      return new Options(n, entryTimeout, attrTimeout, negativeTimeout, aname, maxNodes);
    }

    /** Entry and attribute timeouts; negative entries never outlast positive ones. */
    public Options withTimeouts(Duration entry, Duration attr) {
      Duration negative = negativeTimeout.compareTo(entry) < 0 ? negativeTimeout : entry;
      return new Options(threads, entry, attr, negative, aname, maxNodes);
    }

    public Options withNegativeTimeout(Duration negative) {
      return new Options(threads, entryTimeout, attrTimeout, negative, aname, maxNodes);
    }

    public Options withMaxNodes(int n) {
      return new Options(threads, entryTimeout, attrTimeout, negativeTimeout, aname, n);
    }
  }

  private final FuseMount mount;
  final NinePClient client;
  final Options options;
  final Nodes nodes;
  final int rootFid;
  /** Largest READ/WRITE payload: whole pages that fit in one 9P message. */
  final int maxWrite;
  final int maxPages;
  private final int wakeFd;
  private final List<Thread> readers = new ArrayList<>();
  private final Thread trimmer;
  private final Semaphore trimRequests = new Semaphore(0);
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final java.util.concurrent.locks.ReentrantLock readTurn = new java.util.concurrent.locks.ReentrantLock();
  private final CountDownLatch ended;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Guards writes of notifications to the mount's fd against its close (the fd number is reused). */
  private final Object notifyLock = new Object();
  private boolean mountClosed; // guarded by notifyLock
  final FuseOps ops;
  /** Non-null when the bridge caches: then it follows the server's change notifications. */
  final ChangeFollower changes;

  private FuseBridge(FuseMount mount, NinePClient client, Options options, int rootFid, long rootIno, int wakeFd) {
    this.mount = mount;
    this.client = client;
    this.options = options;
    this.rootFid = rootFid;
    this.nodes = new Nodes(rootFid, rootIno);
    this.maxPages = Math.max(1, Math.min(KERNEL_MAX_PAGES, client.iounit() / PAGE));
    this.maxWrite = maxPages * PAGE;
    this.wakeFd = wakeFd;
    this.ended = new CountDownLatch(options.threads());
    boolean caches = !options.entryTimeout().isZero() || !options.attrTimeout().isZero();
    this.changes = caches ? new ChangeFollower(this) : null;
    this.ops = new FuseOps(this);
    this.trimmer = new Thread(this::trimLoop, "fuse-trim-" + mount.fd());
    this.trimmer.setDaemon(true);
  }

  /**
   * Attaches to {@code options.aname()} on {@code client} and starts serving {@code mount}. The
   * bridge owns {@code mount} from now on, also when this throws (it is closed then).
   */
  public static FuseBridge start(FuseMount mount, NinePClient client, Options options) throws IOException {
    int wake = -1;
    try {
      int rootFid = 1;
      client.call(new Message.Tattach(rootFid, P9.NOFID, "root", options.aname(), 0), Message.Rattach.class);
      Message.Rgetattr root = client.call(new Message.Tgetattr(rootFid, P9.GETATTR_BASIC), Message.Rgetattr.class);
      wake = (int) Sys.checked(Sys.C.eventfd(0, Sys.O_CLOEXEC | Sys.O_NONBLOCK), "eventfd");
      FuseBridge b = new FuseBridge(mount, client, options, rootFid, root.qid().path(), wake);
      if (b.changes != null) {
        b.changes.subscribe(); // before the kernel caches anything
      }
      b.startReaders();
      return b;
    } catch (IOException | RuntimeException e) {
      Sys.close(wake);
      try {
        mount.close();
      } catch (Errno ce) {
        e.addSuppressed(ce);
      }
      throw e;
    }
  }

  private void startReaders() {
    for (int i = 0; i < options.threads(); i++) {
      Thread t = new Thread(this::readLoop, "fuse-" + mount.fd() + "-" + i);
      t.setDaemon(true);
      readers.add(t);
    }
    readers.forEach(Thread::start);
    trimmer.start();
    if (changes != null && changes.following()) {
      Thread t = new Thread(changes, "fuse-changes-" + mount.fd());
      t.setDaemon(true);
      t.start();
    }
  }

  boolean stopping() {
    return stopping.get();
  }

  /**
   * Writes one notification ({@code b[0, len)}) to the kernel, unless the mount is closed. Errors
   * are ignored: ENOENT means the kernel no longer holds what it names, which is all one wants.
   */
  void notifyKernel(ByteBuffer b, int len) {
    synchronized (notifyLock) {
      if (!mountClosed) {
        Sys.C.write(mount.fd(), Sys.address(b), len);
      }
    }
  }

  /** Called after a lookup was counted: wakes the trimmer when the node table is too big. */
  void nodeAdded() {
    if (nodes.size() > options.maxNodes() && trimRequests.availablePermits() == 0) {
      trimRequests.release();
    }
  }

  /**
   * Keeps the node table (and so the gofer's fids) bounded: asks the kernel, with
   * FUSE_NOTIFY_INVAL_ENTRY, to drop the names of the least recently used nodes down to 7/8 of
   * maxNodes. Unused dentries go, their inodes are evicted and the kernel sends FORGETs, which
   * clunk the fids. A separate thread, because the kernel takes the parent directory's lock to
   * handle a notification, which a reader thread serving a request in that directory may need.
   */
  private void trimLoop() {
    ByteBuffer b = ByteBuffer.allocateDirect(Fuse.OUT_HEADER + 16 + 256).order(ByteOrder.LITTLE_ENDIAN);
    while (!stopping.get()) {
      try {
        trimRequests.acquire();
      } catch (InterruptedException e) {
        return;
      }
      if (stopping.get()) {
        return;
      }
      int excess = nodes.size() - options.maxNodes() * 7 / 8;
      if (excess <= 0) {
        continue;
      }
      for (Nodes.Name n : nodes.trimCandidates(excess)) {
        byte[] name = n.name().getBytes(StandardCharsets.UTF_8);
        if (name.length > 255 || stopping.get()) {
          continue;
        }
        int len = Fuse.OUT_HEADER + 16 + name.length + 1;
        b.clear();
        b.putInt(len).putInt(Fuse.NOTIFY_INVAL_ENTRY).putLong(0);
        b.putLong(n.parent()).putInt(name.length).putInt(0).put(name).put((byte) 0);
        notifyKernel(b, len);
      }
    }
  }

  /** The negotiated largest write (and read) size. */
  public int maxWrite() {
    return maxWrite;
  }

  /** Nodes the kernel currently holds (the root included); for tests of lookup accounting. */
  public int liveNodes() {
    return nodes.size();
  }

  /** FUSE file handles open now (each holds an opened 9P fid), for diagnostics and tests. */
  public int openHandles() {
    return ops.openHandles();
  }

  /** Requests served so far by FUSE opcode name, for diagnostics and benchmarks. */
  public java.util.Map<String, Long> requestCounts() {
    java.util.Map<String, Long> m = new java.util.TreeMap<>();
    for (int i = 0; i < ops.counts.length(); i++) {
      if (ops.counts.get(i) > 0) {
        m.put(Fuse.opName(i), ops.counts.get(i));
      }
    }
    return m;
  }

  /** True until every reader has stopped (unmount, DESTROY or {@link #close()}). */
  public boolean isRunning() {
    return ended.getCount() > 0;
  }

  /** Waits for the readers to stop on their own (the filesystem was unmounted). */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void readLoop() {
    PageBuffer inPages = null, outPages = null;
    try {
      inPages = PageBuffer.map(maxWrite + PAGE + Fuse.MIN_READ_BUFFER);
      outPages = PageBuffer.map(maxWrite + PAGE);
      serve(new Reader(inPages, outPages));
    } catch (Errno e) {
      LOG.error("FUSE reader could not map its buffers", e);
    } catch (RuntimeException | Error e) {
      LOG.error("FUSE reader died", e);
    } finally {
      stopping.set(true);
      wake();
      ended.countDown();
      // A reader's buffers are sinks only of its own synchronous 9P calls, so none is in use now.
      if (inPages != null) {
        inPages.close();
      }
      if (outPages != null) {
        outPages.close();
      }
    }
  }

  /** One reader thread's buffers, and whether a large request or reply wrote past {@link #KEEP}. */
  private static final class Reader {
    final PageBuffer inPages, outPages;
    final ByteBuffer in, out;
    boolean wroteLarge;

    Reader(PageBuffer inPages, PageBuffer outPages) {
      this.inPages = inPages;
      this.outPages = outPages;
      this.in = inPages.buffer();
      this.out = outPages.buffer();
    }

    /** Notes a request whose data (a WRITE) or reply (a READ, READDIR) goes past {@link #KEEP}. */
    void served(int length) {
      int opcode = in.getInt(4);
      boolean largeReply = (opcode == Fuse.READ || opcode == Fuse.READDIR || opcode == Fuse.READDIRPLUS)
          && length >= Fuse.IN_HEADER + 20 && Integer.toUnsignedLong(in.getInt(Fuse.IN_HEADER + 16)) > KEEP;
      wroteLarge |= length > KEEP || largeReply;
    }

    void discardIfLarge() {
      if (wroteLarge) {
        wroteLarge = false;
        try {
          inPages.discardFrom(KEEP);
          outPages.discardFrom(KEEP);
        } catch (Errno e) {
          LOG.warn("could not give back a FUSE reader's pages", e);
        }
      }
    }
  }

  /** Serves requests until the bridge stops, the mount goes or the kernel sends DESTROY. */
  private void serve(Reader reader) {
    ByteBuffer in = reader.in, out = reader.out;
    ByteBuffer pfds = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
    pfds.putInt(0, mount.fd()).putShort(4, (short) 1).putInt(8, wakeFd).putShort(12, (short) 1); // POLLIN
    long pfdsAddr = Sys.address(pfds);
    int fuseFd = mount.fd();
    while (!stopping.get()) {
      long n;
      // One reader at a time waits on the device: poll wakes every waiter for each request, and
      // on a machine with few cores that herd costs more than the request itself.
      readTurn.lock();
      try {
        if (stopping.get()) {
          break;
        }
        n = readRequest(fuseFd, reader, pfds, pfdsAddr);
      } finally {
        readTurn.unlock();
      }
      if (n == SHUTDOWN) {
        break;
      }
      if (n < 0) {
        int e = Sys.errno();
        if (e == EAGAIN || e == EINTR || e == 2 /* ENOENT: request gone before we read it */) {
          continue;
        }
        if (e != ENODEV && e != ECONNABORTED) {
          LOG.warn("read /dev/fuse failed: errno {}", e);
        }
        break; // unmounted or aborted
      }
      in.clear().limit((int) n);
      reader.served((int) n);
      if (!ops.serve(in, out)) {
        break; // DESTROY
      }
    }
  }

  /**
   * Reads the next request into {@code in}: non-blocking reads for {@link Spin#NANOS} (the next
   * request of a busy container usually arrives within that, and finding it costs no wake-up),
   * then poll. Returns the bytes read, -1 with errno set when the read failed, or SHUTDOWN.
   */
  private long readRequest(int fuseFd, Reader reader, ByteBuffer pfds, long pfdsAddr) {
    ByteBuffer in = reader.in;
    long spinUntil = System.nanoTime() + Spin.NANOS;
    while (true) {
      long n = Sys.C.read(fuseFd, Sys.address(in), in.capacity());
      if (n >= 0 || Sys.errno() != EAGAIN) {
        return n;
      }
      if (System.nanoTime() < spinUntil) {
        Thread.yield();
        continue;
      }
      reader.discardIfLarge();
      pfds.putShort(6, (short) 0).putShort(14, (short) 0);
      if (Sys.C.poll(pfdsAddr, 2, -1) < 0) {
        int e = Sys.errno();
        if (e == EINTR) {
          continue;
        }
        LOG.warn("poll on /dev/fuse failed: errno {}", e);
        return SHUTDOWN;
      }
      if (pfds.getShort(14) != 0) {
        return SHUTDOWN; // woken for shutdown
      }
    }
  }

  private void wake() {
    ByteBuffer one = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).putLong(0, 1);
    Sys.C.write(wakeFd, Sys.address(one), 8);
  }

  /** Writes one reply; false when the kernel no longer wants it (the request was interrupted). */
  boolean write(ByteBuffer out, int len) {
    long n = Sys.C.write(mount.fd(), Sys.address(out), len);
    if (n < 0) {
      int e = Sys.errno();
      if (e != 2) { // ENOENT: interrupted or aborted request; anything else is worth a note
        LOG.debug("write /dev/fuse failed: errno {}", e);
      }
      return false;
    }
    return true;
  }

  /** Best-effort clunk that does not wait for the reply (fid numbers are never reused). */
  void clunkLater(int fid) {
    try {
      client.send(new Message.Tclunk(fid));
    } catch (IOException e) {
      // the connection is gone: so is the fid
    }
  }

  /**
   * Stops the readers, unmounts (MNT_DETACH) and closes {@code /dev/fuse}, which aborts the FUSE
   * connection so that nothing in the mount can hang on the bridge. Idempotent; the 9P client is
   * left to the caller.
   */
  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    stopping.set(true);
    Errno unmountError = null;
    try {
      mount.unmount();
    } catch (Errno e) {
      unmountError = e;
    }
    wake();
    trimRequests.release();
    // Readers finish the request they are serving; one stuck in a 9P call to a hung (not dead)
    // gofer stays until the caller closes the client. Wait 10 s in all, not per thread.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (Thread t : readers) {
      try {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      if (t.isAlive()) {
        LOG.warn("FUSE reader {} still busy after 10 s (a 9P call without a reply?)", t.getName());
      }
    }
    synchronized (notifyLock) {
      mountClosed = true;
      mount.close();
    }
    Sys.close(wakeFd);
    if (unmountError != null) {
      throw unmountError;
    }
  }

  @Override
  public String toString() {
    return "FuseBridge[" + mount + "]";
  }
}
