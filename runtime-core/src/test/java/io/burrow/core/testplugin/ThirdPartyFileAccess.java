package io.burrow.core.testplugin;

import io.burrow.api.spi.FileAccess;
import io.burrow.api.spi.FileAccessContext;
import io.burrow.api.spi.IoFiles;
import io.burrow.api.spi.MountSources;
import java.util.Map;

/**
 * A file-access plugin that is not part of burrow, registered only through this test tree's
 * {@code META-INF/services/io.burrow.api.spi.FileAccess}: the extension story of the plugin SPI.
 */
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
