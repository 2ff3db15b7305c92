package io.burrow.fs.direct;

import io.burrow.api.spec.Mount;
import io.burrow.api.spi.FileAccess;
import io.burrow.api.spi.FileAccessContext;
import io.burrow.api.spi.IoFiles;
import io.burrow.api.spi.MountSources;
import io.burrow.api.spi.ServedMounts;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * {@code --file-access=direct}: no gofer. The host side starts nothing and returns no io files;
 * the sandbox side bind-mounts the rootfs and the spec's bind mounts straight from the host
 * (relative sources are taken from the bundle directory). Stateless and thread-safe.
 */
public final class DirectFileAccess implements FileAccess {
  public static final String NAME = "direct";

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
    Map<Mount, String> binds = new IdentityHashMap<>();
    for (Mount m : ServedMounts.of(context.spec())) {
      binds.put(m, context.bundle().resolve(m.source).normalize().toString());
    }
    return new MountSources(context.rootfs().toString(), binds);
  }
}
