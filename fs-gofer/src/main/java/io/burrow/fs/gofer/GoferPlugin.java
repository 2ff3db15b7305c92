package io.burrow.fs.gofer;

import io.burrow.plugin.FileAccessPlugin;

/** The {@code gofer} file-access plugin: {@link GoferFileAccess}. */
public final class GoferPlugin extends FileAccessPlugin {
  public GoferPlugin() {
    super(GoferFileAccess.NAME, GoferFileAccess.class);
  }
}
