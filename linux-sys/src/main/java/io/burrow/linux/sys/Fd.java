package io.burrow.linux.sys;

import io.burrow.api.spi.IoFile;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An owned file descriptor. The holder closes it once; {@link #close()} is idempotent and
 * thread-safe, so a clean-up path may close what a success path already closed.
 */
public final class Fd implements IoFile {
  private final int fd;
  private final String description;
  private final AtomicBoolean closed = new AtomicBoolean();

  public Fd(int fd, String description) {
    if (fd < 0) {
      throw new IllegalArgumentException("invalid fd " + fd + " for " + description);
    }
    this.fd = fd;
    this.description = description;
  }

  @Override
  public int fd() {
    if (closed.get()) {
      throw new IllegalStateException(description + " (fd " + fd + ") is closed");
    }
    return fd;
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      Native.libc().close(fd);
    }
  }

  /** An AF_UNIX stream socketpair, both ends close-on-exec. */
  public static Fd[] socketpair(String what) {
    int[] fds = new int[2];
    if (Native.libc().socketpair(Native.AF_UNIX, Native.SOCK_STREAM | Native.SOCK_CLOEXEC, 0, fds) < 0) {
      throw new IllegalStateException(Native.error("socketpair for " + what));
    }
    return new Fd[] {new Fd(fds[0], what + " (parent end)"), new Fd(fds[1], what + " (child end)")};
  }

  @Override
  public String toString() {
    return description + " (fd " + fd + ")";
  }
}
