package io.burrow.core.plan;

import static io.burrow.core.plan.MountOptions.MS_BIND;
import static io.burrow.core.plan.MountOptions.MS_NODEV;
import static io.burrow.core.plan.MountOptions.MS_NOEXEC;
import static io.burrow.core.plan.MountOptions.MS_NOSUID;
import static io.burrow.core.plan.MountOptions.MS_RDONLY;
import static io.burrow.core.plan.MountOptions.MS_REC;

import io.burrow.api.launch.InitPlan;
import io.burrow.api.launch.Opcode;
import io.burrow.api.spec.Mount;
import io.burrow.api.spi.CgroupManager.Hierarchies;
import io.burrow.api.spi.CgroupManager.V1Hierarchy;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The plan of a spec's {@code cgroup} or {@code cgroup2} mount, as runc's mountCgroupV1 and
 * mountCgroupV2 make it: the container sees its own cgroup, so that a program that sizes itself
 * from its limits (a JVM, Go, Node) reads the container's, not the host root's.
 *
 * <ul>
 *   <li><b>v1 host (legacy or hybrid), type {@code cgroup}:</b> a tmpfs ({@code mode=755},
 *       nosuid, nodev, noexec) at the destination with one directory per v1 hierarchy, named as
 *       its mount point on the host ({@code cpu,cpuacct}, {@code systemd}). With a cgroup
 *       namespace each is a fresh mount of that hierarchy, whose root is the namespace's (the
 *       init was moved into the container's cgroup before the namespace was made); without one it
 *       is a bind of the container's cgroup directory, with the mount's flags. Each controller of
 *       a comounted hierarchy gets a symlink ({@code cpu -> cpu,cpuacct}). With {@code ro} the
 *       tmpfs is remounted read-only last. As runc, the unified hierarchy of a hybrid host is not
 *       shown.
 *   <li><b>v2 host, or type {@code cgroup2}:</b> with a cgroup namespace a fresh cgroup2 mount
 *       with the mount's flags and data; without one a bind of the container's unified directory
 *       (runc would mount the whole host tree there).
 *   <li><b>no cgroup</b> (a container that has none, or no such hierarchy on the host): an empty
 *       tmpfs, read-only with {@code ro}, so that nothing of the host's tree shows.
 * </ul>
 *
 * Stateless.
 */
final class CgroupMount {
  /** runc's defaultMountFlags, which its cgroup tmpfs and fresh v1 mounts get. */
  private static final long DEFAULT_FLAGS = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  private static final String DIR_MODE = "493";

  private CgroupMount() {}

  /**
   * @param dest where the mount goes in the root being assembled
   * @param cgroup where the container's cgroup is in each hierarchy ({@link Hierarchies#NONE} for none)
   * @param cgroupNs whether the init is in a cgroup namespace of the spec's (new or joined)
   */
  static void plan(InitPlan.Builder plan, Mount m, String dest, Hierarchies cgroup, boolean cgroupNs) {
    MountOptions opts = MountOptions.parse(m.options);
    boolean unified = "cgroup2".equals(m.type) || cgroup.v1().isEmpty();
    if (!unified) {
      v1(plan, dest, opts, cgroup, cgroupNs);
    } else if (cgroup.unified().isPresent()) {
      v2(plan, m, dest, opts, cgroup.unified().get(), cgroupNs);
    } else {
      plan.op(Opcode.MKDIRS, dest, DIR_MODE);
      plan.mount("tmpfs", dest, "tmpfs", DEFAULT_FLAGS | (opts.flags() & MS_RDONLY), "mode=755");
      propagation(plan, dest, opts);
    }
  }

  private static void v1(InitPlan.Builder plan, String dest, MountOptions opts, Hierarchies cgroup, boolean cgroupNs) {
    plan.op(Opcode.MKDIRS, dest, DIR_MODE);
    // Read-write for now: the hierarchies' directories and the symlinks go in first.
    plan.mount("tmpfs", dest, "tmpfs", DEFAULT_FLAGS, "mode=755");
    propagation(plan, dest, opts);
    // runc's binds: MS_BIND|MS_REC and the mount's own flags, remounted for them to apply.
    MountOptions bindOpts = new MountOptions(MS_BIND | MS_REC | opts.flags(), opts.clearedFlags(), opts.propagation(), "");
    for (V1Hierarchy h : cgroup.v1()) {
      String dir = dest + "/" + h.name();
      if (cgroupNs) {
        plan.op(Opcode.MKDIRS, dir, DIR_MODE);
        // A named hierarchy is named as its source (runc's "systemd"), a controller one "cgroup".
        String source = h.options().startsWith("name=") && !h.options().contains(",")
            ? h.options().substring("name=".length()) : "cgroup";
        plan.mount(source, dir, "cgroup", DEFAULT_FLAGS | (opts.flags() & MS_RDONLY), h.options());
        propagation(plan, dir, opts);
      } else {
        InitPlanner.bind(plan, h.directory(), dir, bindOpts, true);
      }
    }
    Set<String> names = cgroup.v1().stream().map(V1Hierarchy::name).collect(Collectors.toSet());
    for (V1Hierarchy h : cgroup.v1()) {
      if (h.name().contains(",")) {
        for (String controller : h.name().split(",")) {
          // A name another hierarchy's directory has keeps the directory (runc ignores EEXIST).
          if (!controller.isEmpty() && !names.contains(controller)) {
            plan.op(Opcode.SYMLINK, h.name(), dest + "/" + controller);
          }
        }
      }
    }
    if ((opts.flags() & MS_RDONLY) != 0) {
      plan.op(Opcode.REMOUNT_RO, dest);
    }
  }

  private static void v2(InitPlan.Builder plan, Mount m, String dest, MountOptions opts, String directory,
      boolean cgroupNs) {
    if (cgroupNs) {
      // A fresh mount in the cgroup namespace has the namespace's root: the container's cgroup.
      plan.op(Opcode.MKDIRS, dest, DIR_MODE);
      plan.mount(m.source == null || m.source.isEmpty() ? "cgroup" : m.source, dest, "cgroup2",
          opts.flags() & ~(MS_BIND | MS_REC), opts.data());
      propagation(plan, dest, opts);
    } else {
      InitPlanner.bind(plan, directory, dest,
          new MountOptions(MS_BIND | MS_REC | opts.flags(), opts.clearedFlags(), opts.propagation(), ""), true);
    }
  }

  private static void propagation(InitPlan.Builder plan, String dest, MountOptions opts) {
    if (opts.propagation() != 0) {
      plan.mount("", dest, "", opts.propagation(), "");
    }
  }
}
