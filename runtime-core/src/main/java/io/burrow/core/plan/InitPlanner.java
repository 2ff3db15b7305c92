package io.burrow.core.plan;

import static io.burrow.core.plan.MountOptions.MS_BIND;
import static io.burrow.core.plan.MountOptions.MS_PRIVATE;
import static io.burrow.core.plan.MountOptions.MS_REC;
import static io.burrow.core.plan.MountOptions.MS_REMOUNT;
import static io.burrow.core.plan.MountOptions.MS_SHARED;
import static io.burrow.core.plan.MountOptions.MS_SLAVE;

import io.burrow.api.launch.InitPlan;
import io.burrow.api.launch.Opcode;
import io.burrow.api.spec.Linux;
import io.burrow.api.spec.Mount;
import io.burrow.api.spec.NamespaceType;
import io.burrow.api.spec.Process;
import io.burrow.api.spec.Spec;
import io.burrow.api.spi.CgroupManager.Hierarchies;
import io.burrow.api.spi.FileAccessContext;
import io.burrow.api.spi.MountSources;
import io.burrow.api.spi.SeccompProgram;
import io.burrow.api.spi.Signals;
import io.burrow.core.ContainerException;
import io.burrow.core.bundle.Bundle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
  /** The container's pty multiplexer: a link to its own devpts's {@code pts/ptmx}. */
  static final String PTMX = "/dev/ptmx";
  /** Where runc binds the init's terminal. */
  static final String CONSOLE = "/dev/console";
  private static final int S_IFCHR = 0020000;
  private static final int S_IFBLK = 0060000;
  private static final int S_IFIFO = 0010000;

  private InitPlanner() {}

  /**
   * @param sources where the root and the served bind mounts come from
   * @param stateDir the container's state directory; a container that shares the runtime's mount
   *     namespace (no {@code mount} in {@code linux.namespaces}) gets its root at {@link
   *     FileAccessContext#SHARED_NAMESPACE_ROOT} there, which {@code delete} detaches
   * @param startGate the fifo the init blocks on until {@code start}
   * @param sandboxed whether the plan runs in a sandbox process started with {@link #sandboxPlan},
   *     which has joined the spec's namespaces and user namespace already; the init then dies
   *     with the sandbox
   * @param seccomp the container's compiled {@code linux.seccomp}, installed last (see {@link #seccomp})
   * @param cgroup where the container's cgroup is in each hierarchy ({@link Hierarchies#NONE} when it
   *     has none): what a {@code cgroup} mount of the spec shows ({@link CgroupMount})
   */
  public static InitPlan plan(Bundle bundle, MountSources sources, Path stateDir, Path startGate, boolean sandboxed,
      Optional<SeccompProgram> seccomp, Hierarchies cgroup) throws ContainerException {
    Spec spec = bundle.spec();
    InitPlan.Builder plan = InitPlan.builder();
    if (!sandboxed) {
      joinNamespaces(spec, plan, false);
      plan.enterUserNamespace(spec);
    } else {
      // The sandbox left the pid namespace to us: a JVM that joined one could start no thread.
      joinPidNamespace(spec, plan);
    }
    int cgroupNs = NamespaceType.CGROUP.cloneFlag();
    plan.op(Opcode.UNSHARE, Integer.toString(newNamespaces(spec) & ~cgroupNs));
    plan.op(Opcode.FORK);
    if (sandboxed) {
      plan.op(Opcode.PDEATHSIG, Integer.toString(Signals.SIGKILL));
    }
    if ((newNamespaces(spec) & cgroupNs) != 0) {
      // As runc: the cgroup namespace only once the launcher moved the forked init into the
      // container's cgroup (before its go), so that the namespace's root is that cgroup.
      plan.op(Opcode.UNSHARE, Integer.toString(cgroupNs));
    }
    boolean userNs = specNamespaces(spec).stream().anyMatch(ns -> NamespaceType.USER.specName().equals(ns.type));
    // As runc: a new or joined mount namespace gets the rootfs bound onto itself and pivot_root;
    // without one the mounts happen in the runtime's namespace and the init chroots. Unlike runc,
    // which mounts over the bundle's rootfs there and leaves the mounts behind, burrow assembles
    // that root under the state directory, so that delete can detach it all at once.
    boolean mountNs = specNamespaces(spec).stream().anyMatch(ns -> NamespaceType.MOUNT.specName().equals(ns.type));
    String root = mountNs ? sources.root() : stateDir.resolve(FileAccessContext.SHARED_NAMESPACE_ROOT).toString();
    // As runc: a cgroup namespace of the spec's, new or joined, gets fresh cgroup mounts.
    boolean inCgroupNs = specNamespaces(spec).stream().anyMatch(ns -> NamespaceType.CGROUP.specName().equals(ns.type));
    boolean devMounted;
    try {
      devMounted = rootfs(bundle, sources, root, mountNs, userNs, cgroup, inCgroupNs, plan);
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
    if (mountNs) {
      long propagation = propagation(spec.linux.rootfsPropagation);
      if ((propagation & MS_SHARED) != 0) {
        // pivot_root refuses a shared current root too; it is detached right after the pivot.
        plan.mount("", "/", "", MS_PRIVATE, "");
      }
      plan.op(Opcode.PIVOT_ROOT, root);
      if (spec.linux.rootfsPropagation != null && !spec.linux.rootfsPropagation.isEmpty()) {
        // As runc: the spec's propagation is the container root's, applied once it is the root.
        plan.mount("", "/", "", propagation, "");
      }
    } else {
      plan.op(Opcode.CHROOT, root);
    }
    // As runc: the console before the rootfs is finalized (read-only paths, a read-only root), and
    // /dev/console only in a /dev the runtime made (a bind-mounted /dev is the host's).
    session(spec.process, devMounted ? CONSOLE : null, plan);
    afterPivot(spec, plan);
    try {
      process(spec.process, plan, seccomp);
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
  private static String inRoot(Bundle bundle, String root, String containerPath) throws IOException {
    Path resolved = SecureJoin.join(bundle.rootfs(), containerPath);
    return Path.of(root).resolve(bundle.rootfs().relativize(resolved)).toString();
  }

  /**
   * Puts the container's root filesystem together at {@code root}.
   *
   * @return whether the spec mounts a /dev of its own, which the plan then fills with devices
   */
  private static boolean rootfs(Bundle bundle, MountSources sources, String root, boolean mountNs, boolean userNs,
      Hierarchies cgroup, boolean cgroupNs, InitPlan.Builder plan) throws IOException, ContainerException {
    Spec spec = bundle.spec();
    if (mountNs) {
      long propagation = propagation(spec.linux.rootfsPropagation);
      plan.mount("", "/", "", propagation, "");
      // As runc's rootfsParentMountPrivate: pivot_root refuses a new root whose parent mount is
      // shared (rootfsPropagation shared), and the bind below must not propagate out of the namespace.
      plan.op(Opcode.PRIVATE_PARENT, root);
    } else {
      // The runtime's own namespace: its propagation is not the container's to change.
      plan.op(Opcode.MKDIRS, root, "448");
    }
    plan.mount(sources.root(), root, "", MS_BIND | MS_REC, "");
    List<Mount> mounts = spec.mounts == null ? List.of() : spec.mounts;
    boolean devMounted = false;
    for (Mount m : mounts) {
      String dest = inRoot(bundle, root, m.destination);
      MountOptions opts = MountOptions.parse(m.options);
      if (m.isBind()) {
        Path hostSource = bundle.dir().resolve(m.source);
        String source = sources.binds().getOrDefault(m, hostSource.toString());
        bind(plan, source, dest, opts, Files.isDirectory(hostSource));
      } else if ("cgroup".equals(m.type) || "cgroup2".equals(m.type)) {
        // The container's own cgroup, as runc mounts it, never the host's tree.
        CgroupMount.plan(plan, m, dest, cgroup, cgroupNs);
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
      devices(bundle, root, userNs, plan);
    }
    return devMounted;
  }

  /** A bind mount of {@code source} with {@code opts}: the bind, a remount for its flags, then its propagation. */
  static void bind(InitPlan.Builder plan, String source, String dest, MountOptions opts, boolean directory) {
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

  private static void devices(Bundle bundle, String root, boolean userNs, InitPlan.Builder plan)
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
      String dest = inRoot(bundle, root, d.path);
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
      plan.op(Opcode.SYMLINK, link[0], inRoot(bundle, root, link[1]));
    }
  }

  /**
   * The process's session and, with {@code process.terminal}, its terminal, as runc sets them up:
   * a session of its own (SETSID), then a pty from the container's own devpts ({@code /dev/ptmx},
   * so this runs where the process sees the container's /dev: after pivot_root, or after joining
   * the container's mount namespace) as its controlling terminal and fds 0-2, with
   * {@code process.consoleSize} as the window size and the master sent over the console socket.
   * The one entry point for every plan that starts a container process: the init here, exec's
   * process too. A plan with a terminal must be launched with a console socket
   * ({@link io.burrow.api.spi.LaunchRequest#consoleSocket()}).
   *
   * @param consolePath where to bind the slave as well (runc's {@code /dev/console} for the
   *     init), or null for none (runc binds nothing for exec)
   */
  public static void session(Process process, String consolePath, InitPlan.Builder plan) {
    plan.op(Opcode.SETSID);
    if (!Boolean.TRUE.equals(process.terminal)) {
      return;
    }
    if (consolePath != null) {
      plan.op(Opcode.MKFILE, consolePath);
    }
    Process.ConsoleSize size = process.consoleSize;
    int rows = size == null || size.height == null ? 0 : size.height;
    int cols = size == null || size.width == null ? 0 : size.width;
    plan.op(Opcode.CONSOLE, PTMX, Integer.toString(rows), Integer.toString(cols),
        consolePath == null ? "" : consolePath, process.user.uid.toString());
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

  private static void process(Process process, InitPlan.Builder plan, Optional<SeccompProgram> seccomp) {
    ProcessSetup.apply(process, plan, seccomp);
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
}
