package io.burrow.it;

import io.burrow.tck.FileAccessTck;

/** {@code GoferFileAccess} passes the file-access TCK: FUSE over 9P from a gofer, with an overlay. */
class GoferFileAccessTckTest extends FileAccessTck {
  @Override
  protected String fileAccess() {
    return "gofer";
  }

  @Override
  protected boolean overlay() {
    return true;
  }
}
