package io.burrow.examples.snapshot;

import io.burrow.plugin.FileAccessPlugin;

/** The {@code snapshot} file-access plugin, registered in {@code META-INF/services/io.burrow.plugin.BurrowPlugin}. */
public final class SnapshotPlugin extends FileAccessPlugin {
  public SnapshotPlugin() {
    super(SnapshotFileAccess.NAME, SnapshotFileAccess.class);
  }
}
