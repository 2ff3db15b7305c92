package io.burrow.fuse;

import io.burrow.linux.sys.Errno;
import io.burrow.linux.sys.Sys;
import io.burrow.linux.sys.Native;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A FUSE mount made without libfuse: opens {@code /dev/fuse} and mounts a {@code fuse.burrow}
 * filesystem served through that fd at a target directory, with {@code mount(2)} and the options
 * {@code fd=N,rootmode=40000,user_id=U,group_id=G,allow_other,default_permissions}.
 *
 * <p>Must be created in the user namespace that will own the mount (the kernel refuses, with
 * EINVAL, an fd opened in another one) and in the mount namespace that should see it. Owns the
 * {@code /dev/fuse} fd: {@link #close()} lazily unmounts (MNT_DETACH) and closes the fd, once; the
 * fd is opened O_CLOEXEC|O_NONBLOCK so it never leaks into spawned processes and readers can be
 * woken for shutdown. Thread-safe.
 */
public final class FuseMount implements AutoCloseable {
  private static final long MS_NOSUID = 2, MS_NODEV = 4;
  private static final int MNT_DETACH = 2;
  private static final int EINVAL = 22, ENOENT = 2;

  /** The kernel's FUSE device. */
  public static final Path DEVICE = Path.of("/dev/fuse");

  private final Path target;
  private final int fd;
  private boolean mounted; // guarded by this
  private boolean closed; // guarded by this

  private FuseMount(Path target, int fd) {
    this.target = target;
    this.fd = fd;
  }

  /** Mounts with the container root's ids (0/0 as seen in the caller's user namespace). */
  public static FuseMount mount(Path target) throws IOException {
    return mount(target, 0, 0);
  }

  /**
   * Opens {@code /dev/fuse} and mounts it at {@code target} (an existing directory). {@code uid}
   * and {@code gid} name the mount's owner for the kernel's {@code allow_other} checks. On failure
   * nothing stays open or mounted.
   */
  public static FuseMount mount(Path target, int uid, int gid) throws IOException {
    return mount(target, DEVICE, Sys.S_IFDIR, uid, gid);
  }

  /**
   * As {@link #mount(Path, int, int)} with an explicit device node (a private copy of
   * {@code /dev/fuse} that the sandbox's user may open) and root file type ({@code S_IFREG} for a
   * bind-mounted file, whose target must then be a file).
   */
  public static FuseMount mount(Path target, Path device, int rootType, int uid, int gid) throws IOException {
    return mount("burrow", target, device, rootType, uid, gid);
  }

  /**
   * As {@link #mount(Path, Path, int, int, int)}, with {@code source} as mount(2)'s source: the
   * kernel shows it as the mount's source in /proc/self/mountinfo and /proc/mounts, where tools
   * (findmnt, the runtime-spec's checks) look for the host path a bind mount comes from.
   */
  public static FuseMount mount(String source, Path target, Path device, int rootType, int uid, int gid)
      throws IOException {
    int fd = Sys.openat(Sys.AT_FDCWD, device.toString(), Sys.O_RDWR | Sys.O_NONBLOCK, 0);
    String opts = "fd=" + fd + ",rootmode=" + Integer.toOctalString(rootType) + ",user_id=" + uid + ",group_id=" + gid
        + ",allow_other,default_permissions";
    if (Native.libc().mount(source, target.toString(), "fuse.burrow", MS_NOSUID | MS_NODEV, opts) != 0) {
      int e = Native.errno();
      Sys.close(fd);
      throw new Errno(e, "mount fuse.burrow at " + target + " (" + opts + ")"
          + (e == EINVAL ? " refused with EINVAL (bad options, a root type that does not fit the target, or"
              + " /dev/fuse opened outside the mounting user namespace)" : ""));
    }
    FuseMount m = new FuseMount(target, fd);
    m.mounted = true;
    return m;
  }

  /** The {@code /dev/fuse} fd, owned by this object; valid until {@link #close()}. */
  public int fd() {
    return fd;
  }

  public Path target() {
    return target;
  }

  /**
   * Detaches the mount (idempotent). Processes still using files see them until they let go;
   * the connection ends when the last one does or when {@link #close()} closes the fd.
   */
  public synchronized void unmount() throws Errno {
    if (!mounted) {
      return;
    }
    mounted = false;
    if (Native.libc().umount2(target.toString(), MNT_DETACH) != 0) {
      int e = Native.errno();
      if (e != EINVAL && e != ENOENT) { // already gone (e.g. unmounted from outside)
        throw new Errno(e, "umount2 " + target);
      }
    }
  }

  /** Unmounts (MNT_DETACH) and closes the fd, which aborts the FUSE connection. Idempotent. */
  @Override
  public synchronized void close() throws Errno {
    if (closed) {
      return;
    }
    try {
      unmount();
    } finally {
      closed = true;
      Sys.close(fd);
    }
  }

  @Override
  public String toString() {
    return "fuse.burrow at " + target + " (fd " + fd + ")";
  }
}
