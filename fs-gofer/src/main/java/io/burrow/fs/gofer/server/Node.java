package io.burrow.fs.gofer.server;

import io.burrow.p9.P9;
import io.burrow.p9.Qid;
import io.burrow.linux.sys.Errno;
import io.burrow.linux.sys.Sys;
import java.util.concurrent.atomic.AtomicInteger;

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

  final int fd;
  final int fileType;
  /** A mount root: never unlinked or renamed through 9P, even when it has a (hidden) parent. */
  final boolean mountRoot;
  private final AtomicInteger refs = new AtomicInteger(1);
  private Node parent; // guarded by this; null only for a mount root
  private String name; // guarded by this

  private Node(int fd, Node parent, String name, int fileType) {
    this(fd, parent, name, fileType, false);
  }

  private Node(int fd, Node parent, String name, int fileType, boolean mountRoot) {
    this.mountRoot = mountRoot;
    this.fd = fd;
    this.parent = parent;
    this.name = name;
    this.fileType = fileType;
  }

  /** Takes ownership of {@code rootFd}, an O_PATH fd of a directory. */
  static Node root(int rootFd) throws Errno {
    Sys.Stat st = Sys.fstat(rootFd);
    if (!st.isDir()) {
      throw new Errno(P9.ENOTDIR, "mount root is not a directory");
    }
    return new Node(rootFd, null, "", Sys.S_IFDIR, true);
  }

  /**
   * A mount root that is a single file (a file bind mount): {@code dirFd} is its parent directory,
   * used only to reopen it and never reachable by a walk (walks have no ".."). Takes ownership of
   * both fds.
   */
  static Node fileRoot(int dirFd, String fileName, int fileFd) throws Errno {
    Node dir = new Node(dirFd, null, "", Sys.S_IFDIR, true);
    Sys.Stat st = Sys.fstat(fileFd);
    return new Node(fileFd, dir, fileName, st.fileType(), true);
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
      return new Node(cfd, this, n, st.fileType());
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
   * directory reopens itself through "."; anything else through its parent and name, with
   * O_NOFOLLOW and the confined resolver, and is then checked to still be the same inode, so a
   * rename race yields ESTALE rather than a different file. The caller owns the returned fd.
   */
  int reopen(int flags) throws Errno {
    if (isDir()) {
      return Sys.openat2(fd, ".", flags | Sys.O_DIRECTORY, 0, RESOLVE);
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
    synchronized (this) {
      newParent.retain();
      old = parent;
      parent = newParent;
      name = newName;
    }
    if (old != null) {
      old.release();
    }
  }

  void retain() {
    if (refs.getAndIncrement() <= 0) {
      throw new IllegalStateException("node retained after release");
    }
  }

  void release() {
    if (refs.decrementAndGet() == 0) {
      Sys.close(fd);
      Node p;
      synchronized (this) {
        p = parent;
        parent = null;
      }
      if (p != null) {
        p.release();
      }
    }
  }
}
