package io.burrow.api.spi;

import java.util.List;
import java.util.OptionalInt;

/**
 * What the host side of a {@link FileAccess} produced for one container: the sandbox ends of its
 * io files, in mount order (root first), and the pid of the process serving them, if any. The
 * caller owns the files and closes them once they have been handed to the sandbox.
 */
public record IoFiles(List<IoFile> files, OptionalInt serverPid) implements AutoCloseable {
  public IoFiles {
    files = List.copyOf(files);
  }

  /** No files and no server: the sandbox reaches host files itself. */
  public static IoFiles none() {
    return new IoFiles(List.of(), OptionalInt.empty());
  }

  @Override
  public void close() {
    files.forEach(IoFile::close);
  }
}
