package io.burrow.core.plan;

import io.burrow.api.launch.InitPlan;
import io.burrow.api.launch.Opcode;
import io.burrow.api.spec.Process;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The part of a plan that turns the helper, once it is in the container's namespaces and has its
 * session ({@link InitPlanner#session}), into a spec {@link Process}: oom score, rlimits, cwd, the capability bounding
 * set, groups and ids, capabilities, no_new_privs, umask, environment, and the program resolved
 * on the container's PATH. The same for a container init ({@link InitPlanner}) and an exec'd
 * process ({@link ExecPlanner}), which only differ in what comes after it. Stateless.
 */
final class ProcessSetup {
  private static final Map<String, Integer> RLIMITS = Map.ofEntries(
      Map.entry("RLIMIT_CPU", 0), Map.entry("RLIMIT_FSIZE", 1), Map.entry("RLIMIT_DATA", 2),
      Map.entry("RLIMIT_STACK", 3), Map.entry("RLIMIT_CORE", 4), Map.entry("RLIMIT_RSS", 5),
      Map.entry("RLIMIT_NPROC", 6), Map.entry("RLIMIT_NOFILE", 7), Map.entry("RLIMIT_MEMLOCK", 8),
      Map.entry("RLIMIT_AS", 9), Map.entry("RLIMIT_LOCKS", 10), Map.entry("RLIMIT_SIGPENDING", 11),
      Map.entry("RLIMIT_MSGQUEUE", 12), Map.entry("RLIMIT_NICE", 13), Map.entry("RLIMIT_RTPRIO", 14),
      Map.entry("RLIMIT_RTTIME", 15));

  private ProcessSetup() {}

  /**
   * Appends the ops up to and including RESOLVE_EXEC; the caller adds READY, what waits, and EXEC.
   *
   * @throws IllegalArgumentException naming the {@code process.} field that is wrong
   */
  static void apply(Process process, InitPlan.Builder plan) {
    if (process.oomScoreAdj != null) {
      plan.op(Opcode.WRITE_FILE, "/proc/self/oom_score_adj", process.oomScoreAdj.toString());
    }
    if (process.rlimits != null) {
      for (int i = 0; i < process.rlimits.size(); i++) {
        Process.Rlimit r = process.rlimits.get(i);
        Integer resource = RLIMITS.get(r.type);
        if (resource == null) {
          throw new IllegalArgumentException("process.rlimits[" + i + "].type: unknown rlimit '" + r.type + "'");
        }
        plan.op(Opcode.RLIMIT, resource.toString(), limit(r.soft), limit(r.hard));
      }
    }
    plan.op(Opcode.CHDIR, process.cwd);
    Process.Capabilities caps = process.capabilities;
    if (caps != null) {
      plan.op(Opcode.CAPS_BOUNDING, Long.toUnsignedString(CapabilityNames.mask(caps.bounding, "process.capabilities.bounding")));
    }
    List<String> groups = new ArrayList<>();
    if (process.user.additionalGids != null) {
      process.user.additionalGids.forEach(g -> groups.add(g.toString()));
    }
    plan.op(Opcode.SETGROUPS, groups);
    plan.op(Opcode.SETGID, process.user.gid.toString());
    plan.op(Opcode.SETUID, process.user.uid.toString());
    if (caps != null) {
      long permitted = CapabilityNames.mask(caps.permitted, "process.capabilities.permitted");
      long inheritable = CapabilityNames.mask(caps.inheritable, "process.capabilities.inheritable");
      // The kernel raises an ambient capability only if it is permitted and inheritable (runc skips the rest too).
      long ambient = CapabilityNames.mask(caps.ambient, "process.capabilities.ambient") & permitted & inheritable;
      plan.op(Opcode.CAPS,
          Long.toUnsignedString(CapabilityNames.mask(caps.effective, "process.capabilities.effective")),
          Long.toUnsignedString(permitted), Long.toUnsignedString(inheritable), Long.toUnsignedString(ambient));
    }
    if (Boolean.TRUE.equals(process.noNewPrivileges)) {
      plan.op(Opcode.NO_NEW_PRIVS);
    }
    plan.op(Opcode.UMASK, Integer.toString(process.user.umask == null ? 0022 : process.user.umask));
    if (process.env != null) {
      process.env.forEach(e -> plan.op(Opcode.ENV, e));
    }
    plan.op(Opcode.RESOLVE_EXEC, process.args.get(0));
  }

  /** A limit for the helper: -1 for RLIM_INFINITY (2^64-1) or anything a signed long cannot hold. */
  private static String limit(java.math.BigInteger value) {
    return value == null || value.signum() < 0 || value.bitLength() > 63 ? "-1" : value.toString();
  }
}
