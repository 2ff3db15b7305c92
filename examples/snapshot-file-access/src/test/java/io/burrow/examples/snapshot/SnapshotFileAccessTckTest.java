package io.burrow.examples.snapshot;

import io.burrow.tck.FileAccessTck;

/** The snapshot plugin passes burrow's file-access TCK; its root writes stay in the container's copy. */
class SnapshotFileAccessTckTest extends FileAccessTck {
  @Override
  protected String fileAccess() {
    return SnapshotFileAccess.NAME;
  }

  @Override
  protected boolean rootWritesReachTheHost() {
    return false;
  }
}
