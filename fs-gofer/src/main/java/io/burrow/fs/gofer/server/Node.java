package io.burrow.fs.gofer.server;

import io.burrow.p9.P9;
import io.burrow.p9.Qid;
import io.burrow.p9.server.RefCount;
import io.burrow.linux.sys.Errno;
import io.burrow.linux.sys.Sys;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A file the server has looked up: an O_PATH fd that pins it, plus the parent directory node and
 * the name it was reached by (needed to reopen it for I/O without /proc, and to unlink or rename
 * it). Nodes are reference counted: every fid and every child holds one reference; the fd is
 * closed, exactly once, when the last reference is released. Thread-safe.
 *
 * <p>Confinement: a node is only ever created by {@link #child} (one validated component, opened
 * with openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS and O_NOFOLLOW relative to
 * a directory node) or as a mount root. So every node's fd refers to a file that was beneath the
 * root when it was opened; a symlink is pinned as itself and never followed, and because later
 * operations start from the pinned fd rather than a path, swapping a directory for a symlink
 * between two requests changes nothing.
 */
final class Node {
  static final long RESOLVE = Sys.RESOLVE_BENEATH | Sys.RESOLVE_NO_SYMLINKS | Sys.RESOLVE_NO_MAGICLINKS;

  /** A file's identity: device and inode. */
  record FileKey(int devMajor, int devMinor, long ino) {
    static FileKey of(Sys.Stat st) {
      return new FileKey(st.devMajor(), st.devMinor(), st.ino());
    }
  }

  /** A directory entry: the directory's identity and a name in it. */
  private record Entry(FileKey dir, String name) {}

  /**
   * Every live looked-up node by the directory entry it was reached by, across the gofer's
   * connections and mounts: a Trenameat names only directories and names, and each node reached
   * by the old name must follow the rename, as each fid walked to it must (the Linux v9fs client
   * sends Trenameat and keeps using those fids). Every lookup and release updates it, so it is a
   * concurrent map: each entry's set is read and written only inside that entry's compute.
   */
  private static final ConcurrentHashMap<Entry, Set<Node>> BY_ENTRY = new ConcurrentHashMap<>();

  final int fd;
  final int fileType;
  /** This file's identity, as when it was looked up. */
  final FileKey key;
  /** A mount root: never unlinked or renamed through 9P, even when it has a (hidden) parent. */
  final boolean mountRoot;
  private final RefCount refs = new RefCount();
  private Node parent; // guarded by this; null only for a mount root
  private String name; // guarded by this
  /** Whether this directory node counts towards a {@link HostChanges} watch; set once, when made. */
  private boolean watched;

  private Node(int fd, Node parent, String name, int fileType, FileKey key, boolean mountRoot) {
    this.mountRoot = mountRoot;
    this.fd = fd;
    this.parent = parent;
    this.name = name;
    this.fileType = fileType;
    this.key = key;
  }

  private static void index(Node dir, String name, Node n) {
    BY_ENTRY.compute(new Entry(dir.key, name), (k, nodes) -> {
      Set<Node> s = nodes == null ? new HashSet<>() : nodes;
      s.add(n);
      return s;
    });
  }

  private static void unindex(Node dir, String name, Node n) {
    BY_ENTRY.computeIfPresent(new Entry(dir.key, name), (k, nodes) -> {
      nodes.remove(n);
      return nodes.isEmpty() ? null : nodes;
    });
  }

  /**
   * Records a successful rename of {@code oldName} in {@code fromDir} to {@code newName} in
   * {@code toDir}: every live node reached by the old name now has the new one.
   */
  static void renamed(Node fromDir, String oldName, Node toDir, String newName) {
    List<Node> moving = new ArrayList<>();
    BY_ENTRY.computeIfPresent(new Entry(fromDir.key, oldName), (k, nodes) -> {
      for (Node n : nodes) {
        if (n.refs.tryRetain()) {
          moving.add(n);
        }
      }
      return nodes;
    });
    for (Node n : moving) {
      n.moved(toDir, newName);
      n.release();
    }
  }

  /** How many nodes the index holds (for tests: it must not grow without bound). */
  static int indexed() {
    int[] count = {0};
    BY_ENTRY.forEach((k, v) -> BY_ENTRY.computeIfPresent(k, (kk, nodes) -> {
      count[0] += nodes.size();
      return nodes;
    }));
    return count[0];
  }

  /** Takes ownership of {@code rootFd}, an O_PATH fd of a directory. */
  static Node root(int rootFd) throws Errno {
    Sys.Stat st = Sys.fstat(rootFd);
    if (!st.isDir()) {
      throw new Errno(P9.ENOTDIR, "mount root is not a directory");
    }
    Node root = new Node(rootFd, null, "", Sys.S_IFDIR, FileKey.of(st), true);
    root.watchChanges();
    return root;
  }

  private void watchChanges() {
    HostChanges h = HostChanges.get();
    if (h != null && isDir()) {
      watched = h.watch(this);
    }
  }

  /** Notes, for {@link HostChanges}, that the gofer is about to change this file itself. */
  void changingItself() {
    if (HostChanges.get() == null) {
      return;
    }
    Node p;
    String n;
    synchronized (this) {
      p = parent;
      n = name;
    }
    if (p != null) {
      HostChanges.own(p.key, n);
    }
    if (isDir()) {
      HostChanges.own(key, "");
    }
  }

  /**
   * A mount root that is a single file (a file bind mount): {@code dirFd} is its parent directory,
   * used only to reopen it and never reachable by a walk (walks have no ".."). Takes ownership of
   * both fds.
   */
  static Node fileRoot(int dirFd, String fileName, int fileFd) throws Errno {
    Node dir = new Node(dirFd, null, "", Sys.S_IFDIR, FileKey.of(Sys.fstat(dirFd)), true);
    Sys.Stat st = Sys.fstat(fileFd);
    return new Node(fileFd, dir, fileName, st.fileType(), FileKey.of(st), true);
  }

  boolean isDir() {
    return fileType == Sys.S_IFDIR;
  }

  /** Rejects anything but one plain path component. */
  static void checkName(String n) throws Errno {
    if (n.isEmpty() || n.equals(".") || n.equals("..") || n.indexOf('/') >= 0 || n.indexOf('\0') >= 0) {
      throw new Errno(P9.EINVAL, "invalid name '" + n + "'");
    }
    if (n.length() > 255) {
      throw new Errno(P9.ENAMETOOLONG, "name too long");
    }
  }

  /**
   * One walk step. "." is this directory and ".." its parent node, except at a mount root, where
   * ".." is the root itself (as 9P requires); neither ever leaves the served tree because the
   * parent is a pinned node, not a path lookup. Anything else is {@link #child}. The caller owns
   * one reference to the result.
   */
  Node walk(String n) throws Errno {
    if (n.equals(".") || n.equals("..")) {
      if (!isDir()) {
        throw new Errno(P9.ENOTDIR, "walk from a non-directory");
      }
      Node target = this;
      if (n.equals("..")) {
        synchronized (this) {
          if (!mountRoot && parent != null) {
            target = parent;
          }
          target.retain();
        }
      } else {
        retain();
      }
      return target;
    }
    return child(n);
  }

  /** Looks up one component beneath this directory; the result holds a reference to this node. */
  Node child(String n) throws Errno {
    checkName(n);
    if (!isDir()) {
      throw new Errno(P9.ENOTDIR, "walk from a non-directory");
    }
    int cfd = Sys.openat2(fd, n, Sys.O_PATH | Sys.O_NOFOLLOW, 0, RESOLVE);
    try {
      Sys.Stat st = Sys.fstat(cfd);
      retain();
      Node child = new Node(cfd, this, n, st.fileType(), FileKey.of(st), false);
      index(this, n, child);
      child.watchChanges();
      return child;
    } catch (Errno | RuntimeException e) {
      Sys.close(cfd);
      throw e;
    }
  }

  Qid qid() throws Errno {
    return qid(Sys.fstat(fd));
  }

  static Qid qid(Sys.Stat st) {
    int t = switch (st.fileType()) {
      case Sys.S_IFDIR -> P9.QTDIR;
      case Sys.S_IFLNK -> P9.QTSYMLINK;
      default -> P9.QTFILE;
    };
    return new Qid(t, 0, st.ino());
  }

  /**
   * Opens this file again with real access {@code flags} (an O_PATH fd cannot be read). A
   * directory reopens itself through "."; anything else through {@code /proc/self/fd/N} of the
   * pinned fd, so it is exactly the file the fid was walked to, even if it was renamed or unlinked
   * since (without /proc: through its parent and name, checked to be the same inode, ESTALE if
   * not). Device nodes other than the memory devices, symlinks and sockets are never opened, and a
   * fifo is opened without waiting for its other end. The caller owns the returned fd.
   */
  int reopen(int flags) throws Errno {
    // The type was read from the pinned fd, and the reopen below reaches that same inode: no
    // rename on the host can slip a device node in between the check and the open.
    if (fileType == Sys.S_IFCHR || fileType == Sys.S_IFBLK) {
      Sys.Stat s = Sys.fstat(fd);
      if (!HostFile.harmlessDevice(s.fileType(), s.rdevMajor(), s.rdevMinor())) {
        throw new Errno(P9.EPERM, "device nodes are not opened by the gofer");
      }
    } else if (fileType == Sys.S_IFLNK) {
      throw new Errno(P9.ELOOP, "a symlink is not opened");
    } else if (fileType == Sys.S_IFSOCK) {
      throw new Errno(P9.ENXIO, "a socket is not opened");
    } else if (fileType == Sys.S_IFIFO) {
      // A kernel client opens a fifo itself and never sends Tlopen for one; a hostile client that
      // does must not park a server thread until some writer comes (or a reader, for O_WRONLY:
      // ENXIO then). Reads and writes of the fd then answer EAGAIN instead of waiting, too.
      flags |= Sys.O_NONBLOCK;
    }
    if (isDir()) {
      return Sys.openat2(fd, ".", flags | Sys.O_DIRECTORY, 0, RESOLVE);
    }
    int procFd = ProcSelfFd.FD;
    if (procFd >= 0) {
      return Sys.openat(procFd, Integer.toString(fd), flags & ~Sys.O_NOFOLLOW, 0);
    }
    Node p;
    String n;
    synchronized (this) {
      p = parent;
      n = name;
      if (p == null) {
        throw new Errno(P9.EINVAL, "root is not a directory");
      }
      p.retain();
    }
    try {
      // Without /proc, by name: a file renamed over this name between the lookup and here is
      // opened before it is found out, so the check comes first on an O_PATH fd as well.
      int probe = Sys.openat2(p.fd, n, Sys.O_PATH | Sys.O_NOFOLLOW, 0, RESOLVE);
      try {
        if (!Sys.fstat(probe).sameFile(Sys.fstat(fd))) {
          throw new Errno(P9.ESTALE, "file was replaced");
        }
      } finally {
        Sys.close(probe);
      }
      int nfd = Sys.openat2(p.fd, n, flags | Sys.O_NOFOLLOW, 0, RESOLVE);
      try {
        if (!Sys.fstat(nfd).sameFile(Sys.fstat(fd))) {
          throw new Errno(P9.ESTALE, "file was replaced");
        }
        return nfd;
      } catch (Errno | RuntimeException e) {
        Sys.close(nfd);
        throw e;
      }
    } finally {
      p.release();
    }
  }

  /**
   * An fd of {@code /proc/self/fd}, opened once before the gofer chroots (the chroot leaves no
   * /proc): reopening {@code /proc/self/fd/N} opens exactly the inode the O_PATH fd N pins, where
   * a reopen by name would open whatever the name means by then. -1 where /proc is not mounted.
   * Owned by the class for the life of the process.
   */
  static final class ProcSelfFd {
    private ProcSelfFd() {}

    static final int FD = openOnce();

    /** Opens it now, if it is not open yet; returns it, or -1. */
    static int open() {
      return FD;
    }

    private static int openOnce() {
      try {
        return Sys.openat(Sys.AT_FDCWD, "/proc/self/fd", Sys.O_PATH | Sys.O_DIRECTORY, 0);
      } catch (Errno e) {
        return -1;
      }
    }
  }

  /** The parent directory node (retained; the caller releases it) and this node's name. */
  synchronized Located locate() throws Errno {
    if (parent == null || mountRoot) {
      throw new Errno(P9.EBUSY, "operation on the mount root");
    }
    parent.retain();
    return new Located(parent, name);
  }

  record Located(Node dir, String name) implements AutoCloseable {
    @Override
    public void close() {
      dir.release();
    }
  }

  /** Records a successful rename of this file to {@code newName} in {@code newParent}. */
  void moved(Node newParent, String newName) {
    Node old;
    String oldName;
    synchronized (this) {
      newParent.retain();
      old = parent;
      oldName = name;
      parent = newParent;
      name = newName;
    }
    if (!mountRoot) {
      if (old != null) {
        unindex(old, oldName, this);
      }
      index(newParent, newName, this);
    }
    if (old != null) {
      old.release();
    }
  }

  void retain() {
    refs.retain();
  }

  void release() {
    if (refs.release()) {
      if (watched) {
        HostChanges.get().unwatch(this);
      }
      Sys.close(fd);
      Node p;
      String n;
      synchronized (this) {
        p = parent;
        n = name;
        parent = null;
      }
      if (p != null) {
        unindex(p, n, this);
        p.release();
      }
    }
  }
}
