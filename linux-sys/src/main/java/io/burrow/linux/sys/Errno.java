package io.burrow.linux.sys;

import java.io.IOException;

/** A failed system call: which call, on what, and the Linux errno it returned. */
public final class Errno extends IOException {
  private static final long serialVersionUID = 1L;
  private final int errno;

  public Errno(int errno, String message) {
    super(message + ": errno " + errno);
    this.errno = errno;
  }

  public int errno() {
    return errno;
  }
}
