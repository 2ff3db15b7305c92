package io.burrow.fs.direct;

import io.burrow.plugin.FileAccessPlugin;

/** The {@code direct} file-access plugin: {@link DirectFileAccess}. */
public final class DirectPlugin extends FileAccessPlugin {
  public DirectPlugin() {
    super(DirectFileAccess.NAME, DirectFileAccess.class);
  }
}
