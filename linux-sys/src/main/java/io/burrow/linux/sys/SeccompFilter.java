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

  /**
   * What the JVM and glibc make whatever the program does: memory, threads, locks, time, signals
   * and exit, seen with strace on JDK 17 and 25. Signals go only to the process's own threads. A
   * thread may be made (clone with glibc's pthread_create flags, nothing else: no fork); clone3
   * answers ENOSYS, so that glibc falls back to clone, whose flags a filter can read.
   */
  public SeccompFilter allowTheJvm() {
    allow(JVM);
    // pthread_kill: a signal to one of its own threads, never to another process
    allowIfFirstArgumentIs("tgkill", ProcessHandle.current().pid());
    allowIfFirstArgumentIs("clone", THREAD_CLONE_FLAGS);
    return fail("clone3", ENOSYS);
  }

  private static final List<String> JVM = List.of(
      "futex", "mmap", "munmap", "mprotect", "madvise", "mremap", "brk", "membarrier", "set_robust_list",
      "rseq", "sigaltstack", "gettid", "getpid", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
      "restart_syscall", "sched_yield", "sched_getaffinity", "sysinfo", "prctl", "prlimit64", "getrusage",
      "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "getrandom", "uname",
      "getuid", "geteuid", "getgid", "getegid", "capget", "exit", "exit_group",
      // the JVM removes its own files as it exits; in an empty chroot nothing is there to remove
      "unlink");

  /** glibc's pthread_create: CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID. */
  static final long THREAD_CLONE_FLAGS = 0x3d0f00L;
  private static final int ENOSYS = 38;

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
