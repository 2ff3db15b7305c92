package io.burrow.core.testplugin;

import io.burrow.api.spi.FileAccess;
import io.burrow.api.spi.FileAccessContext;
import io.burrow.api.spi.IoFiles;
import io.burrow.api.spi.MountSources;
import java.util.Map;

/** What {@link ThirdPartyPlugin} binds: the bundle's rootfs as is, with no served mounts. */
public final class ThirdPartyFileAccess implements FileAccess {
  public static final String NAME = "third-party";

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
    return new MountSources(context.rootfs().toString(), Map.of());
  }
}
