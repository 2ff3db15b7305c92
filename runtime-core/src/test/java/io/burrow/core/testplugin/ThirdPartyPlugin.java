package io.burrow.core.testplugin;

import io.burrow.plugin.FileAccessPlugin;

/**
 * A plugin that is not part of burrow, registered only through this test tree's
 * {@code META-INF/services/io.burrow.plugin.BurrowPlugin}: the extension story of the plugin SPI.
 */
public final class ThirdPartyPlugin extends FileAccessPlugin {
  public ThirdPartyPlugin() {
    super(ThirdPartyFileAccess.NAME, ThirdPartyFileAccess.class);
  }
}
