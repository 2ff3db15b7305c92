package io.burrow.linux.cgroup;

import io.burrow.api.spi.CgroupManager.Hierarchies;
import io.burrow.api.spi.CgroupManager.V1Hierarchy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where the cgroup hierarchies are mounted, read from {@code /proc/self/mountinfo}: each v1
 * hierarchy with its controllers (or its {@code name=}), and the unified (v2) one with the
 * controllers its root offers. A host with any v1 controller hierarchy is used in v1 mode (with
 * the unified hierarchy, if any, for process tracking and for controllers only v2 has, as runc's
 * hybrid mode); otherwise in v2 mode. Immutable.
 *
 * @param v1 each v1 hierarchy's mount point by controller name (a named hierarchy as "name=systemd")
 * @param unified the cgroup2 mount point, if any
 * @param unifiedControllers the controllers the unified root offers (its cgroup.controllers)
 */
public record CgroupLayout(Map<String, Path> v1, Optional<Path> unified, Set<String> unifiedControllers) {
  private static final Set<String> V1_FALLBACK_NAMES = Set.of("cpu", "cpuacct", "cpuset", "memory", "devices",
      "freezer", "blkio", "pids", "hugetlb", "net_cls", "net_prio", "perf_event", "rdma", "misc");

  /** Reads the layout of this process's mount namespace. */
  public static CgroupLayout read() throws IOException {
    return parse(Files.readAllLines(Path.of("/proc/self/mountinfo")));
  }

  /** Parses mountinfo lines; the unified root's controllers are read from the file system. */
  public static CgroupLayout parse(List<String> mountinfo) throws IOException {
    Map<String, Path> v1 = new LinkedHashMap<>();
    Path unified = null;
    for (String line : mountinfo) {
      String[] halves = line.split(" - ", 2);
      if (halves.length != 2) {
        continue;
      }
      String[] left = halves[0].split(" ");
      String[] right = halves[1].split(" ");
      if (left.length < 5 || right.length < 3) {
        continue;
      }
      Path mountPoint = Path.of(unescape(left[4]));
      if (right[0].equals("cgroup2") && unified == null) {
        unified = mountPoint;
      } else if (right[0].equals("cgroup")) {
        for (String option : right[2].split(",")) {
          if (V1_FALLBACK_NAMES.contains(option) || option.startsWith("name=")) {
            v1.putIfAbsent(option, mountPoint);
          }
        }
      }
    }
    Set<String> controllers = Set.of();
    if (unified != null && Files.isReadable(unified.resolve("cgroup.controllers"))) {
      String text = Files.readString(unified.resolve("cgroup.controllers")).trim();
      controllers = text.isEmpty() ? Set.of() : Set.of(text.split("\\s+"));
    }
    return new CgroupLayout(Map.copyOf(v1), Optional.ofNullable(unified), controllers);
  }

  /** Whether a v1 controller hierarchy is mounted: runc's legacy or hybrid mode. */
  public boolean v1Mode() {
    return v1.keySet().stream().anyMatch(k -> !k.startsWith("name="));
  }

  /**
   * The version a controller is used in: 1 when a v1 hierarchy has it, 2 when the unified root
   * offers it, 0 otherwise. {@code ""} stands for the core cgroup files, present wherever v2 is.
   */
  public int version(String controller) {
    if (v1.containsKey(controller)) {
      return 1;
    }
    if (unified.isPresent() && (controller.isEmpty() || unifiedControllers.contains(controller)
        // cpuacct's counters live in v2's always-present cpu.stat; the freezer is core in v2.
        || controller.equals("freezer"))) {
      return 2;
    }
    return 0;
  }

  /** Every directory that holds the cgroup {@code path}: one per v1 hierarchy, then the unified one. */
  public List<Path> directories(String path) {
    List<Path> dirs = new ArrayList<>();
    v1.values().stream().distinct().forEach(mount -> dirs.add(under(mount, path)));
    unified.ifPresent(u -> dirs.add(under(u, path)));
    return dirs;
  }

  /** The directory of {@code path} in the hierarchy that holds {@code controller} (see {@link #version}). */
  public Path directory(String controller, String path) {
    Path mount = v1.get(controller);
    if (mount == null) {
      mount = unified.orElseThrow(() -> new IllegalStateException("no hierarchy holds " + controller));
    }
    return under(mount, path);
  }

  /**
   * Where cgroup {@code path} is in each hierarchy, as a container's cgroup mount shows it: in v1
   * mode each v1 hierarchy (one per mount point, named by the mount point's base name as runc
   * names it, with the controllers this layout found there as its mount data), and the unified
   * directory when there is a unified hierarchy.
   */
  public Hierarchies hierarchies(String path) {
    List<V1Hierarchy> hierarchies = new ArrayList<>();
    if (v1Mode()) {
      Map<Path, Set<String>> controllers = new LinkedHashMap<>();
      v1.forEach((controller, mount) -> controllers.computeIfAbsent(mount, m -> new TreeSet<>()).add(controller));
      // By name, as a directory listing shows them; two mount points with one base name keep the first.
      Map<String, V1Hierarchy> byName = new TreeMap<>();
      controllers.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
        Path name = e.getKey().getFileName();
        if (name != null) {
          byName.putIfAbsent(name.toString(), new V1Hierarchy(name.toString(), String.join(",", e.getValue()),
              under(e.getKey(), path).toString()));
        }
      });
      hierarchies.addAll(byName.values());
    }
    return new Hierarchies(hierarchies, unified.map(u -> under(u, path).toString()));
  }

  static Path under(Path mount, String path) {
    return path.equals("/") ? mount : mount.resolve(path.substring(1));
  }

  private static String unescape(String field) {
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
  }
}
