package io.burrow.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The host's view of a container's cgroup, read straight from {@code /sys/fs/cgroup}: the v1 file
 * where the controller is mounted as v1 (this hybrid host), the unified one otherwise. A cgroup is
 * named by its path from each hierarchy's root, as {@code linux.cgroupsPath}. Stateless.
 */
final class HostCgroups {
  static final Path ROOT = Path.of("/sys/fs/cgroup");

  private HostCgroups() {}

  /** The unified hierarchy: /sys/fs/cgroup/unified on a hybrid host, /sys/fs/cgroup on a pure v2 one. */
  static Path unified() {
    return Files.isDirectory(ROOT.resolve("unified")) ? ROOT.resolve("unified") : ROOT;
  }

  /** Whether {@code controller} is mounted as a v1 hierarchy of its own. */
  static boolean v1(String controller) {
    return Files.isRegularFile(ROOT.resolve(controller).resolve("cgroup.procs"));
  }

  /** A controller file of cgroup {@code path}: the v1 name in the v1 hierarchy, else the v2 name. */
  static Path file(String controller, String path, String v1File, String v2File) {
    return v1(controller) ? Path.of(ROOT.resolve(controller) + path).resolve(v1File)
        : Path.of(unified() + path).resolve(v2File);
  }

  /** The pids in cgroup {@code path} of {@code controller}'s hierarchy (the unified one under v2); empty once gone. */
  static List<Long> members(String controller, String path) {
    Path procs = file(controller, path, "cgroup.procs", "cgroup.procs");
    if (!Files.exists(procs)) {
      return List.of();
    }
    return read(procs).lines().filter(l -> !l.isBlank()).map(Long::parseLong).toList();
  }

  /** The directory of cgroup {@code path} in every hierarchy (whether it exists or not). */
  static List<Path> allHierarchies(String path) {
    List<Path> dirs = new ArrayList<>();
    try (Stream<Path> s = Files.list(ROOT)) {
      s.filter(Files::isDirectory).forEach(h -> dirs.add(Path.of(h + path)));
    } catch (IOException e) {
      throw new AssertionError("cannot list " + ROOT, e);
    }
    if (!v1("memory")) {
      dirs.add(Path.of(ROOT + path));
    }
    return dirs;
  }

  static void assertNoCgroup(String path) {
    for (Path dir : allHierarchies(path)) {
      assertThat(dir).as("cgroup directory %s", path).doesNotExist();
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file).trim();
    } catch (IOException e) {
      throw new AssertionError("cannot read " + file, e);
    }
  }

  /**
   * Removes the cgroup {@code parent} and every cgroup under it from every hierarchy, deepest
   * first, for a test's clean-up once its processes are gone; best effort, never throws.
   */
  static void removeTree(String parent) {
    for (Path top : allHierarchies(parent)) {
      if (!Files.isDirectory(top)) {
        continue;
      }
      try (Stream<Path> s = Files.walk(top)) {
        for (Path dir : s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
          try {
            Files.delete(dir);
          } catch (IOException e) {
            System.err.println("[burrow-it] cannot remove cgroup " + dir + ": " + e);
          }
        }
      } catch (IOException | RuntimeException e) {
        System.err.println("[burrow-it] cannot remove cgroup tree " + top + ": " + e);
      }
    }
  }
}
