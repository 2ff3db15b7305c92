package io.burrow.fs.gofer;

import io.burrow.api.spi.IoFile;
import io.burrow.fs.gofer.sys.Sys;
import java.util.concurrent.atomic.AtomicBoolean;

/** An {@link IoFile} over a raw fd this object owns; {@link #close()} closes it once. Thread-safe. */
final class FdIoFile implements IoFile {
  private final int fd;
  private final String description;
  private final AtomicBoolean closed = new AtomicBoolean();

  FdIoFile(int fd, String description) {
    this.fd = fd;
    this.description = description;
  }

  @Override
  public int fd() {
    return fd;
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      Sys.close(fd);
    }
  }

  @Override
  public String toString() {
    return description + " (fd " + fd + ")";
  }
}
