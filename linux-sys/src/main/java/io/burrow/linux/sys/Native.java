package io.burrow.linux.sys;

import jnr.ffi.Runtime;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/**
 * The process-wide native handles, loaded once on first use: libc through {@link LibC} (the one
 * instance {@link Sys} uses too) and jnr-posix. Also the Linux constants burrow uses. Thread-safe.
 */
public final class Native {
  public static final int AF_UNIX = 1;
  public static final int SOCK_STREAM = 1;
  public static final int SOCK_CLOEXEC = 0x80000;
  public static final int F_DUPFD_CLOEXEC = 1030;
  public static final int O_RDONLY = 0;
  public static final int O_WRONLY = 1;
  public static final int O_NONBLOCK = 0x800;
  public static final int O_CLOEXEC = 0x80000;
  public static final int EINTR = 4;
  public static final int EAGAIN = 11;
  public static final int ESRCH = 3;
  public static final short POSIX_SPAWN_SETSIGDEF = 0x04;
  public static final short POSIX_SPAWN_SETSIGMASK = 0x08;
  public static final long SYS_PIVOT_ROOT = 155;
  public static final long SYS_SECCOMP = 317;
  public static final int EFAULT = 14;

  private static final class Holder {
    static final POSIX POSIX = POSIXFactory.getNativePOSIX();
  }

  private Native() {}

  /**
   * Points fds 0, 1 and 2 at {@code /dev/null}: for a long-lived helper (a gofer, a sandbox) whose
   * inherited stdio belongs to the container or to a client that waits for its pipes to close.
   */
  public static void releaseStdio() throws java.io.IOException {
    int devNull = libc().openat(Sys.AT_FDCWD, Sys.cstr("/dev/null"), Sys.O_RDWR | O_CLOEXEC, 0);
    if (devNull < 0) {
      throw new java.io.IOException(error("open /dev/null"));
    }
    try {
      for (int fd = 0; fd <= 2; fd++) {
        if (libc().dup2(devNull, fd) < 0) {
          throw new java.io.IOException(error("dup2 /dev/null onto fd " + fd));
        }
      }
    } finally {
      libc().close(devNull);
    }
  }

  public static LibC libc() {
    return Sys.C;
  }

  public static POSIX posix() {
    return Holder.POSIX;
  }

  public static Runtime runtime() {
    return Sys.RT;
  }

  /**
   * strerror(3) of {@code errno}. Through {@link LibC}, as {@link #kill}: loading jnr-posix costs a
   * short CLI call more than 100 ms, so the calls every command makes avoid it.
   */
  public static String strerror(int errno) {
    return libc().strerror(errno);
  }

  /** kill(2); -1 with {@link #errno()} set on failure. */
  public static int kill(int pid, int signal) {
    return libc().kill(pid, signal);
  }

  /** errno of the last failed call on this thread. */
  public static int errno() {
    return Sys.errno();
  }

  /** "what: strerror(errno)", for exceptions. */
  public static String error(String what) {
    int errno = errno();
    return what + ": " + strerror(errno) + " (errno " + errno + ")";
  }
}
