package io.burrow.it;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A private dockerd (Debian's docker.io 20.10) for the client suites: its own data root
 * {@code /tmp/bd-N/data}, exec root (short by default, {@code /run/bXXX}: burrow's socket paths under
 * {@code EXEC/runtime-runc/moby/<64-hex id>/} must stay below 108 bytes; a longer one is tested on its own), pid file,
 * socket {@code /tmp/bd-N/d.sock}, {@code --iptables=false} (it never touches the host's firewall; user-defined bridge
 * networks and their embedded DNS still work) a default bridge of its own (not the host's
 * {@code docker0}), and a cgroup parent of its own ({@code --cgroup-parent=/bitXXXXXX}). dockerd starts its own containerd under the exec
 * root. daemon.json registers burrow twice: {@code burrow} (gofer mode, burrow's default) and
 * {@code burrow-direct} ({@code --file-access=direct}), and optionally makes one the default
 * runtime. On start it imports {@value #IMAGE} from the it-tests busybox rootfs.
 *
 * <p>Ownership: whoever {@link #start starts} an engine closes it; {@link #close} stops dockerd,
 * kills whatever is left that names the engine's paths (containerd, shims, burrow), unmounts
 * everything under them and removes them. Thread-safe for concurrent {@link #docker} calls.
 */
final class DockerEngine implements AutoCloseable {
  static final String IMAGE = "local/busybox:1";
  static final Path DOCKER = Path.of("/usr/bin/docker");
  static final Path DOCKERD = Path.of("/usr/sbin/dockerd");
  /** Hard limit of one docker client command unless a caller asks for another. */
  static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(Long.getLong("burrow.it.dockerTimeout", 25));

  private final Path base;
  private final Path execRoot;
  private final Path socket;
  private final Process dockerd;
  private final Path burrow;
  /** The engine's own default bridge (dockerd's {@code docker0} is shared by every daemon on the host). */
  private final String bridge;
  /** Mount points under base or exec root right after start (dockerd's own), the baseline for leak checks. */
  private final Set<String> baselineMounts = ConcurrentHashMap.newKeySet();

  /** The result of one docker client command. */
  record Result(List<String> command, int exitCode, String stdout, String stderr) {
    Result ok() {
      if (exitCode != 0) {
        throw new AssertionError("`" + commandLine() + "` exited " + exitCode + "\n" + outputs());
      }
      return this;
    }

    String commandLine() {
      return String.join(" ", command);
    }

    String outputs() {
      return "--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr;
    }
  }

  private DockerEngine(Path base, Path execRoot, Path socket, Process dockerd, Path burrow, String bridge) {
    this.bridge = bridge;
    this.base = base;
    this.execRoot = execRoot;
    this.socket = socket;
    this.dockerd = dockerd;
    this.burrow = burrow;
  }

  /**
   * Starts a private dockerd and imports the busybox image.
   *
   * @param defaultRuntime the daemon's {@code default-runtime} ({@code burrow}, {@code burrow-direct}), or empty for runc
   * @param execRoot the exec root, or empty for a short fresh {@code /run/bXXX}
   * @param socketPath where dockerd listens, or empty for {@code BASE/d.sock}
   * @throws EngineUnavailable when dockerd is not installed or does not come up (with its log)
   */
  static DockerEngine start(Optional<String> defaultRuntime, Optional<Path> execRoot, Optional<Path> socketPath) {
    if (!Files.isExecutable(DOCKERD) || !Files.isExecutable(DOCKER)) {
      throw new EngineUnavailable(DOCKERD + " or " + DOCKER + " is not installed (Debian package docker.io; scripts/setup.sh installs it)");
    }
    Path burrow = Burrow.configuredExecutable().toAbsolutePath().normalize();
    if (!Files.isExecutable(burrow)) {
      throw new AssertionError("burrow executable " + burrow + " not found; build it first (mvn -B package -DskipTests)");
    }
    Path base;
    Path exec = execRoot.orElseGet(() -> Path.of(String.format("/run/b%03x", ThreadLocalRandom.current().nextInt(1 << 12))));
    try {
      base = Files.createTempDirectory(Path.of("/tmp"), "bd-");
      Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwx--x--x"));
      if (Files.exists(exec)) {
        throw new AssertionError("exec root " + exec + " already exists: another engine uses it");
      }
      StringBuilder json = new StringBuilder("{\n  \"runtimes\": {\n")
          .append("    \"burrow\": {\"path\": \"").append(burrow).append("\"},\n")
          .append("    \"burrow-direct\": {\"path\": \"").append(burrow).append("\", \"runtimeArgs\": [\"--file-access=direct\"]}\n")
          .append("  }");
      defaultRuntime.ifPresent(r -> json.append(",\n  \"default-runtime\": \"").append(r).append('"'));
      json.append("\n}\n");
      Files.writeString(base.resolve("daemon.json"), json);
    } catch (IOException e) {
      throw new AssertionError("cannot prepare the private dockerd's dirs", e);
    }
    String bridge = createBridge(base, exec);
    Path socket = socketPath.orElse(base.resolve("d.sock"));
    if (socketPath.isPresent()) {
      claimSocket(socket);
    }
    List<String> cmd = List.of(DOCKERD.toString(),
        "--config-file", base.resolve("daemon.json").toString(),
        "--data-root", base.resolve("data").toString(),
        "--exec-root", exec.toString(),
        "--pidfile", base.resolve("dockerd.pid").toString(),
        "-H", "unix://" + socket,
        "--iptables=false", "--ip-masq=false", "--bridge=" + bridge,
        // Containers' cgroups under a parent of this engine's own, so a leaked one is found by name.
        "--cgroup-parent=/" + bridge,
        "--storage-driver=overlay2");
    Process p;
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(base.resolve("dockerd.log").toFile())
          .redirectErrorStream(true);
      // The host's DOCKER_HOST and proxies must not leak into the private daemon.
      pb.environment().remove("DOCKER_HOST");
      p = pb.start();
    } catch (IOException e) {
      cleanupPaths(base, exec, bridge);
      throw new EngineUnavailable("cannot start " + cmd + ": " + e.getMessage());
    }
    DockerEngine engine = new DockerEngine(base, exec, socket, p, burrow, bridge);
    try {
      boolean up = Host.eventually(Duration.ofSeconds(60),
          () -> !p.isAlive() || (Files.exists(socket) && engine.docker(Duration.ofSeconds(10), "version").exitCode() == 0));
      if (!up || !p.isAlive()) {
        String log = engine.log();
        throw new EngineUnavailable("private dockerd " + (p.isAlive() ? "did not answer within 60 s" : "exited " + p.exitValue())
            + ": " + cmd + "\n--- dockerd.log (tail) ---\n" + tail(log, 40));
      }
      engine.importImage();
      engine.baselineMounts.addAll(engine.mountsUnder());
      return engine;
    } catch (RuntimeException | Error e) {
      engine.close();
      throw e;
    }
  }

  /**
   * Creates the engine's default bridge {@code bitXXXXXX} with a free 10.2xx.y.1/24 (checked
   * against the host's routes). Testcontainers needs a network named {@code bridge}, and a
   * private daemon must not take over the host's {@code docker0}.
   */
  private static String createBridge(Path base, Path exec) {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    String name = String.format("bit%06x", rnd.nextInt(1 << 24));
    String routes = Host.sh("ip", "-4", "route", "show").ok().output();
    for (int attempt = 0; attempt < 50; attempt++) {
      String net = "10." + (200 + rnd.nextInt(50)) + "." + rnd.nextInt(256) + ".";
      if (routes.contains(net)) {
        continue;
      }
      Host.Cmd add = Host.sh("ip", "link", "add", "name", name, "type", "bridge");
      if (add.exitCode() != 0) {
        cleanupPaths(base, exec, null);
        throw new EngineUnavailable("cannot create the private dockerd's bridge " + name + ": " + add.output());
      }
      Host.sh("ip", "addr", "add", net + "1/24", "dev", name).ok();
      Host.sh("ip", "link", "set", name, "up").ok();
      return name;
    }
    cleanupPaths(base, exec, null);
    throw new EngineUnavailable("found no free 10.2xx.y.0/24 for the private dockerd's bridge; routes:\n" + routes);
  }

  /** Makes {@code socket} free for a new daemon: a stale socket file is removed, a live daemon on it is an error. */
  private static void claimSocket(Path socket) {
    try {
      Files.createDirectories(socket.getParent());
      if (Files.exists(socket)) {
        Host.Cmd probe = Host.sh(Duration.ofSeconds(10), DOCKER.toString(), "-H", "unix://" + socket, "version");
        if (probe.exitCode() == 0) {
          throw new AssertionError("a docker daemon already listens on " + socket + "; stop it first");
        }
        Files.delete(socket);
      }
    } catch (IOException e) {
      throw new AssertionError("cannot prepare the socket path " + socket, e);
    }
  }

  /** Thrown when no private engine can be started here; the caller decides between skip and fail. */
  static final class EngineUnavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    EngineUnavailable(String message) {
      super(message);
    }
  }

  private void importImage() {
    Path rootfs = Rootfs.template();
    String script = "set -o pipefail; tar -C '" + rootfs + "' -c . | " + DOCKER + " -H unix://" + socket + " import - " + IMAGE;
    Host.Cmd r = Host.sh(Duration.ofSeconds(120), "bash", "-c", script);
    if (r.exitCode() != 0) {
      throw new AssertionError("docker import of " + rootfs + " as " + IMAGE + " failed (" + r.exitCode() + "):\n" + r.output());
    }
  }

  Path base() {
    return base;
  }

  Path execRoot() {
    return execRoot;
  }

  /** {@code unix:///...}, for DOCKER_HOST. */
  String host() {
    return "unix://" + socket;
  }

  Path burrowExecutable() {
    return burrow;
  }

  /**
   * The state root the shim passes the runtime as {@code --root}: dockerd 20.10 uses
   * {@code EXEC/runtime-runc/moby} for every runtime in daemon.json, not one per runtime name.
   */
  Path runtimeRoot() {
    return execRoot.resolve("runtime-runc").resolve("moby");
  }

  String log() {
    try {
      return Files.readString(base.resolve("dockerd.log"));
    } catch (IOException e) {
      return "(no dockerd.log: " + e + ")";
    }
  }

  static String tail(String text, int lines) {
    String[] all = text.split("\n");
    return String.join("\n", java.util.Arrays.asList(all).subList(Math.max(0, all.length - lines), all.length));
  }

  /** Runs {@code /usr/bin/docker -H SOCK ARGS} with the default deadline. */
  Result docker(String... args) {
    return docker(COMMAND_TIMEOUT, args);
  }

  /**
   * Runs {@code /usr/bin/docker -H SOCK ARGS} with stdin from /dev/null and a hard deadline; on
   * timeout the client is SIGKILLed (the client forwards SIGTERM to the container instead of
   * dying) and the call fails naming the command and what it printed so far.
   */
  Result docker(Duration timeout, String... args) {
    return run(timeout, null, args);
  }

  /** As {@link #docker(Duration, String...)}, feeding {@code stdin} (a file) to the client. */
  Result dockerWithInput(Duration timeout, Path stdin, String... args) {
    return run(timeout, stdin, args);
  }

  private Result run(Duration timeout, Path stdin, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(DOCKER.toString());
    cmd.add("-H");
    cmd.add("unix://" + socket);
    cmd.addAll(List.of(args));
    return exec(cmd, timeout, stdin, Map.of());
  }

  /** Runs any host command with a deadline (SIGKILL of its tree on timeout, then an AssertionError). */
  Result exec(List<String> cmd, Duration timeout, Path stdin, Map<String, String> env) {
    Path out;
    Path err;
    try {
      Files.createDirectories(base.resolve("out"));
      out = Files.createTempFile(base.resolve("out"), "cmd", ".out");
      err = Files.createTempFile(base.resolve("out"), "cmd", ".err");
    } catch (IOException e) {
      throw new AssertionError("cannot create output files under " + base, e);
    }
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .redirectInput(ProcessBuilder.Redirect.from(stdin == null ? new File("/dev/null") : stdin.toFile()))
        .redirectOutput(out.toFile())
        .redirectError(err.toFile());
    pb.environment().remove("DOCKER_HOST");
    pb.environment().putAll(env);
    try {
      Process p = pb.start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        Host.killTree(p.toHandle());
        p.waitFor(5, TimeUnit.SECONDS);
        throw new AssertionError("`" + String.join(" ", cmd) + "` did not finish within " + timeout.toSeconds()
            + " s; killed\n--- stdout so far ---\n" + read(out) + "--- stderr so far ---\n" + read(err));
      }
      return new Result(cmd, p.exitValue(), read(out), read(err));
    } catch (IOException e) {
      throw new AssertionError("cannot run " + cmd + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted running " + cmd, e);
    } finally {
      try {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      } catch (IOException ignored) {
        // the dir goes away with the engine
      }
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  // ---------------------------------------------------------------- leaks and teardown

  /** Mount points (host mount namespace) under the base dir or the exec root. */
  List<String> mountsUnder() {
    return Host.mountPoints().stream().filter(m -> Host.under(m, base) || Host.under(m, execRoot)).collect(Collectors.toList());
  }

  /** Mounts under the engine's dirs that were not there right after it started. */
  List<String> extraMounts() {
    return mountsUnder().stream().filter(m -> !baselineMounts.contains(m)).collect(Collectors.toList());
  }

  /** Live burrow processes of this engine: invocations, sandboxes and gofers (they name the runtime root). */
  List<Long> burrowProcesses() {
    List<Long> out = new ArrayList<>();
    for (long pid : processesNaming(List.of(runtimeRoot().toString()))) {
      if (!Host.cmdline(pid).contains("containerd-shim")) {
        out.add(pid);
      }
    }
    return out;
  }

  /** Live containerd-shim processes of this engine. */
  List<Long> shims() {
    List<Long> out = new ArrayList<>();
    for (long pid : processesNaming(List.of(execRoot.toString()))) {
      if (Host.cmdline(pid).contains("containerd-shim")) {
        out.add(pid);
      }
    }
    return out;
  }

  /** Every cgroup hierarchy's dir for this engine's cgroup parent ({@code /sys/fs/cgroup/CTRL/bitXXXXXX}). */
  List<Path> cgroupParents() {
    List<Path> out = new ArrayList<>();
    try (var s = Files.list(Path.of("/sys/fs/cgroup"))) {
      s.map(h -> h.resolve(bridge)).filter(Files::isDirectory).forEach(out::add);
    } catch (IOException e) {
      throw new AssertionError("cannot list /sys/fs/cgroup", e);
    }
    return out;
  }

  /** Container cgroups left under this engine's cgroup parent, in any hierarchy. */
  List<Path> cgroups() {
    List<Path> out = new ArrayList<>();
    for (Path parent : cgroupParents()) {
      try (var s = Files.list(parent)) {
        s.filter(Files::isDirectory).forEach(out::add);
      } catch (IOException e) {
        out.add(parent.resolve("(cannot list: " + e.getMessage() + ")"));
      }
    }
    return out;
  }

  /** Entries left in the runtime state root ({@code EXEC/runtime-runc/moby/ID}). */
  List<Path> stateDirs() {
    List<Path> out = new ArrayList<>();
    {
      Path dir = runtimeRoot();
      if (Files.isDirectory(dir)) {
        try (var s = Files.list(dir)) {
          s.forEach(out::add);
        } catch (IOException e) {
          out.add(dir.resolve("(cannot list: " + e.getMessage() + ")"));
        }
      }
    }
    return out;
  }

  /** Live processes whose command line, environment or root directory names one of {@code marks}. */
  static List<Long> processesNaming(List<String> marks) {
    List<Long> out = new ArrayList<>();
    long self = ProcessHandle.current().pid();
    for (long pid : Host.allPids()) {
      if (pid == self || !Host.alive(pid)) {
        continue;
      }
      String cmdline = Host.cmdline(pid);
      String root;
      try {
        root = Files.readSymbolicLink(Path.of("/proc/" + pid + "/root")).toString();
      } catch (IOException e) {
        root = "";
      }
      for (String m : marks) {
        if (cmdline.contains(m) || root.startsWith(m)) {
          out.add(pid);
          break;
        }
      }
    }
    return out;
  }

  /** Stops dockerd (SIGTERM, then SIGKILL), then removes every trace of the engine. Idempotent. */
  @Override
  public void close() {
    if (dockerd.isAlive()) {
      dockerd.destroy();
      try {
        if (!dockerd.waitFor(30, TimeUnit.SECONDS)) {
          Host.killTree(dockerd.toHandle());
          dockerd.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    List<String> leftovers = cleanupPaths(base, execRoot, bridge);
    for (Path cg : cgroups()) {
      leftovers.add("cgroup " + cg);
      removeCgroup(cg);
    }
    for (Path parent : cgroupParents()) {
      removeCgroup(parent);
    }
    if (!leftovers.isEmpty()) {
      System.err.println("[burrow-it] private dockerd " + base + " left behind: " + leftovers);
    }
  }

  /** rmdir of a cgroup and the cgroups below it, deepest first (cgroupfs removes only empty cgroups). */
  static void removeCgroup(Path cg) {
    try (var s = Files.walk(cg)) {
      for (Path d : s.filter(Files::isDirectory).sorted(Comparator.comparingInt(Path::getNameCount).reversed()).collect(Collectors.toList())) {
        try {
          Files.delete(d);
        } catch (IOException e) {
          System.err.println("[burrow-it] cannot remove cgroup " + d + ": " + e);
        }
      }
    } catch (IOException e) {
      System.err.println("[burrow-it] cannot walk cgroup " + cg + ": " + e);
    }
  }

  /** What {@link #close} found still alive or mounted after dockerd stopped (killed and unmounted by then). */
  private static List<String> cleanupPaths(Path base, Path execRoot, String bridge) {
    List<String> found = new ArrayList<>();
    List<String> marks = List.of(base.toString(), execRoot.toString());
    Host.eventually(Duration.ofSeconds(5), () -> processesNaming(marks).isEmpty());
    for (int round = 0; round < 3; round++) {
      List<Long> left = processesNaming(marks);
      if (left.isEmpty()) {
        break;
      }
      for (long pid : left) {
        found.add("process " + pid + ": " + Host.cmdline(pid));
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      Host.eventually(Duration.ofSeconds(3), () -> processesNaming(marks).isEmpty());
    }
    for (int round = 0; round < 3; round++) {
      List<String> mounts = Host.mountPoints().stream().filter(m -> Host.under(m, base) || Host.under(m, execRoot))
          .sorted(Comparator.comparingInt(String::length).reversed()).collect(Collectors.toList());
      if (mounts.isEmpty()) {
        break;
      }
      for (String m : mounts) {
        Host.sh(Duration.ofSeconds(20), "umount", "-l", m);
      }
    }
    if (bridge != null && Files.exists(Path.of("/sys/class/net", bridge))) {
      Host.Cmd del = Host.sh("ip", "link", "del", bridge);
      if (del.exitCode() != 0) {
        found.add("ip link del " + bridge + ": " + del.output());
      }
    }
    for (Path p : List.of(execRoot, base)) {
      if (Files.exists(p) && !Boolean.getBoolean("burrow.it.keep")) {
        Host.Cmd rm = Host.sh(Duration.ofSeconds(60), "rm", "-rf", "--one-file-system", p.toString());
        if (rm.exitCode() != 0) {
          found.add("rm -rf " + p + ": " + rm.output());
        }
      }
    }
    return found;
  }
}
