package io.burrow.api.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;

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

  /** Reads a controller file of the cgroup, for tests and {@code events}; null when absent. */
  String read(String path, String file) throws IOException;
}
