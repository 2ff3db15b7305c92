package io.burrow.api.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The container's cgroups, as runc's {@code cgroups.Manager}: one cgroup per container, in every
 * mounted v1 hierarchy and in the unified (v2) one. A cgroup is named by its resolved path (the
 * string {@link #resolve} returns), which the runtime records and hands back to every later
 * call; the manager keeps no state of its own. Implementations are thread-safe.
 */
public interface CgroupManager {
  /** Bad cgroup input or a cgroup operation that failed; the message names the spec field where it can. */
  final class CgroupException extends Exception {
    public CgroupException(String message) {
      super(message);
    }

    public CgroupException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * The cgroup path for {@code linux.cgroupsPath}; null or empty gives {@code /burrow/NAME}, or with
   * {@code systemd} {@code system.slice:burrow:NAME}, where NAME is {@code defaultName} (the
   * container id, made unique per state root by the caller). {@code systemd} is
   * {@code --systemd-cgroup}'s {@code slice:prefix:name}. Fails on a path escaping the cgroup root.
   */
  String resolve(String defaultName, String cgroupsPath, boolean systemd) throws CgroupException;

  /**
   * Creates the cgroup in every hierarchy and applies {@code resources} ({@code linux.resources},
   * may be null). On failure nothing it created is left.
   */
  void create(String path, JsonNode resources) throws CgroupException;

  /** Applies the fields present in {@code resources} to an existing cgroup, as {@code runc update}. */
  void update(String path, JsonNode resources) throws CgroupException;

  /** Moves process {@code pid} (a host pid) into the cgroup in every hierarchy. */
  void addProcess(String path, int pid) throws CgroupException;

  /** The host pids in the cgroup (v2's cgroup.procs, or v1's first hierarchy's), empty when it is gone. */
  List<Integer> pids(String path) throws CgroupException;

  /** Freezes ({@code true}) or thaws the cgroup and waits until the kernel says it is done. */
  void setFrozen(String path, boolean frozen) throws CgroupException;

  /** Whether the cgroup is frozen now. */
  boolean isFrozen(String path);

  /** runc's {@code events --stats} data object (runc's types.Stats: cpu, memory, pids, blkio, hugetlb). */
  ObjectNode stats(String path) throws CgroupException;

  /** How many times the OOM killer struck in the cgroup (0 when the kernel does not say). */
  long oomKills(String path);

  /** Removes the cgroup from every hierarchy; harmless when it is already gone. Processes must be gone. */
  void destroy(String path) throws CgroupException;

  /** The cgroup versions in use: "v1" (with the unified hierarchy for tracking, if mounted) or "v2". */
  List<String> versions();

  /**
   * One v1 hierarchy as a container's {@code cgroup} mount shows it (runc's mountCgroupV1).
   *
   * @param name the base name of the hierarchy's mount point on the host ({@code cpu,cpuacct},
   *     {@code memory}, {@code systemd}): the directory it gets in the container
   * @param options the hierarchy's controllers as mount(2) data, for a fresh mount of it in the
   *     container's cgroup namespace ({@code cpu,cpuacct}, {@code name=systemd})
   * @param directory the host directory of the container's cgroup in this hierarchy
   */
  record V1Hierarchy(String name, String options, String directory) {}

  /**
   * Where a container's cgroup is in each hierarchy: what a cgroup file system mounted in the
   * container shows. Immutable.
   *
   * @param v1 every v1 hierarchy, ordered by name, when the host is used in v1 mode (legacy or
   *     hybrid); empty on a pure v2 host
   * @param unified the cgroup's directory in the unified (v2) hierarchy, if the host mounts one
   */
  record Hierarchies(List<V1Hierarchy> v1, Optional<String> unified) {
    /** A container without a cgroup, or a host without cgroup file systems: nothing to show. */
    public static final Hierarchies NONE = new Hierarchies(List.of(), Optional.empty());

    public Hierarchies {
      v1 = List.copyOf(v1);
    }
  }

  /**
   * Where the cgroup {@code path} (as {@link #resolve} returned it) is in every hierarchy, for the
   * container's cgroup mount. Reads and creates nothing but the host's layout.
   */
  Hierarchies hierarchies(String path);

  /** Reads a controller file of the cgroup, for tests and {@code events}; null when absent. */
  String read(String path, String file) throws IOException;
}
