package io.burrow.p9;

import java.io.IOException;

/**
 * An error with a Linux errno, the error space of 9P2000.L: what a server replies in Rlerror, and
 * what {@link io.burrow.p9.client.NinePClient} throws when it gets one. A server-side
 * {@link io.burrow.p9.server.Session} throws it to choose the errno its client sees. Immutable.
 */
public class P9Error extends IOException {
  private static final long serialVersionUID = 1L;
  private final int errno;

  /** {@code message} says what failed; the errno is appended to it. */
  public P9Error(int errno, String message) {
    super(message + ": errno " + errno);
    this.errno = errno;
  }

  /** Wraps another errno-carrying failure (a failed system call) without losing it. */
  public P9Error(int errno, IOException cause) {
    super(cause.getMessage(), cause);
    this.errno = errno;
  }

  public int errno() {
    return errno;
  }
}
