package io.burrow.api.spi;

import io.burrow.api.spec.Mount;
import io.burrow.api.spec.Spec;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rule for which mounts a file server serves, shared by the host and sandbox sides so that
 * io file i always means the same mount: the root first, then every bind mount of a host path in
 * spec order. Kernel filesystems (proc, sysfs, tmpfs, devpts, mqueue, cgroup) are mounted by the
 * sandbox itself and never served.
 */
public final class ServedMounts {
  private ServedMounts() {}

  /** The served mounts of {@code spec}, root excluded, in spec order. */
  public static List<Mount> of(Spec spec) {
    if (spec.mounts == null) {
      return List.of();
    }
    return spec.mounts.stream().filter(Mount::isBind).toList();
  }

  /**
   * Each served mount's host source, for a file access that bind-mounts host paths directly:
   * relative sources are taken from the bundle directory; keyed by the spec's mount object
   * (identity), as {@link MountSources#binds()} wants.
   */
  public static Map<Mount, String> hostSources(FileAccessContext context) {
    Map<Mount, String> binds = new IdentityHashMap<>();
    for (Mount m : of(context.spec())) {
      binds.put(m, context.bundle().resolve(m.source).normalize().toString());
    }
    return binds;
  }
}
