package io.burrow.linux.sys;

import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * A seccomp filter that a process installs on itself, built with libseccomp (which writes the
 * architecture checks): a default action, then rules by system call name. For a process that
 * confines itself, such as the gofer; a container's {@code linux.seccomp} is compiled by
 * namespace-linux instead and installed by the init. Names this architecture lacks are skipped.
 *
 * <p>Not thread-safe; {@link #loadOnEveryThread} may be called once. {@link #preload} loads
 * libseccomp, so that loading works where the file system is out of reach (after a chroot).
 */
public final class SeccompFilter {
  private static final int SCMP_CMP_EQ = 4;

  private record Rule(String name, int action, Long arg0Equals) {}

  private final int defaultAction;
  private final List<Rule> rules = new ArrayList<>();

  private SeccompFilter(int defaultAction) {
    this.defaultAction = defaultAction;
  }

  /** A filter whose unlisted calls kill the whole process (SECCOMP_RET_KILL_PROCESS, logged by the kernel). */
  public static SeccompFilter killProcessByDefault() {
    return new SeccompFilter(LibSeccomp.SCMP_ACT_KILL_PROCESS);
  }

  /** Loads libseccomp now. */
  public static void preload() {
    Holder.LIB.seccomp_version();
  }

  private static final class Holder {
    static final LibSeccomp LIB = LibSeccomp.load();
  }

  public SeccompFilter allow(List<String> names) {
    names.forEach(n -> rules.add(new Rule(n, LibSeccomp.SCMP_ACT_ALLOW, null)));
    return this;
  }

  /** Allows {@code name} only when its first argument equals {@code value} exactly. */
  public SeccompFilter allowIfFirstArgumentIs(String name, long value) {
    rules.add(new Rule(name, LibSeccomp.SCMP_ACT_ALLOW, value));
    return this;
  }

  /** Makes {@code name} fail with {@code errno} without running. */
  public SeccompFilter fail(String name, int errno) {
    rules.add(new Rule(name, LibSeccomp.SCMP_ACT_ERRNO | errno, null));
    return this;
  }

  /**
   * Installs the filter on every thread of the calling process (SCMP_FLTATR_CTL_TSYNC), with
   * no_new_privs. Threads created later inherit it.
   *
   * @throws Errno if libseccomp or the kernel refuses; nothing is installed then
   */
  public void loadOnEveryThread() throws Errno {
    LibSeccomp lib = Holder.LIB;
    Pointer ctx = lib.seccomp_init(defaultAction);
    if (ctx == null) {
      throw new Errno(12, "seccomp_init");
    }
    try {
      check(lib.seccomp_attr_set(ctx, LibSeccomp.SCMP_FLTATR_CTL_TSYNC, 1), "seccomp_attr_set TSYNC");
      for (Rule rule : rules) {
        int nr = lib.seccomp_syscall_resolve_name(rule.name());
        if (nr < 0) {
          continue; // not a call of this architecture (fstat on aarch64, say): nothing to allow
        }
        Pointer args = rule.arg0Equals() == null ? null : firstArgumentEquals(rule.arg0Equals());
        check(lib.seccomp_rule_add_array(ctx, rule.action(), nr, args == null ? 0 : 1, args),
            "seccomp rule for " + rule.name());
      }
      check(lib.seccomp_load(ctx), "seccomp_load");
    } finally {
      lib.seccomp_release(ctx);
    }
  }

  private static Pointer firstArgumentEquals(long value) {
    // struct scmp_arg_cmp { unsigned int arg; enum scmp_compare op; scmp_datum_t datum_a, datum_b; }
    Pointer cmp = Memory.allocateDirect(Runtime.getSystemRuntime(), LibSeccomp.ARG_CMP_SIZE, true);
    cmp.putInt(0, 0);
    cmp.putInt(4, SCMP_CMP_EQ);
    cmp.putLong(8, value);
    cmp.putLong(16, 0);
    return cmp;
  }

  private static void check(int rc, String what) throws Errno {
    if (rc < 0) {
      throw new Errno(-rc, what);
    }
  }
}
