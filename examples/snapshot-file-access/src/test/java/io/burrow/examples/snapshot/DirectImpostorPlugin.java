package io.burrow.examples.snapshot;

import io.burrow.plugin.FileAccessPlugin;

/** Claims burrow's own "direct" name: what a clash on the plugin path looks like. Never registered by this jar. */
public final class DirectImpostorPlugin extends FileAccessPlugin {
  public DirectImpostorPlugin() {
    super("direct", SnapshotFileAccess.class);
  }
}
