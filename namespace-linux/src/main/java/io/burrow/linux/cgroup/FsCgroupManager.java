package io.burrow.linux.cgroup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.burrow.api.spi.CgroupManager;
import io.burrow.linux.cgroup.ResourceMapping.Write;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@link CgroupManager} over the cgroup file systems with plain file I/O, as runc's fs and fs2
 * managers: mkdir in every hierarchy, controller files written, cgroup.procs for placement,
 * rmdir to remove. The layout is read once, lazily ({@link CgroupLayout}). Paths are resolved
 * from the root of each hierarchy, not from the runtime's own cgroup as runc does for relative
 * paths: on a v1 host each hierarchy has its own "own cgroup", and under v2 the runtime's own
 * cgroup usually holds processes, where v2's no-internal-process rule forbids controllers.
 * Device rules go to v1's devices.allow/deny where a v1 devices hierarchy is mounted (hybrid hosts
 * too, as runc); otherwise they become an eBPF device program attached to the cgroup2 directory
 * ({@link DeviceFilter}, {@link CgroupBpf}), which {@link #update} replaces. Thread-safe
 * (stateless past the layout).
 */
public final class FsCgroupManager implements CgroupManager {
  private static final long FREEZE_TIMEOUT_NANOS = 10_000_000_000L;
  private static final long RMDIR_TIMEOUT_NANOS = 5_000_000_000L;

  private final Supplier<CgroupLayout> layout;
  private final Path systemdRuntimeDir;

  @jakarta.inject.Inject
  public FsCgroupManager() {
    this(memoize(() -> {
      try {
        return CgroupLayout.read();
      } catch (IOException e) {
        throw new IllegalStateException("cannot read /proc/self/mountinfo: " + e.getMessage(), e);
      }
    }), Path.of("/run/systemd/system"));
  }

  /** For tests: a given layout, and where systemd's runtime directory would be. */
  public FsCgroupManager(Supplier<CgroupLayout> layout, Path systemdRuntimeDir) {
    this.layout = layout;
    this.systemdRuntimeDir = systemdRuntimeDir;
  }

  private static Supplier<CgroupLayout> memoize(Supplier<CgroupLayout> s) {
    return new Supplier<>() {
      private CgroupLayout value;

      @Override
      public synchronized CgroupLayout get() {
        if (value == null) {
          value = s.get();
        }
        return value;
      }
    };
  }

  @Override
  public String resolve(String id, String cgroupsPath, boolean systemd) throws CgroupException {
    if (systemd) {
      if (!Files.isDirectory(systemdRuntimeDir)) {
        throw new CgroupException("--systemd-cgroup: systemd is not running on this host (no " + systemdRuntimeDir
            + "), so linux.cgroupsPath '" + cgroupsPath + "' cannot be placed; drop --systemd-cgroup");
      }
      return systemdPath(id, cgroupsPath);
    }
    if (cgroupsPath == null || cgroupsPath.isEmpty()) {
      return cleanPath("/burrow/" + id, "container id");
    }
    return cleanPath(cgroupsPath, "linux.cgroupsPath");
  }

  /**
   * {@code slice:prefix:name} as runc's systemd driver lays it out in the file system: the slice's
   * ancestors ({@code a-b.slice} is under {@code a.slice}), then {@code prefix-name.scope}. burrow
   * creates the directories itself; it does not ask systemd for a transient scope over D-Bus.
   */
  static String systemdPath(String id, String cgroupsPath) throws CgroupException {
    String[] parts = cgroupsPath == null || cgroupsPath.isEmpty() ? new String[] {"system.slice", "burrow", id}
        : cgroupsPath.split(":", -1);
    if (parts.length != 3) {
      throw new CgroupException("linux.cgroupsPath: '" + cgroupsPath + "' is not slice:prefix:name, as --systemd-cgroup expects");
    }
    String slice = parts[0].isEmpty() ? "system.slice" : parts[0];
    if (!slice.endsWith(".slice") || slice.contains("/") || slice.contains("--") || slice.startsWith("-") && !slice.equals("-.slice")) {
      throw new CgroupException("linux.cgroupsPath: '" + slice + "' is not a systemd slice name");
    }
    for (String p : new String[] {parts[1], parts[2]}) {
      if (p.contains("/") || p.equals("..") || p.equals(".")) {
        throw new CgroupException("linux.cgroupsPath: '" + p + "' in '" + cgroupsPath + "' must not contain '/' or be '.' or '..'");
      }
    }
    StringBuilder path = new StringBuilder();
    if (!slice.equals("-.slice")) {
      String stem = slice.substring(0, slice.length() - ".slice".length());
      int dash = -1;
      while ((dash = stem.indexOf('-', dash + 1)) >= 0) {
        path.append('/').append(stem, 0, dash).append(".slice");
      }
      path.append('/').append(slice);
    }
    String unit = parts[2].endsWith(".slice") ? parts[2] : (parts[1].isEmpty() ? "" : parts[1] + "-") + parts[2] + ".scope";
    return path + "/" + unit;
  }

  /** An absolute or relative cgroup path, normalized to an absolute one under the root; {@code ..} is refused. */
  static String cleanPath(String path, String field) throws CgroupException {
    List<String> segments = new ArrayList<>();
    for (String s : path.split("/")) {
      if (s.equals("..")) {
        throw new CgroupException(field + ": '" + path + "' escapes the cgroup root with '..'");
      }
      if (!s.isEmpty() && !s.equals(".")) {
        if (s.startsWith("cgroup.") || s.contains("\0")) {
          throw new CgroupException(field + ": '" + path + "' has a segment '" + s + "' that is not a cgroup name");
        }
        segments.add(s);
      }
    }
    if (segments.isEmpty()) {
      throw new CgroupException(field + ": '" + path + "' names the root cgroup, which a container cannot own");
    }
    return "/" + String.join("/", segments);
  }

  @Override
  public void create(String path, JsonNode resources) throws CgroupException {
    CgroupLayout l = layout.get();
    List<Write> writes = ResourceMapping.writes(resources, l::version);
    Optional<DeviceFilter.Program> devices = ResourceMapping.deviceProgram(resources, l::version);
    List<Path> created = new ArrayList<>();
    boolean done = false;
    try {
      for (Path dir : l.directories(path)) {
        makeCgroup(l, dir, created);
      }
      apply(l, path, writes);
      if (devices.isPresent()) {
        CgroupBpf.installDeviceFilter(l.directory("", path), devices.get());
      }
      done = true;
    } finally {
      if (!done) {
        Collections.reverse(created);
        for (Path dir : created) {
          try {
            Files.deleteIfExists(dir);
          } catch (IOException e) {
            // best effort: the error that got us here is the one to report
          }
        }
      }
    }
  }

  /** mkdir of every missing level, with runc's cpuset copy-down and v2's controller delegation. */
  private static void makeCgroup(CgroupLayout l, Path dir, List<Path> created) throws CgroupException {
    Path mount = l.directories("/").stream().filter(dir::startsWith).max((a, b) -> a.getNameCount() - b.getNameCount())
        .orElseThrow();
    boolean unified = l.unified().map(mount::equals).orElse(false);
    boolean cpuset = mount.equals(l.v1().get("cpuset"));
    Path current = mount;
    for (Path segment : mount.relativize(dir)) {
      Path parent = current;
      current = current.resolve(segment);
      if (unified) {
        delegate(parent);
      }
      if (Files.isDirectory(current)) {
        continue;
      }
      try {
        Files.createDirectory(current);
      } catch (IOException e) {
        throw new CgroupException("linux.cgroupsPath: cannot create cgroup " + current + ": " + describe(e), e);
      }
      created.add(current);
      if (cpuset) {
        // A new v1 cpuset is empty, and no task can join an empty cpuset: inherit the parent's.
        for (String file : List.of("cpuset.cpus", "cpuset.mems")) {
          try {
            if (Files.readString(current.resolve(file)).isBlank()) {
              writeFile(current.resolve(file), Files.readString(parent.resolve(file)).trim());
            }
          } catch (IOException e) {
            throw new CgroupException("linux.cgroupsPath: cannot initialize " + current.resolve(file) + ": " + describe(e), e);
          }
        }
      }
    }
  }

  /** Enables in {@code parent} every controller it offers, so that its children can use them (best effort, as runc). */
  private static void delegate(Path parent) {
    try {
      String offered = Files.readString(parent.resolve("cgroup.controllers")).trim();
      String enabled = " " + Files.readString(parent.resolve("cgroup.subtree_control")).trim() + " ";
      for (String c : offered.isEmpty() ? new String[0] : offered.split("\\s+")) {
        if (!enabled.contains(" " + c + " ")) {
          try {
            writeFile(parent.resolve("cgroup.subtree_control"), "+" + c);
          } catch (IOException e) {
            // a busy parent (processes of its own) cannot delegate; the write that needs it says so
          }
        }
      }
    } catch (IOException e) {
      // not a cgroup2 directory we can read: the writes report what is missing
    }
  }

  @Override
  public void update(String path, JsonNode resources) throws CgroupException {
    CgroupLayout l = layout.get();
    List<Write> writes = ResourceMapping.writes(resources, l::version);
    Optional<DeviceFilter.Program> devices = ResourceMapping.deviceProgram(resources, l::version);
    for (Path dir : l.directories(path)) {
      if (!Files.isDirectory(dir)) {
        throw new CgroupException("cgroup " + dir + " does not exist");
      }
    }
    apply(l, path, writes);
    if (devices.isPresent()) {
      // The new program is attached before the old one is detached: no moment without a filter.
      CgroupBpf.installDeviceFilter(l.directory("", path), devices.get());
    }
  }

  private static void apply(CgroupLayout l, String path, List<Write> writes) throws CgroupException {
    for (int i = 0; i < writes.size(); i++) {
      Write w = writes.get(i);
      Write next = i + 1 < writes.size() ? writes.get(i + 1) : null;
      if (next != null && w.file().equals("memory.limit_in_bytes") && next.file().equals("memory.memsw.limit_in_bytes")) {
        // As runc: the kernel keeps limit <= memsw at every step, so one order fails where the other works.
        try {
          write(l, path, w);
          write(l, path, next);
        } catch (CgroupException first) {
          try {
            write(l, path, next);
            write(l, path, w);
          } catch (CgroupException second) {
            throw first;
          }
        }
        i++;
        continue;
      }
      write(l, path, w);
    }
  }

  private static void write(CgroupLayout l, String path, Write w) throws CgroupException {
    Path file = l.directory(w.controller(), path).resolve(w.file());
    if (!Files.exists(file)) {
      throw new CgroupException(w.field() + ": this host's " + (w.controller().isEmpty() ? "cgroup" : w.controller())
          + " controller has no " + w.file() + " (" + file + ")");
    }
    try {
      writeFile(file, w.value());
    } catch (IOException e) {
      throw new CgroupException(w.field() + ": cannot write '" + w.value() + "' to " + file + ": " + describe(e), e);
    }
  }

  @Override
  public void addProcess(String path, int pid) throws CgroupException {
    for (Path dir : layout.get().directories(path)) {
      try {
        writeFile(dir.resolve("cgroup.procs"), Integer.toString(pid));
      } catch (IOException e) {
        throw new CgroupException("cannot move process " + pid + " into cgroup " + dir + ": " + describe(e), e);
      }
    }
  }

  @Override
  public List<Integer> pids(String path) throws CgroupException {
    CgroupLayout l = layout.get();
    List<Path> dirs = l.directories(path);
    // The unified hierarchy, when mounted, tracks every process, also on a hybrid host.
    Path dir = dirs.get(dirs.size() - 1);
    List<Integer> pids = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(dir.resolve("cgroup.procs"))) {
        if (!line.isBlank()) {
          pids.add(Integer.parseInt(line.trim()));
        }
      }
    } catch (NoSuchFileException e) {
      return pids;
    } catch (IOException e) {
      throw new CgroupException("cannot list the processes of cgroup " + dir + ": " + describe(e), e);
    }
    return pids;
  }

  @Override
  public void setFrozen(String path, boolean frozen) throws CgroupException {
    CgroupLayout l = layout.get();
    long deadline = System.nanoTime() + FREEZE_TIMEOUT_NANOS;
    try {
      if (l.version("freezer") == 1) {
        Path state = l.directory("freezer", path).resolve("freezer.state");
        String want = frozen ? "FROZEN" : "THAWED";
        while (true) {
          writeFile(state, want);
          if (Files.readString(state).trim().equals(want)) {
            return;
          }
          if (System.nanoTime() > deadline) {
            throw new CgroupException("cgroup " + state.getParent() + " did not become " + want + " within 10 s");
          }
          Thread.sleep(1);
        }
      }
      Path dir = l.directory("", path);
      writeFile(dir.resolve("cgroup.freeze"), frozen ? "1" : "0");
      while (isFrozenV2(dir) != frozen) {
        if (System.nanoTime() > deadline) {
          throw new CgroupException("cgroup " + dir + " did not " + (frozen ? "freeze" : "thaw") + " within 10 s");
        }
        Thread.sleep(1);
      }
    } catch (IOException e) {
      throw new CgroupException("cannot " + (frozen ? "freeze" : "thaw") + " cgroup " + path + ": " + describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CgroupException("interrupted while " + (frozen ? "freezing" : "thawing") + " cgroup " + path);
    }
  }

  private static boolean isFrozenV2(Path dir) throws IOException {
    return keyValues(dir.resolve("cgroup.events")).getOrDefault("frozen", 0L) == 1;
  }

  @Override
  public boolean isFrozen(String path) {
    CgroupLayout l = layout.get();
    try {
      if (l.version("freezer") == 1) {
        return Files.readString(l.directory("freezer", path).resolve("freezer.state")).trim().equals("FROZEN");
      }
      return l.unified().isPresent() && isFrozenV2(l.directory("", path));
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public long oomKills(String path) {
    CgroupLayout l = layout.get();
    try {
      Path dir = l.directory("memory", path);
      return keyValues(dir.resolve(l.version("memory") == 1 ? "memory.oom_control" : "memory.events"))
          .getOrDefault("oom_kill", 0L);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  @Override
  public ObjectNode stats(String path) throws CgroupException {
    CgroupLayout l = layout.get();
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    try {
      cpuStats(l, path, data.putObject("cpu"));
      memoryStats(l, path, data.putObject("memory"));
      ObjectNode pids = data.putObject("pids");
      if (l.version("pids") != 0) {
        Path dir = l.directory("pids", path);
        pids.put("current", readLong(dir.resolve("pids.current")));
        String max = readString(dir.resolve("pids.max"));
        if (max != null && !max.equals("max")) {
          pids.put("limit", Long.parseLong(max));
        }
      }
      blkioStats(l, path, data.putObject("blkio"));
      data.putObject("hugetlb");
    } catch (IOException | RuntimeException e) {
      throw new CgroupException("cannot read the statistics of cgroup " + path + ": " + e.getMessage(), e);
    }
    return data;
  }

  private static void cpuStats(CgroupLayout l, String path, ObjectNode cpu) throws IOException {
    ObjectNode usage = cpu.putObject("usage");
    ObjectNode throttling = cpu.putObject("throttling");
    if (l.version("cpuacct") == 1) {
      Path acct = l.directory("cpuacct", path);
      usage.put("total", readLong(acct.resolve("cpuacct.usage")));
      ArrayNode percpu = usage.putArray("percpu");
      String per = readString(acct.resolve("cpuacct.usage_percpu"));
      if (per != null && !per.isEmpty()) {
        for (String v : per.split("\\s+")) {
          percpu.add(Long.parseLong(v));
        }
      }
      // cpuacct.stat counts USER_HZ (100 per second) ticks; runc reports nanoseconds.
      Map<String, Long> stat = keyValues(acct.resolve("cpuacct.stat"));
      usage.put("kernel", stat.getOrDefault("system", 0L) * 10_000_000L);
      usage.put("user", stat.getOrDefault("user", 0L) * 10_000_000L);
    }
    if (l.version("cpu") == 1) {
      Map<String, Long> stat = keyValues(l.directory("cpu", path).resolve("cpu.stat"));
      throttling.put("periods", stat.getOrDefault("nr_periods", 0L));
      throttling.put("throttledPeriods", stat.getOrDefault("nr_throttled", 0L));
      throttling.put("throttledTime", stat.getOrDefault("throttled_time", 0L));
    } else if (l.unified().isPresent() && l.version("cpuacct") != 1) {
      Map<String, Long> stat = keyValues(l.directory("", path).resolve("cpu.stat"));
      usage.put("total", stat.getOrDefault("usage_usec", 0L) * 1000);
      usage.put("kernel", stat.getOrDefault("system_usec", 0L) * 1000);
      usage.put("user", stat.getOrDefault("user_usec", 0L) * 1000);
      throttling.put("periods", stat.getOrDefault("nr_periods", 0L));
      throttling.put("throttledPeriods", stat.getOrDefault("nr_throttled", 0L));
      throttling.put("throttledTime", stat.getOrDefault("throttled_usec", 0L) * 1000);
    }
  }

  private static void memoryStats(CgroupLayout l, String path, ObjectNode memory) throws IOException {
    int v = l.version("memory");
    if (v == 0) {
      return;
    }
    Path dir = l.directory("memory", path);
    Map<String, Long> raw = keyValues(dir.resolve("memory.stat"));
    ObjectNode rawNode = memory.putObject("raw");
    raw.forEach(rawNode::put);
    if (v == 1) {
      memory.put("cache", raw.getOrDefault("total_cache", raw.getOrDefault("cache", 0L)));
      entry(memory.putObject("usage"), dir, "memory");
      entry(memory.putObject("swap"), dir, "memory.memsw");
      entry(memory.putObject("kernel"), dir, "memory.kmem");
      entry(memory.putObject("kernelTCP"), dir, "memory.kmem.tcp");
    } else {
      memory.put("cache", raw.getOrDefault("file", 0L));
      ObjectNode usage = memory.putObject("usage");
      usage.put("usage", readLong(dir.resolve("memory.current")));
      String max = readString(dir.resolve("memory.max"));
      usage.put("limit", max == null || max.equals("max") ? Long.MAX_VALUE : Long.parseLong(max));
      Long peak = readLongOrNull(dir.resolve("memory.peak"));
      if (peak != null) {
        usage.put("max", peak);
      }
      usage.put("failcnt", keyValues(dir.resolve("memory.events")).getOrDefault("max", 0L));
      ObjectNode swap = memory.putObject("swap");
      Long swapCurrent = readLongOrNull(dir.resolve("memory.swap.current"));
      if (swapCurrent != null) {
        swap.put("usage", swapCurrent);
      }
    }
  }

  private static void entry(ObjectNode node, Path dir, String prefix) throws IOException {
    Long usage = readLongOrNull(dir.resolve(prefix + ".usage_in_bytes"));
    if (usage == null) {
      return;
    }
    node.put("limit", readLong(dir.resolve(prefix + ".limit_in_bytes")));
    node.put("usage", usage);
    node.put("max", readLong(dir.resolve(prefix + ".max_usage_in_bytes")));
    node.put("failcnt", readLong(dir.resolve(prefix + ".failcnt")));
  }

  private static void blkioStats(CgroupLayout l, String path, ObjectNode blkio) throws IOException {
    if (l.version("blkio") == 1) {
      Path dir = l.directory("blkio", path);
      blkio.set("ioServiceBytesRecursive", blkioEntries(dir.resolve("blkio.throttle.io_service_bytes_recursive")));
      blkio.set("ioServicedRecursive", blkioEntries(dir.resolve("blkio.throttle.io_serviced_recursive")));
    } else if (l.version("io") == 2) {
      ArrayNode bytes = blkio.putArray("ioServiceBytesRecursive");
      ArrayNode serviced = blkio.putArray("ioServicedRecursive");
      String text = readString(l.directory("io", path).resolve("io.stat"));
      for (String line : text == null ? new String[0] : text.split("\n")) {
        String[] words = line.trim().split("\\s+");
        if (words.length < 2 || !words[0].contains(":")) {
          continue;
        }
        String[] dev = words[0].split(":");
        for (int i = 1; i < words.length; i++) {
          String[] kv = words[i].split("=");
          String op = switch (kv[0]) {
            case "rbytes", "rios" -> "Read";
            case "wbytes", "wios" -> "Write";
            default -> null;
          };
          if (op != null) {
            ObjectNode e = (kv[0].endsWith("bytes") ? bytes : serviced).addObject();
            e.put("major", Long.parseLong(dev[0])).put("minor", Long.parseLong(dev[1])).put("op", op)
                .put("value", Long.parseLong(kv[1]));
          }
        }
      }
    }
  }

  private static ArrayNode blkioEntries(Path file) throws IOException {
    ArrayNode entries = JsonNodeFactory.instance.arrayNode();
    String text = readString(file);
    for (String line : text == null ? new String[0] : text.split("\n")) {
      String[] words = line.trim().split("\\s+");
      if (words.length != 3 || !words[0].contains(":")) {
        continue;
      }
      String[] dev = words[0].split(":");
      entries.addObject().put("major", Long.parseLong(dev[0])).put("minor", Long.parseLong(dev[1])).put("op", words[1])
          .put("value", Long.parseLong(words[2]));
    }
    return entries;
  }

  @Override
  public void destroy(String path) throws CgroupException {
    List<String> errors = new ArrayList<>();
    for (Path dir : layout.get().directories(path)) {
      long deadline = System.nanoTime() + RMDIR_TIMEOUT_NANOS;
      while (true) {
        try {
          Files.deleteIfExists(dir);
          break;
        } catch (DirectoryNotEmptyException e) {
          errors.add("cgroup " + dir + " has child cgroups, left in place");
          break;
        } catch (IOException e) {
          // EBUSY while the last processes are still being torn down by the kernel.
          if (System.nanoTime() > deadline) {
            errors.add("cannot remove cgroup " + dir + ": " + describe(e));
            break;
          }
          try {
            Thread.sleep(10);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            errors.add("interrupted while removing cgroup " + dir);
            break;
          }
        }
      }
    }
    if (!errors.isEmpty()) {
      throw new CgroupException(String.join("; ", errors));
    }
  }

  @Override
  public List<String> versions() {
    CgroupLayout l = layout.get();
    return l.v1Mode() ? List.of("v1") : l.unified().isPresent() ? List.of("v2") : List.of();
  }

  @Override
  public Hierarchies hierarchies(String path) {
    return layout.get().hierarchies(path);
  }

  @Override
  public String read(String path, String file) throws IOException {
    CgroupLayout l = layout.get();
    String controller = file.startsWith("cgroup.") ? "" : file.substring(0, file.indexOf('.'));
    if (l.version(controller) == 0) {
      return null;
    }
    return readString(l.directory(controller, path).resolve(file));
  }

  /** Writes a whole value in one write(2), as the kernel parses each write on its own. */
  private static void writeFile(Path file, String value) throws IOException {
    Files.write(file, value.getBytes(StandardCharsets.UTF_8), StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
  }

  private static String readString(Path file) throws IOException {
    try {
      return Files.readString(file).trim();
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  private static long readLong(Path file) throws IOException {
    Long v = readLongOrNull(file);
    return v == null ? 0 : v;
  }

  private static Long readLongOrNull(Path file) throws IOException {
    String s = readString(file);
    return s == null || s.isEmpty() || s.equals("max") ? null : Long.parseLong(s);
  }

  /** "key value" lines (memory.stat, cpu.stat, memory.events, memory.oom_control). */
  static Map<String, Long> keyValues(Path file) throws IOException {
    Map<String, Long> map = new LinkedHashMap<>();
    String text = readString(file);
    for (String line : text == null ? new String[0] : text.split("\n")) {
      String[] kv = line.trim().split("\\s+");
      if (kv.length == 2) {
        try {
          map.put(kv[0], Long.parseLong(kv[1]));
        } catch (NumberFormatException e) {
          // not a counter
        }
      }
    }
    return map;
  }

  private static String describe(IOException e) {
    if (e instanceof FileSystemException fse && fse.getReason() != null) {
      return fse.getReason();
    }
    return e.getMessage();
  }
}
