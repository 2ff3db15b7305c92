package io.burrow.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.burrow.api.spec.SpecIo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Everything one test owns: a fresh base dir {@code /tmp/bit-XXXX} (short, so socket paths under
 * it stay under 108 bytes) with the state root {@code BASE/root}, its bundles, and the burrow
 * output files. It remembers every container id and init pid the test saw, checks for leaks after
 * the test, and then removes every trace even when the test failed.
 */
public final class TestEnv {
  /** How long leftovers may take to vanish after the test (kernel teardown is asynchronous). */
  private static final Duration SETTLE = Duration.ofSeconds(5);

  private final Path base;
  private final Path root;
  private final Burrow burrow;
  private final Set<String> ids = ConcurrentHashMap.newKeySet();
  /** pid -> start time, for every container init the test saw. */
  private final Map<Long, Long> pids = new ConcurrentHashMap<>();
  /** pid namespaces of those inits (other than ours). */
  /**
   * Pid namespaces of tracked processes, each with the pid and start time of the process that
   * showed it. A namespace's inode number is reused once it is gone, by anyone's containers (other
   * test runs on this machine too), so a namespace counts as this test's only while that process
   * lives: when the one that showed it was its pid 1, nothing outlives it there anyway.
   */
  private final Map<String, long[]> pidNamespaces = new ConcurrentHashMap<>();
  private final List<ProcessHandle> helpers = new CopyOnWriteArrayList<>();
  /** Extra clean-up steps of the test (e.g. a client's state outside the base dir), run after leftovers are killed. */
  private final List<Runnable> cleanupSteps = new CopyOnWriteArrayList<>();
  /** id -> the init pid last seen for it, so waits for "stopped" can watch the process instead of polling burrow. */
  private final Map<String, Long> pidOf = new ConcurrentHashMap<>();
  private final String hostPidNs = Host.selfNs("pid");

  TestEnv(String testName) {
    this(testName, Burrow.configuredExecutable());
  }

  TestEnv(String testName, Path executable) {
    try {
      base = Files.createTempDirectory(Path.of("/tmp"), "bit-");
      Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.createDirectories(base.resolve("out"));
      Files.writeString(base.resolve("TEST"), testName + "\n");
    } catch (IOException e) {
      throw new AssertionError("cannot create the test's base dir", e);
    }
    root = base.resolve("root");
    burrow = new Burrow(executable, root, base.resolve("out"), Burrow.configuredTimeout(), base.toString(), this::observe);
  }

  public Path base() {
    return base;
  }

  public Path root() {
    return root;
  }

  public Burrow burrow() {
    return burrow;
  }

  /** The state dir burrow keeps for {@code id}. */
  public Path stateDir(String id) {
    return root.resolve(id);
  }

  /** A new bundle {@code BASE/NAME}. */
  public Bundle bundle(String name) {
    return Bundle.create(burrow, base.resolve(name));
  }

  public Bundle bundle() {
    return bundle("bundle");
  }

  /** A scratch dir {@code BASE/NAME} (mode 0755), e.g. the source of a bind mount. */
  public Path dir(String name) {
    try {
      Path d = Files.createDirectories(base.resolve(name));
      Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
      return d;
    } catch (IOException e) {
      throw new AssertionError("cannot create " + name, e);
    }
  }

  /**
   * Registers a clean-up step for state the test made outside its base dir. It runs in
   * {@link #cleanup()} after helpers and leaked processes are killed, before the base dir goes,
   * even when the test failed; it must be idempotent and must not throw.
   */
  public void atCleanup(Runnable step) {
    cleanupSteps.add(step);
  }

  /** Registers a helper process the test started (killed with its descendants after the test). */
  public void helper(ProcessHandle h) {
    helpers.add(h);
  }

  private void observe(List<String> args) {
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).equals("create") || args.get(i).equals("run")) {
        ids.add(args.get(args.size() - 1));
        return;
      }
    }
  }

  /** Remembers a container init pid the test saw, so a leaked one is found and killed. */
  public void trackPid(long pid) {
    if (pid <= 0) {
      return;
    }
    Host.startTime(pid).ifPresent(t -> pids.putIfAbsent(pid, t));
    Host.startTime(pid).ifPresent(t -> Host.ns(pid, "pid").filter(ns -> !ns.equals(hostPidNs))
        .ifPresent(ns -> pidNamespaces.putIfAbsent(ns, new long[] {pid, t})));
  }

  // ---------------------------------------------------------------- lifecycle helpers

  /** A created container as the test saw it. */
  public record Container(String id, long pid, Burrow.Result create, Path pidFile) {}

  /** {@code create --bundle B --pid-file BASE/ID.pid ID}, asserted to succeed; records the pid. */
  public Container create(Bundle b, String id) {
    Path pidFile = base.resolve(id + ".pid");
    Burrow.Result r = burrow.run("create", "--bundle", b.dir().toString(), "--pid-file", pidFile.toString(), id).ok();
    long pidFilePid = readPidFile(pidFile, r);
    trackPid(pidFilePid);
    long pid = initOf(pidFilePid);
    trackPid(pid);
    pidOf.put(id, pid);
    return new Container(id, pid, r, pidFile);
  }

  /**
   * The container init behind a pid file: the process itself (direct mode, as runc) or, when it
   * names a sandbox ({@code burrow boot}, gofer mode, as runsc), the sandbox's only live child.
   */
  static long initOf(long pidFilePid) {
    if (!Host.cmdline(pidFilePid).contains(" boot ")) {
      return pidFilePid;
    }
    // A scan of /proc races processes coming and going (on a loaded machine, the sandbox's exec
    // helper may still be there): take the answer once it is one child.
    List<List<Long>> seen = new ArrayList<>();
    Host.eventually(Duration.ofSeconds(10), () -> {
      seen.add(0, Host.allPids().stream().filter(p -> Host.ppid(p).orElse(-1L) == pidFilePid && Host.alive(p)).toList());
      return seen.get(0).size() == 1;
    });
    assertThat(seen.get(0)).as("children of the sandbox %d named by the pid file", pidFilePid).hasSize(1);
    return seen.get(0).get(0);
  }

  static long readPidFile(Path pidFile, Burrow.Result r) {
    try {
      String text = Files.readString(pidFile, StandardCharsets.UTF_8).trim();
      assertThat(text).as("pid file %s written by `%s`", pidFile, r.commandLine()).matches("[0-9]+");
      return Long.parseLong(text);
    } catch (IOException e) {
      throw new AssertionError("`" + r.commandLine() + "` exited 0 but the pid file " + pidFile + " cannot be read: " + e
          + "\n" + r.outputs());
    }
  }

  /** {@code state ID}, asserted to succeed, parsed; records the pid. */
  public JsonNode state(String id) {
    Burrow.Result r = burrow.run("state", id).ok();
    JsonNode node;
    try {
      node = SpecIo.MAPPER.readTree(r.stdout());
    } catch (IOException e) {
      throw new AssertionError("`burrow state " + id + "` printed no valid JSON: " + e.getMessage() + "\n" + r.outputs());
    }
    if (node == null || !node.isObject()) {
      throw new AssertionError("`burrow state " + id + "` printed no JSON object\n" + r.outputs());
    }
    long pid = node.path("pid").asLong(0);
    trackPid(pid);
    if (pid > 0) {
      pidOf.put(id, pid);
    }
    return node;
  }

  public String status(String id) {
    return state(id).path("status").asText();
  }

  /** Polls {@code state} until the status is {@code wanted}; a guard against hangs, not a timing assertion. */
  public JsonNode awaitStatus(String id, String wanted) {
    Long pid = pidOf.get(id);
    if (wanted.equals("stopped") && pid != null) {
      // Watch the init on the host first: each poll of `state` costs a JVM start.
      Host.eventually(Duration.ofSeconds(30), () -> !Host.alive(pid));
    }
    JsonNode[] last = new JsonNode[1];
    boolean ok = Host.eventually(Duration.ofSeconds(30), () -> {
      last[0] = state(id);
      return wanted.equals(last[0].path("status").asText());
    });
    if (!ok) {
      throw new AssertionError("container " + id + " did not reach status " + wanted + " within 30 s; last state: " + last[0]);
    }
    return last[0];
  }

  /** Waits until {@code pid} is dead or a zombie. */
  public static boolean awaitDead(long pid) {
    return Host.eventually(SETTLE, () -> !Host.alive(pid));
  }

  /** Starts a host helper process (e.g. {@code unshare --net sleep 1000}) that is killed after the test. */
  public Process startHelper(String... command) {
    try {
      Process p = new ProcessBuilder(command)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectOutput(base.resolve("out/helper-" + helpers.size() + ".out").toFile())
          .redirectErrorStream(true)
          .start();
      helper(p.toHandle());
      return p;
    } catch (IOException e) {
      throw new AssertionError("cannot start helper " + List.of(command), e);
    }
  }

  // ---------------------------------------------------------------- leaks and cleanup

  /**
   * What this test left behind: live container inits it saw, live processes in their pid
   * namespaces, live processes whose command line or environment names this test's base dir,
   * mounts under the base dir, and state dirs {@code ROOT/ID} of the containers it used. Waits
   * up to a few seconds for each to vanish first.
   */
  public List<String> leaks() {
    List<String> found = new ArrayList<>();
    Host.eventually(SETTLE, () -> leakedProcesses().isEmpty() && leakedMounts().isEmpty());
    for (long pid : leakedProcesses()) {
      found.add("process " + pid + " still alive (state " + Host.state(pid).orElse("?") + "): " + Host.cmdline(pid));
    }
    for (String m : leakedMounts()) {
      found.add("mount still present on the host: " + m);
    }
    for (String id : plainIds()) {
      if (Files.exists(stateDir(id), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        found.add("state dir " + stateDir(id) + " still exists (container " + id + " was never deleted, or delete left it)");
      }
    }
    return found;
  }

  /** The ids the test used that name a dir directly under the root (tests of ids like "../x" check those themselves). */
  private List<String> plainIds() {
    List<String> out = new ArrayList<>();
    for (String id : ids) {
      if (!id.isEmpty() && !id.contains("/") && !id.equals(".") && !id.equals("..") && !id.startsWith("-")) {
        out.add(id);
      }
    }
    return out;
  }

  /** Pids of live (non-zombie) processes this test is responsible for, helpers excluded. */
  Set<Long> leakedProcesses() {
    Set<Long> out = new LinkedHashSet<>();
    long self = ProcessHandle.current().pid();
    Set<Long> helperPids = new java.util.HashSet<>();
    for (ProcessHandle h : helpers) {
      helperPids.add(h.pid());
      h.descendants().forEach(d -> helperPids.add(d.pid()));
    }
    byte[] mark = base.toString().getBytes(StandardCharsets.UTF_8);
    for (long pid : Host.allPids()) {
      if (pid == self || helperPids.contains(pid) || !Host.alive(pid)) {
        continue;
      }
      Long start = pids.get(pid);
      if (start != null && Host.startTime(pid).map(start::equals).orElse(false)) {
        out.add(pid);
        continue;
      }
      if (!pidNamespaces.isEmpty() && Host.ns(pid, "pid").map(pidNamespaces::get)
          .filter(shownBy -> Host.startTime(shownBy[0]).map(t -> t == shownBy[1]).orElse(false)).isPresent()) {
        out.add(pid);
        continue;
      }
      if (contains(Path.of("/proc/" + pid + "/cmdline"), mark) || contains(Path.of("/proc/" + pid + "/environ"), mark)) {
        if (Host.alive(pid)) {
          out.add(pid);
        }
      }
    }
    return out;
  }

  List<String> leakedMounts() {
    List<String> out = new ArrayList<>();
    for (String m : Host.mountPoints()) {
      if (Host.under(m, base)) {
        out.add(m);
      }
    }
    return out;
  }

  private static boolean contains(Path file, byte[] needle) {
    byte[] hay;
    try {
      hay = Files.readAllBytes(file);
    } catch (IOException e) {
      return false;
    }
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  /**
   * Removes every trace of the test, whatever state it ended in: {@code delete --force} of every
   * container still known, SIGKILL of helpers and leaked processes, lazy unmount of anything under
   * the base dir, then the base dir itself. Returns problems that prevented a full cleanup.
   */
  public List<String> cleanup() {
    List<String> problems = new ArrayList<>();
    Burrow quick = burrow.withTimeout(Duration.ofSeconds(30));
    for (String id : plainIds()) {
      if (Files.exists(stateDir(id))) {
        try {
          quick.run("delete", "--force", id);
        } catch (AssertionError e) {
          problems.add("cleanup delete --force " + id + ": " + e.getMessage());
        }
      }
    }
    for (ProcessHandle h : helpers) {
      Host.killTree(h);
    }
    for (int round = 0; round < 3; round++) {
      Set<Long> left = leakedProcesses();
      if (left.isEmpty()) {
        break;
      }
      for (long pid : left) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      Host.eventually(Duration.ofSeconds(2), () -> leakedProcesses().isEmpty());
    }
    for (Runnable step : cleanupSteps) {
      try {
        step.run();
      } catch (RuntimeException | AssertionError e) {
        problems.add("cleanup step: " + e.getMessage());
      }
    }
    for (int round = 0; round < 3 && !leakedMounts().isEmpty(); round++) {
      List<String> mounts = leakedMounts();
      mounts.sort(Comparator.comparingInt(String::length).reversed());
      for (String m : mounts) {
        Host.sh(Duration.ofSeconds(20), "umount", "-l", m);
      }
    }
    if (!leakedMounts().isEmpty()) {
      problems.add("cannot unmount " + leakedMounts() + "; left " + base + " in place");
      return problems;
    }
    if (Boolean.getBoolean("burrow.it.keep")) {
      return problems;
    }
    Host.Cmd rm = Host.sh(Duration.ofSeconds(60), "rm", "-rf", "--one-file-system", base.toString());
    if (rm.exitCode() != 0) {
      problems.add("rm -rf " + base + ": " + rm.output());
    }
    return problems;
  }
}
