package io.burrow.it;

import io.burrow.tck.FileAccessTck;

/** {@code DirectFileAccess} passes the file-access TCK: host bind mounts, no helper process, no overlay. */
class DirectFileAccessTckTest extends FileAccessTck {
  @Override
  protected String fileAccess() {
    return "direct";
  }
}
