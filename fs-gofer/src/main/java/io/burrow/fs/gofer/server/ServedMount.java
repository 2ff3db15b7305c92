package io.burrow.fs.gofer.server;

import io.burrow.linux.sys.Errno;
import io.burrow.linux.sys.Sys;

/**
 * One served directory: its host path (for messages only), an O_PATH fd of it opened before the
 * gofer confined itself, and whether every mutating request is refused with EROFS. Owns
 * {@link #rootFd}; {@link #close()} closes it. Immutable apart from closing; thread-safe.
 */
public final class ServedMount implements AutoCloseable {
  private final String hostPath;
  private final boolean readOnly;
  private final boolean deviceNodes;
  private int rootFd;
  /** For a single-file mount: the file's name in the directory {@link #rootFd} refers to. */
  private final String fileName;

  private ServedMount(String hostPath, boolean readOnly, boolean deviceNodes, int rootFd, String fileName) {
    this.hostPath = hostPath;
    this.readOnly = readOnly;
    this.deviceNodes = deviceNodes;
    this.rootFd = rootFd;
    this.fileName = fileName;
  }

  /**
   * Opens {@code hostPath} (an absolute path, resolved normally: it is the operator's choice) as a
   * mount root. Symlinks are followed to the end, as mount(2) follows them in a bind's source
   * (Docker's {@code --init} binds /usr/bin/docker-init, a link to tini). A directory is served as
   * a tree; any other file (a file bind mount) is served alone, with its real parent directory
   * kept only to reopen it.
   *
   * <p>{@code deviceNodes}: whether Tmknod may make block and character devices, as it may for a
   * container that holds CAP_MKNOD outside a user namespace. They are made, statted, chowned,
   * renamed and unlinked like any file, and never opened by the gofer (see {@link HostFile}).
   */
  public static ServedMount open(String hostPath, boolean readOnly, boolean deviceNodes) throws Errno {
    String real;
    try {
      real = java.nio.file.Path.of(hostPath).toRealPath().toString();
    } catch (java.nio.file.NoSuchFileException e) {
      throw new Errno(2, "cannot serve " + hostPath + ": it does not exist");
    } catch (java.io.IOException e) {
      throw new Errno(5, "cannot serve " + hostPath + ": " + e.getMessage());
    }
    int fd = Sys.openat(Sys.AT_FDCWD, real, Sys.O_PATH, 0);
    try {
      if (Sys.fstat(fd).isDir()) {
        return new ServedMount(hostPath, readOnly, deviceNodes, fd, null);
      }
    } catch (Errno e) {
      Sys.close(fd);
      throw e;
    }
    Sys.close(fd);
    java.nio.file.Path p = java.nio.file.Path.of(real);
    if (p.getParent() == null || p.getFileName() == null) {
      throw new Errno(22, "cannot serve " + hostPath);
    }
    int dir = Sys.openat(Sys.AT_FDCWD, p.getParent().toString(), Sys.O_PATH | Sys.O_DIRECTORY, 0);
    return new ServedMount(hostPath, readOnly, deviceNodes, dir, p.getFileName().toString());
  }

  /**
   * Serves this mount on {@code fd} (a connected AF_UNIX stream socket, now owned by the server)
   * with a fresh fid table, reporting host changes to Tnotify once {@link HostChanges#enable} ran.
   * The mount stays owned by the caller and must outlive the connection.
   */
  public io.burrow.p9.server.Connection serveOn(io.burrow.p9.server.NinePServer server, int fd) {
    io.burrow.p9.server.FileServer files = new io.burrow.p9.server.FileServer(
        () -> new HostFile(newRootNode(), deviceNodes), readOnly, HostFile::errors,
        io.burrow.p9.server.FileServer.MAX_FIDS, HostChanges.get());
    return server.serve(new io.burrow.fs.gofer.FdTransport(fd), files, toString());
  }

  public String hostPath() {
    return hostPath;
  }

  public boolean readOnly() {
    return readOnly;
  }

  /** A new root node for one connection; it owns a dup of the root fd. */
  Node newRootNode() throws Errno {
    int fd = Sys.openat2(rootFd, ".", Sys.O_PATH | Sys.O_DIRECTORY, 0, Node.RESOLVE);
    if (fileName != null) {
      int ffd = -1;
      try {
        ffd = Sys.openat2(rootFd, fileName, Sys.O_PATH | Sys.O_NOFOLLOW, 0, Node.RESOLVE);
        return Node.fileRoot(fd, fileName, ffd);
      } catch (Errno e) {
        Sys.close(fd);
        Sys.close(ffd);
        throw e;
      }
    }
    try {
      return Node.root(fd);
    } catch (Errno e) {
      Sys.close(fd);
      throw e;
    }
  }

  @Override
  public synchronized void close() {
    Sys.close(rootFd);
    rootFd = -1;
  }

  @Override
  public String toString() {
    return hostPath + (readOnly ? " (ro)" : "");
  }
}
