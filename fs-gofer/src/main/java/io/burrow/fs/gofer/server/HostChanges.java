package io.burrow.fs.gofer.server;

import io.burrow.linux.sys.Errno;
import io.burrow.linux.sys.Sys;
import io.burrow.p9.Message.Change;
import io.burrow.p9.server.ChangeFeed;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changes made to served directories by anyone but the gofer (the host, {@code docker cp}, another
 * container sharing a bind source), from inotify, as the {@link ChangeFeed} of Tnotify. A client
 * that caches names and attributes (burrow's FUSE bridge, with 60 s timeouts on a container's root)
 * turns each into a kernel invalidation, so a host-side change is seen at once, not when a timeout
 * runs out.
 *
 * <p>What is watched: every directory some fid has reached, from the moment its {@link Node} is
 * made until the last node of that directory is released. A directory watch reports its entries'
 * creation, removal and renames and their attribute and content changes, so files need no watches
 * of their own. The gofer's own changes are left out: each mutating request notes the names it
 * touches ({@link #own}), and events for a noted name within {@link #OWN_WINDOW_NANOS} are not
 * reported. A late one is reported, which costs the client a needless invalidation, never a missed
 * one; a host change to the very name the container changed within that window is the one thing
 * that can go unseen until the client's timeouts.
 *
 * <p>One per process, made by {@link #enable} (after the gofer's confinement, since watching
 * changes the working directory for a moment and must leave it where it was). Thread-safe. Owns its
 * inotify fd and reader thread for the life of the process.
 */
public final class HostChanges implements ChangeFeed {
  private static final Logger LOG = LoggerFactory.getLogger(HostChanges.class);
  private static final int IN_MODIFY = 0x2, IN_ATTRIB = 0x4, IN_MOVED_FROM = 0x40, IN_MOVED_TO = 0x80,
      IN_CREATE = 0x100, IN_DELETE = 0x200, IN_Q_OVERFLOW = 0x4000, IN_IGNORED = 0x8000,
      IN_ONLYDIR = 0x01000000, IN_EXCL_UNLINK = 0x04000000;
  private static final int MASK = IN_MODIFY | IN_ATTRIB | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
      | IN_ONLYDIR | IN_EXCL_UNLINK;
  /** How long after the gofer changed a name the events for it count as its own. */
  static final long OWN_WINDOW_NANOS = 250_000_000L;
  /** Changes queued per subscriber at most; beyond, it gets one {@link Change#ALL}. */
  static final int QUEUE_MAX = 8192;

  private static volatile HostChanges instance;

  /** A watched directory: its inotify watch and how many live nodes name it. */
  private static final class Watch {
    final int wd;
    final Node.FileKey key;
    int nodes; // guarded by HostChanges.this

    Watch(int wd, Node.FileKey key) {
      this.wd = wd;
      this.key = key;
    }
  }

  private record Own(Node.FileKey dir, String name) {}

  private final int fd;
  /** The working directory to return to after each watch is added; owned for the process's life. */
  private final int cwd;
  private final Map<Integer, Watch> byWd = new HashMap<>(); // guarded by this
  private final Map<Node.FileKey, Watch> byKey = new HashMap<>(); // guarded by this
  private final ConcurrentHashMap<Own, Long> own = new ConcurrentHashMap<>();
  private final Set<Queue> subscribers = ConcurrentHashMap.newKeySet();
  private boolean watchLimitLogged; // guarded by this

  private HostChanges(int fd, int cwd) {
    this.fd = fd;
    this.cwd = cwd;
  }

  /** Starts watching for the whole process (idempotent) and returns the feed. */
  public static synchronized HostChanges enable() throws Errno {
    if (instance == null) {
      int fd = (int) Sys.checked(Sys.C.inotify_init1(Sys.O_CLOEXEC), "inotify_init1");
      int cwd;
      try {
        cwd = Sys.openat(Sys.AT_FDCWD, ".", Sys.O_PATH | Sys.O_DIRECTORY, 0);
      } catch (Errno e) {
        Sys.close(fd);
        throw e;
      }
      HostChanges h = new HostChanges(fd, cwd);
      Thread t = new Thread(h::readLoop, "gofer-host-changes");
      t.setDaemon(true);
      t.start();
      instance = h;
    }
    return instance;
  }

  /** The process's feed, or null when change notification is not enabled. */
  static HostChanges get() {
    return instance;
  }

  /** Notes that the gofer is about to change {@code name} in the directory {@code dir} ("" for itself). */
  static void own(Node.FileKey dir, String name) {
    HostChanges h = instance;
    if (h != null) {
      long now = System.nanoTime();
      h.own.put(new Own(dir, name), now);
      if (h.own.size() > 4096) {
        h.own.values().removeIf(t -> now - t > OWN_WINDOW_NANOS);
      }
    }
  }

  /**
   * Starts watching the directory of a new node (called once per directory node made); returns
   * whether the node now counts towards a watch, and so must be {@link #unwatch unwatched}.
   */
  synchronized boolean watch(Node dir) {
    Watch w = byKey.get(dir.key);
    if (w == null) {
      // inotify_add_watch takes a path only: the node's own directory, through a moment's chdir.
      if (Sys.C.fchdir(dir.fd) != 0) {
        return false;
      }
      int wd;
      try {
        wd = Sys.C.inotify_add_watch(fd, Sys.cstr("."), MASK);
      } finally {
        Sys.C.fchdir(cwd);
      }
      if (wd < 0) {
        if (!watchLimitLogged) {
          watchLimitLogged = true;
          LOG.warn("cannot watch a served directory for host changes (errno {}); changes made there on the host are"
              + " seen only when the client's caches time out", Sys.errno());
        }
        return false;
      }
      w = new Watch(wd, dir.key); // one inode, one key, one watch
      byWd.put(wd, w);
      byKey.put(dir.key, w);
    }
    w.nodes++;
    return true;
  }

  /** The last reference to a directory node that {@link #watch} counted is gone. */
  synchronized void unwatch(Node dir) {
    Watch w = byKey.get(dir.key);
    if (w != null && --w.nodes == 0) {
      byKey.remove(dir.key);
      byWd.remove(w.wd);
      Sys.C.inotify_rm_watch(fd, w.wd);
    }
  }

  /** Directories watched now, for tests. */
  synchronized int watched() {
    return byWd.size();
  }

  @Override
  public Subscription subscribe() {
    Queue q = new Queue();
    subscribers.add(q);
    return q;
  }

  private void readLoop() {
    ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024).order(ByteOrder.nativeOrder());
    while (true) {
      long n = Sys.C.read(fd, Sys.address(buf), buf.capacity());
      if (n < 0) {
        if (Sys.errno() == 4) { // EINTR
          continue;
        }
        LOG.error("reading host changes failed (errno {}); host-side changes are no longer reported", Sys.errno());
        subscribers.forEach(q -> q.offerAll(List.of(new Change(Change.ALL, 0, ""))));
        return;
      }
      List<Change> batch = new ArrayList<>();
      long now = System.nanoTime();
      for (int p = 0; p + 16 <= n; ) {
        int wd = buf.getInt(p), mask = buf.getInt(p + 4), len = buf.getInt(p + 12);
        String name = name(buf, p + 16, len);
        p += 16 + len;
        Change c = change(wd, mask, name, now);
        if (c != null) {
          batch.add(c);
        }
      }
      if (!batch.isEmpty()) {
        subscribers.forEach(q -> q.offerAll(batch));
      }
    }
  }

  private Change change(int wd, int mask, String name, long now) {
    if ((mask & IN_Q_OVERFLOW) != 0) {
      return new Change(Change.ALL, 0, "");
    }
    Watch w;
    synchronized (this) {
      w = byWd.get(wd);
      if ((mask & IN_IGNORED) != 0) {
        if (w != null) { // the directory is gone or its file system was unmounted
          byWd.remove(wd);
          byKey.remove(w.key, w);
        }
        return null;
      }
    }
    if (w == null || name == null) {
      return null;
    }
    Long mine = own.get(new Own(w.key, name));
    if (mine != null && now - mine < OWN_WINDOW_NANOS) {
      return null;
    }
    int kind = (mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO)) != 0 ? Change.ENTRY
        : (mask & IN_MODIFY) != 0 ? Change.DATA : Change.ATTR;
    return new Change(kind, w.key.ino(), name);
  }

  /** The event's name (NUL-padded); "" for the directory itself; null when it is not UTF-8. */
  private static String name(ByteBuffer buf, int at, int len) {
    int end = at;
    while (end < at + len && buf.get(end) != 0) {
      end++;
    }
    if (end == at) {
      return "";
    }
    byte[] b = new byte[end - at];
    buf.get(at, b);
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      return null; // 9P names are UTF-8: a client cannot hold this name to drop it
    }
  }

  /** One subscriber's bounded queue. */
  private final class Queue implements Subscription {
    private final ArrayDeque<Change> changes = new ArrayDeque<>(); // guarded by this
    private boolean overflowed; // guarded by this
    private boolean cancelled; // guarded by this
    private boolean closed; // guarded by this

    synchronized void offerAll(List<Change> batch) {
      if (closed) {
        return;
      }
      for (Change c : batch) {
        if (changes.size() >= QUEUE_MAX) {
          overflowed = true;
          changes.clear();
        } else if (!overflowed && !c.equals(changes.peekLast())) {
          changes.add(c);
        }
      }
      notifyAll();
    }

    @Override
    public synchronized List<Change> await(int max, long timeoutMillis) throws InterruptedException {
      long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
      while (changes.isEmpty() && !overflowed && !cancelled && !closed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return List.of();
        }
        wait(Math.max(1, left / 1_000_000L));
      }
      cancelled = false;
      if (overflowed) {
        overflowed = false;
        return List.of(new Change(Change.ALL, 0, ""));
      }
      List<Change> out = new ArrayList<>(Math.min(max, changes.size()));
      while (out.size() < max && !changes.isEmpty()) {
        out.add(changes.poll());
      }
      return out;
    }

    @Override
    public synchronized void cancel() {
      cancelled = true;
      notifyAll();
    }

    @Override
    public void close() {
      subscribers.remove(this);
      synchronized (this) {
        closed = true;
        changes.clear();
        notifyAll();
      }
    }
  }
}
