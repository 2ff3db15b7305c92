package io.burrow.linux.sys;

/**
 * The capabilities of the calling thread. Linux keeps them per thread, so each call acts on the
 * thread that makes it and no other; a process that must shed them everywhere either starts its
 * threads after the shedding or changes its uids through glibc (see {@link LibC#setresuid}).
 * Stateless.
 */
public final class ThreadCapabilities {
  private static final int VERSION_3 = 0x20080522, PR_CAPBSET_DROP = 24, CAP_SETPCAP = 8, LAST_CAP = 40;

  private ThreadCapabilities() {}

  /**
   * Limits the calling thread's permitted and effective sets to {@code keep} (what it holds of
   * it), empties its inheritable set, and, while it still holds CAP_SETPCAP, drops every other
   * capability from its bounding set.
   */
  public static void limitTo(long keep) throws Errno {
    int[] header = {VERSION_3, 0};
    int[] data = new int[6];
    Sys.checked(Sys.C.capget(header, data), "capget");
    long permitted = (data[1] & 0xffffffffL) | ((long) data[4] << 32);
    if ((permitted & (1L << CAP_SETPCAP)) != 0) {
      for (int cap = 0; cap <= LAST_CAP; cap++) {
        if ((keep & (1L << cap)) == 0) {
          Sys.C.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
        }
      }
    }
    long kept = permitted & keep;
    int lo = (int) kept, hi = (int) (kept >>> 32);
    Sys.checked(Sys.C.capset(header, new int[] {lo, lo, 0, hi, hi, 0}), "capset");
  }
}
