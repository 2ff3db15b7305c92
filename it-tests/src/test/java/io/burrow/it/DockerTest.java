package io.burrow.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * dockerd (Debian docker.io 20.10, containerd-shim-runc-v2) running real busybox containers on
 * burrow, each case once with runtime {@code burrow} (gofer mode) and once with
 * {@code burrow-direct} ({@code --file-access=direct}), against one private daemon for the class.
 * Every docker command has a hard deadline, so a hang fails its test instead of the suite.
 * {@link DockerExtension} checks after each case that no burrow process, shim, state dir or mount
 * is left.
 */
@WithDocker
class DockerTest {
  private static final String IMG = DockerEngine.IMAGE;
  private static final AtomicInteger SEQ = new AtomicInteger();

  private final DockerEngine docker;

  DockerTest(DockerEngine docker) {
    this.docker = docker;
  }

  /**
   * The runtimes every case runs with: {@code burrow} (gofer mode) and {@code burrow-direct};
   * {@code -Dburrow.it.dockerRuntimes=burrow-direct} narrows a local run to one of them.
   */
  static List<String> runtimes() {
    return List.of(System.getProperty("burrow.it.dockerRuntimes", "burrow,burrow-direct").split(","));
  }

  /** A container name unique in this run. */
  private static String name(String what, String runtime) {
    return what + "-" + (runtime.equals("burrow") ? "g" : "d") + SEQ.incrementAndGet();
  }

  /** {@code docker run -d --runtime RT --name NAME IMG ARGS...}; asserts it ran on {@code runtime} and returns the full id. */
  private String runDetached(String runtime, String name, String... argsAndCommand) {
    List<String> args = new ArrayList<>(List.of("run", "-d", "--runtime", runtime, "--name", name));
    args.addAll(List.of(argsAndCommand));
    String id = docker.docker(args.toArray(String[]::new)).ok().stdout().trim();
    assertThat(id).as("container id printed by docker run -d").matches("[0-9a-f]{64}");
    assertThat(docker.docker("inspect", "-f", "{{.HostConfig.Runtime}}", id).ok().stdout().trim()).isEqualTo(runtime);
    assertThat(docker.runtimeRoot().resolve(id)).as("burrow's state dir for the container").isDirectory();
    return id;
  }

  private String inspect(String name, String format) {
    return docker.docker("inspect", "-f", format, name).ok().stdout().trim();
  }

  /** Polls {@code docker logs} until it contains {@code text}; a guard against hangs, not a timing assertion. */
  private String awaitLogs(String name, String text) {
    String[] last = {""};
    boolean seen = Host.eventually(Duration.ofSeconds(20), () -> {
      DockerEngine.Result r = docker.docker("logs", name);
      last[0] = r.stdout() + r.stderr();
      return last[0].contains(text);
    });
    assertThat(seen).as("docker logs %s shows %s; logs so far:\n%s", name, text, last[0]).isTrue();
    return last[0];
  }

  private void awaitExited(String name) {
    boolean exited = Host.eventually(Duration.ofSeconds(30), () -> inspect(name, "{{.State.Status}}").equals("exited"));
    assertThat(exited).as("container %s exited; state: %s", name, inspect(name, "{{json .State}}")).isTrue();
  }

  // ---------------------------------------------------------------- run

  @ParameterizedTest
  @MethodSource("runtimes")
  void runRmPrintsOutputAndReturnsExitCode(String runtime) {
    DockerEngine.Result r = docker.docker("run", "--rm", "--runtime", runtime, IMG, "sh", "-c", "echo hello from $(hostname); echo to-stderr >&2; exit 7");
    assertThat(r.exitCode()).as("exit code of %s\n%s", r.commandLine(), r.outputs()).isEqualTo(7);
    assertThat(r.stdout()).startsWith("hello from ");
    assertThat(r.stderr()).contains("to-stderr");
    assertThat(docker.docker("ps", "-aq").ok().stdout().trim()).as("containers left after run --rm").isEmpty();
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void runTtyPrintsAndReturnsExitCode(String runtime) {
    DockerEngine.Result r = docker.docker("run", "--rm", "-t", "--runtime", runtime, IMG, "sh", "-c", "[ -t 1 ] && echo stdout-is-a-tty; tty; exit 3");
    assertThat(r.exitCode()).as("exit code of %s\n%s", r.commandLine(), r.outputs()).isEqualTo(3);
    assertThat(r.stdout()).contains("stdout-is-a-tty").contains("/dev/pts/");
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void runInteractiveTtyReadsInputAndReturnsExitCode(String runtime) throws Exception {
    // -it needs a terminal on the client's side too: script(1) gives it one and feeds it our input.
    Path input = Files.createTempFile(docker.base(), "stdin", ".txt");
    Files.writeString(input, "typed-line\n");
    String client = DockerEngine.DOCKER + " -H " + docker.host() + " run --rm -it --runtime " + runtime + " " + IMG
        + " sh -c 'read line; echo got-$line; exit 4'";
    DockerEngine.Result r = docker.exec(List.of("script", "-qefc", client, "/dev/null"), DockerEngine.COMMAND_TIMEOUT, input, java.util.Map.of());
    assertThat(r.exitCode()).as("exit code of %s\n%s", client, r.outputs()).isEqualTo(4);
    assertThat(r.stdout()).contains("got-typed-line");
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void initRunsDockerInitAsPid1(String runtime) {
    DockerEngine.Result r = docker.docker("run", "--rm", "--init", "--runtime", runtime, IMG, "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '; echo; exit 5");
    assertThat(r.exitCode()).as("exit code of %s\n%s", r.commandLine(), r.outputs()).isEqualTo(5);
    assertThat(r.stdout()).contains("docker-init");
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void bindMountsReadWriteAndReadOnly(String runtime) throws Exception {
    Path dir = Files.createDirectories(docker.base().resolve("bind-" + SEQ.incrementAndGet()));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.writeString(dir.resolve("from-host"), "host-content\n");
    Path ro = Files.createDirectories(docker.base().resolve("bindro-" + SEQ.incrementAndGet()));
    Files.writeString(ro.resolve("f"), "ro-content\n");
    DockerEngine.Result r = docker.docker("run", "--rm", "--runtime", runtime, "-v", dir + ":/data", "-v", ro + ":/ro:ro", IMG, "sh", "-c",
        "cat /data/from-host; echo from-container > /data/from-container; cat /ro/f; if echo x > /ro/g; then echo ro-writable; fi");
    assertThat(r.exitCode()).as("%s\n%s", r.commandLine(), r.outputs()).isZero();
    assertThat(r.stdout()).contains("host-content").contains("ro-content").doesNotContain("ro-writable");
    assertThat(Files.readString(dir.resolve("from-container"))).isEqualTo("from-container\n");
    assertThat(ro.resolve("g")).doesNotExist();
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void tmpfsIsATmpfsAndWritable(String runtime) {
    DockerEngine.Result r = docker.docker("run", "--rm", "--runtime", runtime, "--tmpfs", "/scratch:size=1m", IMG, "sh", "-c",
        "grep ' /scratch ' /proc/mounts; echo data > /scratch/f && cat /scratch/f");
    assertThat(r.exitCode()).as("%s\n%s", r.commandLine(), r.outputs()).isZero();
    assertThat(r.stdout()).contains("tmpfs /scratch tmpfs").contains("data");
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void readOnlyRootRefusesWrites(String runtime) {
    DockerEngine.Result r = docker.docker("run", "--rm", "--read-only", "--runtime", runtime, IMG, "sh", "-c",
        "if touch /new-file; then echo root-writable; exit 1; fi; cat /etc/hostname >/dev/null && echo root-read-only");
    assertThat(r.exitCode()).as("%s\n%s", r.commandLine(), r.outputs()).isZero();
    assertThat(r.stdout()).contains("root-read-only");
    assertThat(r.stderr()).contains("Read-only file system");
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void userByIdAndByName(String runtime) {
    DockerEngine.Result byId = docker.docker("run", "--rm", "--user", "1000:1000", "--runtime", runtime, IMG, "id");
    assertThat(byId.exitCode()).as("%s\n%s", byId.commandLine(), byId.outputs()).isZero();
    assertThat(byId.stdout()).contains("uid=1000").contains("gid=1000");
    DockerEngine.Result byName = docker.docker("run", "--rm", "--user", "nobody", "--runtime", runtime, IMG, "id", "-u");
    assertThat(byName.exitCode()).as("%s\n%s", byName.commandLine(), byName.outputs()).isZero();
    assertThat(byName.stdout().trim()).isEqualTo("65534");
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void capDropAndCapAdd(String runtime) {
    DockerEngine.Result only = docker.docker("run", "--rm", "--cap-drop", "ALL", "--cap-add", "NET_RAW", "--runtime", runtime, IMG,
        "grep", "CapEff", "/proc/self/status");
    assertThat(only.exitCode()).as("%s\n%s", only.commandLine(), only.outputs()).isZero();
    assertThat(only.stdout().trim()).isEqualTo("CapEff:\t0000000000002000"); // NET_RAW is bit 13
    DockerEngine.Result noChown = docker.docker("run", "--rm", "--cap-drop", "CHOWN", "--runtime", runtime, IMG, "sh", "-c",
        "touch /tmp/f; if chown 1000 /tmp/f; then echo chown-allowed; exit 1; fi; echo chown-refused");
    assertThat(noChown.exitCode()).as("%s\n%s", noChown.commandLine(), noChown.outputs()).isZero();
    assertThat(noChown.stdout()).contains("chown-refused");
  }

  /**
   * Docker's default capabilities hold CAP_MKNOD: device nodes on the container's root behave as
   * any file, as under runc. Opening one stays refused: the host's root disk by Docker's device
   * rules (and in gofer mode by the nodev FUSE root, whose gofer opens no device).
   */
  @ParameterizedTest
  @MethodSource("runtimes")
  void deviceNodesOnTheRootFileSystem(String runtime) throws Exception {
    long dev = (Long) Files.getAttribute(Path.of("/"), "unix:dev");
    long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL), minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
    DockerEngine.Result r = docker.docker("run", "--rm", "--runtime", runtime, IMG, "sh", "-c",
        "mknod /b b 7 0 && mknod /c c 4 64 && stat -c '%F %t:%T' /b /c && chown 1:2 /b && stat -c %u:%g /b"
            + " && mv /b /b2 && stat -c %F /b2 && rm /b2 /c && echo removed"
            + " && mknod /disk b " + major + " " + minor
            + " && if head -c 1 /disk > /dev/null; then echo disk-readable; else echo disk-refused; fi");
    assertThat(r.exitCode()).as("%s\n%s", r.commandLine(), r.outputs()).isZero();
    assertThat(r.stdout()).isEqualTo("block special file 7:0\ncharacter special file 4:40\n1:2\n"
        + "block special file\nremoved\ndisk-refused\n");
    DockerEngine.Result refused = docker.docker("run", "--rm", "--cap-drop", "MKNOD", "--runtime", runtime, IMG, "sh", "-c",
        "if mknod /b b 7 0; then echo made; else echo refused; fi; mkfifo /f && echo fifo");
    assertThat(refused.stdout()).as("%s\n%s", refused.commandLine(), refused.outputs()).isEqualTo("refused\nfifo\n");
    assertThat(refused.stderr()).contains("Operation not permitted");
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void workdirAndEnvironment(String runtime) {
    DockerEngine.Result r = docker.docker("run", "--rm", "-w", "/tmp/work/dir", "-e", "GREETING=hello world", "-e", "OTHER=2",
        "--runtime", runtime, IMG, "sh", "-c", "pwd; echo \"$GREETING/$OTHER\"");
    assertThat(r.exitCode()).as("%s\n%s", r.commandLine(), r.outputs()).isZero();
    assertThat(r.stdout()).isEqualTo("/tmp/work/dir\nhello world/2\n");
  }

  // ---------------------------------------------------------------- run -d and the commands on a running container

  @ParameterizedTest
  @MethodSource("runtimes")
  void logsOfADetachedContainer(String runtime) {
    String n = name("logs", runtime);
    runDetached(runtime, n, IMG, "sh", "-c", "echo line-on-stdout; echo line-on-stderr >&2; exec sleep 1000");
    awaitLogs(n, "line-on-stdout");
    DockerEngine.Result logs = docker.docker("logs", n).ok();
    assertThat(logs.stdout()).isEqualTo("line-on-stdout\n");
    assertThat(logs.stderr()).isEqualTo("line-on-stderr\n");
    docker.docker(Duration.ofSeconds(60), "rm", "-f", n).ok();
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void execReturnsOutputAndExitCode(String runtime) {
    String n = name("exec", runtime);
    runDetached(runtime, n, IMG, "sh", "-c", "echo container-marker > /tmp/marker; echo marked; exec sleep 1000");
    awaitLogs(n, "marked");
    DockerEngine.Result r = docker.docker("exec", "-e", "IN_EXEC=yes", n, "sh", "-c", "cat /tmp/marker; echo $IN_EXEC; exit 5");
    assertThat(r.exitCode()).as("%s\n%s", r.commandLine(), r.outputs()).isEqualTo(5);
    assertThat(r.stdout()).isEqualTo("container-marker\nyes\n");
    docker.docker(Duration.ofSeconds(60), "rm", "-f", n).ok();
  }

  private void awaitRunning(String n) {
    boolean running = Host.eventually(Duration.ofSeconds(20), () -> inspect(n, "{{.State.Running}}").equals("true"));
    assertThat(running).as("container %s running", n).isTrue();
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void execWithTty(String runtime) {
    String n = name("exectty", runtime);
    runDetached(runtime, n, IMG, "sleep", "1000");
    DockerEngine.Result r = docker.docker("exec", "-t", n, "sh", "-c", "[ -t 1 ] && echo exec-stdout-is-a-tty; tty; exit 6");
    assertThat(r.exitCode()).as("%s\n%s", r.commandLine(), r.outputs()).isEqualTo(6);
    assertThat(r.stdout()).contains("exec-stdout-is-a-tty").contains("/dev/pts/");
    docker.docker(Duration.ofSeconds(60), "rm", "-f", n).ok();
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void topListsTheContainersProcesses(String runtime) {
    String n = name("top", runtime);
    runDetached(runtime, n, IMG, "sleep", "1001");
    DockerEngine.Result r = docker.docker("top", n);
    assertThat(r.exitCode()).as("%s\n%s", r.commandLine(), r.outputs()).isZero();
    assertThat(r.stdout()).contains("PID").contains("sleep 1001");
    docker.docker(Duration.ofSeconds(60), "rm", "-f", n).ok();
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void stopEndsAContainerThatIgnoresSigterm(String runtime) {
    String n = name("stop", runtime);
    // sleep as pid 1 has no SIGTERM handler, so the kernel ignores SIGTERM: stop must follow up with SIGKILL.
    runDetached(runtime, n, IMG, "sleep", "1000");
    DockerEngine.Result r = docker.docker(Duration.ofSeconds(40), "stop", "-t", "2", n);
    assertThat(r.exitCode()).as("%s\n%s", r.commandLine(), r.outputs()).isZero();
    assertThat(inspect(n, "{{.State.Status}} {{.State.ExitCode}}")).isEqualTo("exited 137");
    docker.docker(Duration.ofSeconds(60), "rm", n).ok();
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void stopEndsAContainerThatExitsOnSigterm(String runtime) {
    String n = name("stopterm", runtime);
    // With --init, docker-init forwards SIGTERM to sleep, which dies of it: exit status 128+15.
    runDetached(runtime, n, "--init", IMG, "sleep", "1000");
    DockerEngine.Result r = docker.docker(Duration.ofSeconds(40), "stop", "-t", "20", n);
    assertThat(r.exitCode()).as("%s\n%s", r.commandLine(), r.outputs()).isZero();
    assertThat(inspect(n, "{{.State.Status}} {{.State.ExitCode}}")).isEqualTo("exited 143");
    docker.docker(Duration.ofSeconds(60), "rm", n).ok();
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void killWithHupReachesTheTrap(String runtime) {
    String n = name("hup", runtime);
    runDetached(runtime, n, IMG, "sh", "-c", "trap 'echo got-hup' HUP; echo ready; while :; do sleep 0.1; done");
    awaitLogs(n, "ready");
    docker.docker("kill", "-s", "HUP", n).ok();
    awaitLogs(n, "got-hup");
    assertThat(inspect(n, "{{.State.Running}}")).as("the trap keeps the container running").isEqualTo("true");
    docker.docker(Duration.ofSeconds(60), "rm", "-f", n).ok();
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void restartRunsTheProgramAgain(String runtime) {
    String n = name("restart", runtime);
    String id = runDetached(runtime, n, IMG, "sh", "-c", "echo boot; exec sleep 1000");
    awaitLogs(n, "boot");
    String firstStart = inspect(n, "{{.State.StartedAt}}");
    DockerEngine.Result r = docker.docker(Duration.ofSeconds(40), "restart", "-t", "1", n);
    assertThat(r.exitCode()).as("%s\n%s", r.commandLine(), r.outputs()).isZero();
    assertThat(inspect(n, "{{.State.Running}}")).isEqualTo("true");
    assertThat(inspect(n, "{{.State.StartedAt}}")).isNotEqualTo(firstStart);
    boolean twice = Host.eventually(Duration.ofSeconds(20), () -> docker.docker("logs", n).stdout().equals("boot\nboot\n"));
    assertThat(twice).as("logs after restart: %s", docker.docker("logs", n).stdout()).isTrue();
    assertThat(docker.runtimeRoot().resolve(id)).isDirectory();
    docker.docker(Duration.ofSeconds(60), "rm", "-f", n).ok();
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void waitReportsTheExitCode(String runtime) {
    String n = name("wait", runtime);
    runDetached(runtime, n, IMG, "sh", "-c", "sleep 1; exit 42");
    DockerEngine.Result r = docker.docker("wait", n);
    assertThat(r.exitCode()).as("%s\n%s", r.commandLine(), r.outputs()).isZero();
    assertThat(r.stdout().trim()).isEqualTo("42");
    docker.docker(Duration.ofSeconds(60), "rm", n).ok();
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void cpIntoARunningContainerIsSeenByIt(String runtime) throws Exception {
    String n = name("cpin", runtime);
    runDetached(runtime, n, IMG, "sh", "-c",
        "echo waiting; while [ ! -f /tmp/dropped ]; do sleep 0.1; done; echo \"seen: $(cat /tmp/dropped)\"; exec sleep 1000");
    awaitLogs(n, "waiting");
    Path file = docker.base().resolve("dropped");
    Files.writeString(file, "payload-" + runtime + "\n");
    docker.docker("cp", file.toString(), n + ":/tmp/dropped").ok();
    awaitLogs(n, "seen: payload-" + runtime);
    docker.docker(Duration.ofSeconds(60), "rm", "-f", n).ok();
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void cpOutOfAContainer(String runtime) throws Exception {
    String n = name("cpout", runtime);
    runDetached(runtime, n, IMG, "sh", "-c", "echo made-inside > /tmp/made; echo made; exec sleep 1000");
    awaitLogs(n, "made");
    Path out = docker.base().resolve("copied-out-" + SEQ.incrementAndGet());
    docker.docker("cp", n + ":/tmp/made", out.toString()).ok();
    assertThat(Files.readString(out)).isEqualTo("made-inside\n");
    docker.docker(Duration.ofSeconds(60), "rm", "-f", n).ok();
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void rmForceRemovesARunningContainer(String runtime) {
    String n = name("rmf", runtime);
    String id = runDetached(runtime, n, IMG, "sleep", "1000");
    DockerEngine.Result r = docker.docker(Duration.ofSeconds(60), "rm", "-f", n);
    assertThat(r.exitCode()).as("%s\n%s", r.commandLine(), r.outputs()).isZero();
    assertThat(docker.docker("ps", "-aq", "--filter", "name=" + n).ok().stdout().trim()).isEmpty();
    assertThat(Host.eventually(Duration.ofSeconds(10), () -> !Files.exists(docker.runtimeRoot().resolve(id))))
        .as("burrow's state dir %s removed", docker.runtimeRoot().resolve(id)).isTrue();
  }

  // ---------------------------------------------------------------- networking

  @ParameterizedTest
  @MethodSource("runtimes")
  void userDefinedBridgeResolvesContainersByName(String runtime) {
    String net = name("net", runtime);
    String srv = name("srv", runtime);
    docker.docker("network", "create", net).ok();
    runDetached(runtime, srv, "--network", net, IMG, "sh", "-c",
        "mkdir -p /www && echo hello-from-$(hostname) > /www/index.html && exec httpd -f -p 8080 -h /www");
    DockerEngine.Result r = docker.docker("run", "--rm", "--runtime", runtime, "--network", net, IMG, "sh", "-c",
        "for i in $(seq 50); do wget -qO- http://" + srv + ":8080/ && ping -c1 -W2 " + srv + " >/dev/null && exit 0; sleep 0.2; done; exit 1");
    assertThat(r.exitCode()).as("%s\n%s", r.commandLine(), r.outputs()).isZero();
    assertThat(r.stdout()).startsWith("hello-from-");
    docker.docker(Duration.ofSeconds(60), "rm", "-f", srv).ok();
    docker.docker("network", "rm", net).ok();
  }

  // ---------------------------------------------------------------- cgroups and seccomp

  /** The container's cgroup directory in the host's v1 hierarchy {@code controller}, found by its id. */
  private static Path cgroupDir(String controller, String id) throws java.io.IOException {
    try (var found = Files.find(Path.of("/sys/fs/cgroup", controller), 4,
        (path, attrs) -> attrs.isDirectory() && path.getFileName().toString().equals(id))) {
      return found.findFirst().orElseThrow(() -> new AssertionError("no " + controller + " cgroup named " + id));
    }
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void memoryLimitStartsTheContainerAndOomKillsAnAllocationAboveIt(String runtime) {
    // 32 MB: the container's own processes pay, burrow's sandbox and gofer JVMs do not.
    DockerEngine.Result small = docker.docker("run", "--rm", "--runtime", runtime, "--memory", "32m", IMG, "echo", "started");
    assertThat(small.exitCode()).as("%s\n%s", small.commandLine(), small.outputs()).isZero();
    assertThat(small.stdout()).contains("started");
    DockerEngine.Result big = docker.docker("run", "--rm", "--runtime", runtime, "--memory", "32m", "--memory-swap", "32m", IMG,
        "sh", "-c", "x=$(head -c 60000000 /dev/zero | tr '\\0' a); echo survived ${#x}");
    assertThat(big.exitCode()).as("%s\n%s", big.commandLine(), big.outputs()).isEqualTo(137);
    assertThat(big.stdout()).doesNotContain("survived");
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void containerReadsItsOwnMemoryLimitFromItsCgroupMount(String runtime) {
    // What a JVM, Go or Node runtime reads to size itself: the container's limit, not the host root's,
    // with docker's default (no cgroup namespace on v1) and with a private cgroup namespace.
    for (String cgroupns : List.of("host", "private")) {
      DockerEngine.Result r = docker.docker("run", "--rm", "--runtime", runtime, "--memory", "64m", "--cgroupns", cgroupns, IMG,
          "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes");
      assertThat(r.exitCode()).as("%s\n%s", r.commandLine(), r.outputs()).isZero();
      assertThat(r.stdout().trim()).as("%s\n%s", r.commandLine(), r.outputs()).isEqualTo(Long.toString(64L << 20));
    }
    // docker's cgroup mount is ro: the container cannot raise its own limit.
    DockerEngine.Result w = docker.docker("run", "--rm", "--runtime", runtime, "--memory", "64m", IMG, "sh", "-c",
        "echo 1073741824 > /sys/fs/cgroup/memory/memory.limit_in_bytes || echo refused");
    assertThat(w.stdout() + w.stderr()).as("%s\n%s", w.commandLine(), w.outputs()).contains("refused").contains("Read-only file system");
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void pidsLimitMakesForksFail(String runtime) throws Exception {
    String n = name("pids", runtime);
    String id = runDetached(runtime, n, "--pids-limit", "10", IMG, "sleep", "1000");
    assertThat(Files.readString(cgroupDir("pids", id).resolve("pids.max")).trim()).isEqualTo("10");
    DockerEngine.Result r = docker.docker("exec", n, "sh", "-c", "for i in $(seq 12); do sleep 100 & done 2>&1; echo end");
    assertThat(r.stdout() + r.stderr()).as("%s\n%s", r.commandLine(), r.outputs()).containsAnyOf("fork", "Resource temporarily");
    docker.docker(Duration.ofSeconds(60), "rm", "-f", n).ok();
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void pauseUnpauseAndUpdateAContainer(String runtime) throws Exception {
    String n = name("frz", runtime);
    String id = runDetached(runtime, n, "--memory", "64m", IMG, "sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > /tmp/count; sleep 0.05; done");
    docker.docker("pause", n).ok();
    assertThat(inspect(n, "{{.State.Status}}")).isEqualTo("paused");
    DockerEngine.Result frozen = docker.docker("exec", n, "cat", "/tmp/count");
    assertThat(frozen.exitCode()).as("exec into a paused container does not run: %s", frozen.outputs()).isNotZero();
    assertThat(frozen.stdout()).isEmpty();
    docker.docker("unpause", n).ok();
    assertThat(inspect(n, "{{.State.Status}}")).isEqualTo("running");
    // The loop rewrites the file 20 times a second: a read may catch it truncated, so compare counts.
    java.util.function.LongSupplier count = () -> {
      String s = docker.docker("exec", n, "cat", "/tmp/count").stdout().trim();
      return s.isEmpty() ? -1 : Long.parseLong(s);
    };
    long before = -1;
    for (int i = 0; i < 20 && before < 0; i++) {
      before = count.getAsLong();
    }
    assertThat(before).as("the loop's count after unpause").isPositive();
    long seen = before;
    assertThat(Host.eventually(Duration.ofSeconds(20), () -> count.getAsLong() > seen)).as("thawed loop counts on").isTrue();

    docker.docker("update", "--memory", "48m", "--memory-swap", "48m", "--pids-limit", "33", n).ok();
    assertThat(Files.readString(cgroupDir("memory", id).resolve("memory.limit_in_bytes")).trim())
        .isEqualTo(Long.toString(48L * 1024 * 1024));
    assertThat(Files.readString(cgroupDir("pids", id).resolve("pids.max")).trim()).isEqualTo("33");
    docker.docker(Duration.ofSeconds(60), "rm", "-f", n).ok();
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void defaultSeccompProfileRefusesMountAndUnshare(String runtime) {
    // Docker's default profile refuses unshare(CLONE_NEWUSER), which the kernel allows anyone here.
    DockerEngine.Result r = docker.docker("run", "--rm", "--runtime", runtime, IMG, "sh", "-c",
        "grep Seccomp: /proc/self/status; unshare -U true && echo unshared; ls / > /dev/null && echo ls-ok");
    assertThat(r.exitCode()).as("%s\n%s", r.commandLine(), r.outputs()).isZero();
    assertThat(r.stdout()).contains("Seccomp:\t2").contains("ls-ok").doesNotContain("unshared");
    DockerEngine.Result unconfined = docker.docker("run", "--rm", "--runtime", runtime, "--security-opt",
        "seccomp=unconfined", IMG, "sh", "-c", "grep Seccomp: /proc/self/status; unshare -U true && echo unshared");
    assertThat(unconfined.stdout()).as("%s\n%s", unconfined.commandLine(), unconfined.outputs())
        .contains("Seccomp:\t0").contains("unshared");
  }

  /**
   * Direct mode only: there the pid file names the init, whose cgroup the shim reads. In gofer
   * mode it names the sandbox, outside the container's cgroup (docs/architecture.md, known gaps).
   */
  @org.junit.jupiter.api.Test
  void statsShowTheContainersMemoryLimitInDirectMode() {
    String n = name("stats", "burrow-direct");
    runDetached("burrow-direct", n, "--memory", "64m", IMG, "sleep", "1000");
    DockerEngine.Result r = docker.docker("stats", "--no-stream", "--format", "{{.MemUsage}} {{.PIDs}}", n);
    assertThat(r.exitCode()).as("%s\n%s", r.commandLine(), r.outputs()).isZero();
    assertThat(r.stdout()).as("%s\n%s", r.commandLine(), r.outputs()).contains("/ 64MiB");
    docker.docker(Duration.ofSeconds(60), "rm", "-f", n).ok();
  }
}
