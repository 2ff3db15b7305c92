package io.burrow.linux.sys;

/**
 * Bounded polling before a thread blocks, for the waits on the file-access path (a FUSE request,
 * a 9P request, a 9P reply). Blocking and being woken costs a context switch and often a sleeping
 * CPU's wake-up, which on a virtual machine is tens of microseconds (docs/benchmarks.md measures
 * it), more than the work of a metadata request; a thread that polls for a few microseconds
 * first, yielding the CPU between polls, finds a quick peer's answer without either. Stateless;
 * the budget is {@code -Dburrow.spin.micros} (default 30, 0 turns polling off).
 */
public final class Spin {
  private Spin() {}

  /** The spin budget in nanoseconds. */
  public static final long NANOS = Long.getLong("burrow.spin.micros", 30) * 1000;

  private static final int EAGAIN = 11, EINTR = 4, MSG_DONTWAIT = 0x40;

  /**
   * Like {@link Sys#read} on a socket, but polls without blocking (yielding between polls) for
   * up to {@link #NANOS} first.
   * Returns the bytes read (0 at end of stream).
   */
  public static long recv(int fd, long address, int len) throws Errno {
    if (NANOS > 0) {
      long deadline = System.nanoTime() + NANOS;
      do {
        long r = Sys.C.recv(fd, address, len, MSG_DONTWAIT);
        if (r >= 0) {
          return r;
        }
        int e = Sys.errno();
        if (e != EAGAIN && e != EINTR) {
          throw new Errno(e, "recv fd " + fd);
        }
        Thread.yield();
      } while (System.nanoTime() < deadline);
    }
    while (true) {
      long r = Sys.C.read(fd, address, len);
      if (r >= 0) {
        return r;
      }
      int e = Sys.errno();
      if (e != EINTR) {
        throw new Errno(e, "read fd " + fd);
      }
    }
  }
}
