package io.burrow.fs.direct;

import io.burrow.api.spi.FileAccess;
import io.burrow.api.spi.FileAccessContext;
import io.burrow.api.spi.IoFiles;
import io.burrow.api.spi.MountSources;
import io.burrow.api.spi.ServedMounts;
import io.burrow.linux.sys.Native;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code --file-access=direct}: no gofer. The host side starts nothing and returns no io files;
 * the sandbox side bind-mounts the rootfs and the spec's bind mounts straight from the host
 * (relative sources are taken from the bundle directory); {@link #release} detaches what a
 * container without a mount namespace of its own mounted in the runtime's. Stateless and
 * thread-safe.
 */
public final class DirectFileAccess implements FileAccess {
  public static final String NAME = "direct";
  private static final int MNT_DETACH = 2, ENOENT = 2, EINVAL = 22;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public IoFiles createIoFiles(FileAccessContext context) {
    return IoFiles.none();
  }

  @Override
  public MountSources mountSources(FileAccessContext context, IoFiles ioFiles) {
    return new MountSources(context.rootfs().toString(), ServedMounts.hostSources(context));
  }

  /**
   * Detaches, with everything mounted under it, the root that a container sharing the runtime's
   * mount namespace was given at {@link FileAccessContext#SHARED_NAMESPACE_ROOT}: its mounts are
   * in our namespace and would outlive the container (runc leaves them behind). A lazy detach, so
   * a process still inside keeps what it has. Nothing mounted there is fine; idempotent.
   */
  @Override
  public void release(FileAccessContext context) throws IOException {
    Path root = context.stateDir().resolve(FileAccessContext.SHARED_NAMESPACE_ROOT);
    if (Native.libc().umount2(root.toString(), MNT_DETACH) != 0) {
      int e = Native.errno();
      if (e != EINVAL && e != ENOENT) { // not mounted, or no such directory: nothing to do
        throw new IOException("cannot detach the root of container " + context.containerId() + " at " + root
            + ": errno " + e);
      }
    }
  }
}
