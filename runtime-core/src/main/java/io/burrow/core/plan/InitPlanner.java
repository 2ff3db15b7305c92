package io.burrow.core.plan;

import static io.burrow.core.plan.MountOptions.MS_BIND;
import static io.burrow.core.plan.MountOptions.MS_REC;
import static io.burrow.core.plan.MountOptions.MS_REMOUNT;
import static io.burrow.core.plan.MountOptions.MS_SLAVE;

import io.burrow.api.launch.InitPlan;
import io.burrow.api.launch.Opcode;
import io.burrow.api.spec.Linux;
import io.burrow.api.spec.Mount;
import io.burrow.api.spec.NamespaceType;
import io.burrow.api.spec.Process;
import io.burrow.api.spec.Spec;
import io.burrow.api.spi.MountSources;
import io.burrow.api.spi.Signals;
import io.burrow.core.ContainerException;
import io.burrow.core.bundle.Bundle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The runtime's policy for a container init, written down as an {@link InitPlan}: which
 * namespaces to join or create, how to build the root filesystem (mounts, devices, masked and
 * read-only paths), and the process's identity, capabilities and limits. Follows runc's order of
 * operations. Stateless and thread-safe.
 */
public final class InitPlanner {
  private static final String[][] DEFAULT_DEVICES = {
    {"/dev/null", "1", "3"}, {"/dev/zero", "1", "5"}, {"/dev/full", "1", "7"},
    {"/dev/random", "1", "8"}, {"/dev/urandom", "1", "9"}, {"/dev/tty", "5", "0"},
  };
  private static final String[][] DEV_SYMLINKS = {
    {"/proc/self/fd", "/dev/fd"}, {"/proc/self/fd/0", "/dev/stdin"}, {"/proc/self/fd/1", "/dev/stdout"},
    {"/proc/self/fd/2", "/dev/stderr"}, {"pts/ptmx", "/dev/ptmx"},
  };
  private static final Map<String, Integer> RLIMITS = Map.ofEntries(
      Map.entry("RLIMIT_CPU", 0), Map.entry("RLIMIT_FSIZE", 1), Map.entry("RLIMIT_DATA", 2),
      Map.entry("RLIMIT_STACK", 3), Map.entry("RLIMIT_CORE", 4), Map.entry("RLIMIT_RSS", 5),
      Map.entry("RLIMIT_NPROC", 6), Map.entry("RLIMIT_NOFILE", 7), Map.entry("RLIMIT_MEMLOCK", 8),
      Map.entry("RLIMIT_AS", 9), Map.entry("RLIMIT_LOCKS", 10), Map.entry("RLIMIT_SIGPENDING", 11),
      Map.entry("RLIMIT_MSGQUEUE", 12), Map.entry("RLIMIT_NICE", 13), Map.entry("RLIMIT_RTPRIO", 14),
      Map.entry("RLIMIT_RTTIME", 15));
  private static final int S_IFCHR = 0020000;
  private static final int S_IFBLK = 0060000;
  private static final int S_IFIFO = 0010000;

  private InitPlanner() {}

  /**
   * @param sources where the root and the served bind mounts come from
   * @param startGate the fifo the init blocks on until {@code start}
   * @param sandboxed whether the plan runs in a sandbox process started with {@link #sandboxPlan},
   *     which has joined the spec's namespaces and user namespace already; the init then dies
   *     with the sandbox
   */
  public static InitPlan plan(Bundle bundle, MountSources sources, Path startGate, boolean sandboxed)
      throws ContainerException {
    Spec spec = bundle.spec();
    InitPlan.Builder plan = InitPlan.builder();
    if (!sandboxed) {
      joinNamespaces(spec, plan, false);
      plan.enterUserNamespace(spec);
    } else {
      // The sandbox left the pid namespace to us: a JVM that joined one could start no thread.
      joinPidNamespace(spec, plan);
    }
    plan.op(Opcode.UNSHARE, Integer.toString(newNamespaces(spec)));
    plan.op(Opcode.FORK);
    if (sandboxed) {
      plan.op(Opcode.PDEATHSIG, Integer.toString(Signals.SIGKILL));
    }
    boolean userNs = specNamespaces(spec).stream().anyMatch(ns -> NamespaceType.USER.specName().equals(ns.type));
    try {
      rootfs(bundle, sources, userNs, plan);
    } catch (IOException e) {
      throw new ContainerException("cannot plan the root filesystem of " + bundle.rootfs() + ": " + e.getMessage(), e);
    }
    if (spec.hostname != null && !spec.hostname.isEmpty()) {
      plan.op(Opcode.SETHOSTNAME, spec.hostname);
    }
    if (spec.domainname != null && !spec.domainname.isEmpty()) {
      plan.op(Opcode.SETDOMAINNAME, spec.domainname);
    }
    plan.op(Opcode.OPEN_FIFO, startGate.toString());
    plan.op(Opcode.PIVOT_ROOT, sources.root());
    afterPivot(spec, plan);
    try {
      process(spec.process, plan);
    } catch (IllegalArgumentException e) {
      throw new ContainerException(bundle.dir().resolve("config.json") + ": " + e.getMessage(), e);
    }
    return plan.build();
  }

  /**
   * The plan that starts a sandbox process ({@code argv}): it joins the spec's namespaces that have
   * a path, enters the user namespace, and takes a mount namespace of its own, where it can mount
   * the container's files (FUSE) without the host seeing them.
   */
  public static InitPlan sandboxPlan(Spec spec, List<String> argv, List<String> env) {
    InitPlan.Builder plan = InitPlan.builder();
    joinNamespaces(spec, plan, true);
    plan.enterUserNamespace(spec);
    plan.op(Opcode.UNSHARE, Integer.toString(NamespaceType.MOUNT.cloneFlag()));
    plan.mount("", "/", "", MS_SLAVE | MS_REC, "");
    env.forEach(e -> plan.op(Opcode.ENV, e));
    plan.op(Opcode.RESOLVE_EXEC, argv.get(0));
    plan.op(Opcode.READY);
    plan.op(Opcode.EXEC, argv);
    return plan.build();
  }

  private static List<Linux.Namespace> specNamespaces(Spec spec) {
    return spec.linux.namespaces == null ? List.of() : spec.linux.namespaces;
  }

  /**
   * Joins every namespace given by path except the user namespace, while we still have host
   * privileges. A sandbox ({@code forSandbox}) does not join the pid namespace: setns(CLONE_NEWPID)
   * makes a process's later threads fail (EINVAL), and a JVM needs threads; its init joins it.
   */
  private static void joinNamespaces(Spec spec, InitPlan.Builder plan, boolean forSandbox) {
    for (Linux.Namespace ns : specNamespaces(spec)) {
      NamespaceType type = NamespaceType.fromSpec(ns.type).orElseThrow();
      if (ns.path != null && !ns.path.isEmpty() && type != NamespaceType.USER
          && !(forSandbox && type == NamespaceType.PID)) {
        plan.op(Opcode.SETNS, ns.path, Integer.toString(type.cloneFlag()));
      }
    }
  }

  private static void joinPidNamespace(Spec spec, InitPlan.Builder plan) {
    for (Linux.Namespace ns : specNamespaces(spec)) {
      if (NamespaceType.PID.specName().equals(ns.type) && ns.path != null && !ns.path.isEmpty()) {
        plan.op(Opcode.SETNS, ns.path, Integer.toString(NamespaceType.PID.cloneFlag()));
      }
    }
  }

  /** The clone flags of the namespaces to create, user excepted; created after the user namespace so it owns them. */
  private static int newNamespaces(Spec spec) {
    int flags = 0;
    for (Linux.Namespace ns : specNamespaces(spec)) {
      NamespaceType type = NamespaceType.fromSpec(ns.type).orElseThrow();
      if ((ns.path == null || ns.path.isEmpty()) && type != NamespaceType.USER) {
        flags |= type.cloneFlag();
      }
    }
    return flags;
  }

  /**
   * Where a container path lands in the root the init pivots into: resolved with the rootfs's own
   * symlinks (the served root may not be readable here), then placed under {@code sources.root()}.
   */
  private static String inRoot(Bundle bundle, MountSources sources, String containerPath) throws IOException {
    Path resolved = SecureJoin.join(bundle.rootfs(), containerPath);
    return Path.of(sources.root()).resolve(bundle.rootfs().relativize(resolved)).toString();
  }

  private static void rootfs(Bundle bundle, MountSources sources, boolean userNs, InitPlan.Builder plan)
      throws IOException, ContainerException {
    Spec spec = bundle.spec();
    long propagation = propagation(spec.linux.rootfsPropagation);
    plan.mount("", "/", "", propagation, "");
    plan.mount(sources.root(), sources.root(), "", MS_BIND | MS_REC, "");
    List<Mount> mounts = spec.mounts == null ? List.of() : spec.mounts;
    boolean devMounted = false;
    for (Mount m : mounts) {
      String dest = inRoot(bundle, sources, m.destination);
      MountOptions opts = MountOptions.parse(m.options);
      if (m.isBind()) {
        Path hostSource = bundle.dir().resolve(m.source);
        String source = sources.binds().getOrDefault(m, hostSource.toString());
        bind(plan, source, dest, opts, Files.isDirectory(hostSource));
      } else if ("cgroup".equals(m.type) || "cgroup2".equals(m.type)) {
        // The container sees the host's cgroup tree read-only rather than a fresh hierarchy.
        bind(plan, "/sys/fs/cgroup", dest, MountOptions.parse(List.of("rbind", "ro", "nosuid", "nodev", "noexec")), true);
      } else {
        plan.op(Opcode.MKDIRS, dest, "493");
        plan.mount(m.source, dest, m.type, opts.flags() & ~MS_REC, opts.data());
        if (opts.propagation() != 0) {
          plan.mount("", dest, "", opts.propagation(), "");
        }
      }
      // As runc: a bind-mounted /dev is the host's (docker run -v /dev:/dev); create nothing in it.
      devMounted |= !m.isBind() && Path.of(m.destination).normalize().toString().equals("/dev");
    }
    if (devMounted) {
      devices(bundle, sources, userNs, plan);
    }
  }

  private static void bind(InitPlan.Builder plan, String source, String dest, MountOptions opts, boolean directory) {
    plan.op(directory ? Opcode.MKDIRS : Opcode.MKFILE, directory ? new String[] {dest, "493"} : new String[] {dest});
    plan.mount(source, dest, "", MS_BIND | (opts.flags() & MS_REC), "");
    if (opts.needsRemount()) {
      if ((opts.flags() & ~(MS_BIND | MS_REC | MountOptions.MS_RDONLY)) == 0) {
        // Only read-only: keep whatever flags the source mount has (they may be locked in a user namespace).
        plan.op(Opcode.REMOUNT_RO, dest);
      } else {
        plan.mount("", dest, "", MS_REMOUNT | MS_BIND | (opts.flags() & ~MS_REC), "");
      }
    }
    if (opts.propagation() != 0) {
      plan.mount("", dest, "", opts.propagation(), "");
    }
  }

  private static void devices(Bundle bundle, MountSources sources, boolean userNs, InitPlan.Builder plan)
      throws IOException {
    Spec spec = bundle.spec();
    List<Linux.Device> devices = new ArrayList<>();
    for (String[] d : DEFAULT_DEVICES) {
      devices.add(new Linux.Device(d[0], "c", Long.parseLong(d[1]), Long.parseLong(d[2]), 0666));
    }
    if (spec.linux.devices != null) {
      devices.addAll(spec.linux.devices);
    }
    for (Linux.Device d : devices) {
      String dest = inRoot(bundle, sources, d.path);
      if (userNs) {
        // mknod is not allowed in a user namespace; bind the host's node instead, as runc does.
        plan.op(Opcode.MKFILE, dest);
        plan.mount(d.path, dest, "", MS_BIND, "");
      } else {
        int type = switch (d.type) {
          case "b" -> S_IFBLK;
          case "p" -> S_IFIFO;
          default -> S_IFCHR;
        };
        int mode = type | (d.fileMode == null ? 0666 : d.fileMode & 07777);
        plan.op(Opcode.MKNOD, dest, Integer.toString(mode), String.valueOf(d.major == null ? 0 : d.major),
            String.valueOf(d.minor == null ? 0 : d.minor), String.valueOf(d.uid == null ? 0 : d.uid),
            String.valueOf(d.gid == null ? 0 : d.gid));
      }
    }
    for (String[] link : DEV_SYMLINKS) {
      plan.op(Opcode.SYMLINK, link[0], inRoot(bundle, sources, link[1]));
    }
  }

  private static void afterPivot(Spec spec, InitPlan.Builder plan) {
    if (spec.linux.sysctl != null) {
      spec.linux.sysctl.forEach((key, value) ->
          plan.op(Opcode.WRITE_FILE, "/proc/sys/" + key.replace('.', '/'), value));
    }
    if (spec.linux.maskedPaths != null) {
      spec.linux.maskedPaths.forEach(p -> plan.op(Opcode.MASK, p));
    }
    if (spec.linux.readonlyPaths != null) {
      spec.linux.readonlyPaths.forEach(p -> plan.op(Opcode.READONLY, p));
    }
    if (spec.root != null && Boolean.TRUE.equals(spec.root.readonly)) {
      plan.op(Opcode.REMOUNT_RO, "/");
    }
  }

  private static void process(Process process, InitPlan.Builder plan) {
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
    plan.op(Opcode.SETSID);
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
    plan.op(Opcode.READY);
    plan.op(Opcode.WAIT_START);
    plan.op(Opcode.EXEC, process.args);
  }

  private static long propagation(String name) {
    if (name == null || name.isEmpty()) {
      return MS_SLAVE | MS_REC;
    }
    long p = MountOptions.parse(List.of(name)).propagation();
    return p == 0 ? MS_SLAVE | MS_REC : p;
  }

  /** A limit for the helper: -1 for RLIM_INFINITY (2^64-1) or anything a signed long cannot hold. */
  private static String limit(java.math.BigInteger value) {
    return value == null || value.signum() < 0 || value.bitLength() > 63 ? "-1" : value.toString();
  }
}
