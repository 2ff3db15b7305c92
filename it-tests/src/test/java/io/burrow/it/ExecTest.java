package io.burrow.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.burrow.api.spec.SpecIo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code exec}, {@code ps} and {@code kill --all} on real busybox containers, as runc's clients
 * use them: the inline form and docker's real process.json, the program's output and exit status,
 * detached processes with their pid file, runc's overrides (env, cwd, user, groups, capabilities),
 * passed-on fds, exec into a stopped container, and that the container's processes, exec'd ones
 * included, are listed and killed with it. Runs in gofer and in direct mode.
 */
@ExtendWith(BurrowExtension.class)
class ExecTest {
  /** A started container running {@code sleep 1000}; returns its init pid. */
  private static long running(TestEnv env, String id) {
    TestEnv.Container c = env.create(env.bundle().args("sleep", "1000"), id);
    env.burrow().run("start", id).ok();
    return c.pid();
  }

  private static void killAndDelete(TestEnv env, String id) {
    env.burrow().run("kill", id, "KILL").ok();
    env.awaitStatus(id, "stopped");
    env.burrow().run("delete", id).ok();
  }

  private static List<Long> psJson(TestEnv env, String id) {
    Burrow.Result r = env.burrow().run("ps", "--format", "json", id).ok();
    try {
      JsonNode node = SpecIo.MAPPER.readTree(r.stdout());
      assertThat(node.isArray()).as("ps --format json prints a JSON array\n%s", r.outputs()).isTrue();
      List<Long> pids = new ArrayList<>();
      node.forEach(n -> pids.add(n.asLong()));
      return pids;
    } catch (java.io.IOException e) {
      throw new AssertionError("ps --format json printed no JSON\n" + r.outputs(), e);
    }
  }

  private static long ppid(long pid) {
    return Long.parseLong(Host.statFields(pid).orElseThrow(() -> new AssertionError("no process " + pid))[1]);
  }

  /** CapEff of {@code /proc/self/status} as printed by grep, as a mask. */
  private static long capEff(String out) {
    for (String line : out.split("\n")) {
      if (line.startsWith("CapEff:")) {
        return Long.parseUnsignedLong(line.substring(7).trim(), 16);
      }
    }
    throw new AssertionError("no CapEff line in\n" + out);
  }

  @Test
  void execPrintsTheProgramsOutputAndExitsWithItsStatus(TestEnv env) {
    running(env, "x1");
    // Options end at the id: -c goes to sh, not to exec's --cap.
    Burrow.Result r = env.burrow().run("exec", "x1", "sh", "-c", "echo out; echo err >&2; echo pid $$; exit 3");
    assertThat(r.exitCode()).as(r.outputs()).isEqualTo(3);
    assertThat(r.stdout()).startsWith("out\n");
    assertThat(r.stderr()).isEqualTo("err\n");
    assertThat(Long.parseLong(ContainerTest.keyValues(r.stdout()).get("pid"))).as("a pid of the container's pid namespace")
        .isGreaterThan(1).isLessThan(1000);
    Burrow.Result killed = env.burrow().run("exec", "x1", "--", "sh", "-c", "kill -9 $$");
    assertThat(killed.exitCode()).as("128 + SIGKILL\n%s", killed.outputs()).isEqualTo(137);
    Burrow.Result missing = env.burrow().run("exec", "x1", "no-such-program");
    assertThat(missing.exitCode()).as("runc's status for an exec that cannot start").isEqualTo(255);
    assertThat(missing.errorMessage()).contains("no-such-program").contains("not found");
    assertThat(env.status("x1")).isEqualTo("running");
    killAndDelete(env, "x1");
  }

  @Test
  void execWithDockersProcessFile(TestEnv env) throws Exception {
    running(env, "x2");
    // docker's exec process (dockerd 20.10), as runtime-core's tests keep it
    ObjectNode process = (ObjectNode) SpecIo.MAPPER.readTree(
        Files.readString(Path.of("../runtime-core/src/test/resources/fixtures/docker-exec-process.json")));
    ArrayNode args = process.putArray("args");
    args.add("sh").add("-c").add("echo foo $FOO; echo host $HOSTNAME; grep CapEff /proc/self/status; id -G");
    Path file = env.base().resolve("process.json");
    Files.writeString(file, SpecIo.MAPPER.writeValueAsString(process));
    Burrow.Result r = env.burrow().run("exec", "--process", file.toString(), "x2").ok();
    Map<String, String> kv = ContainerTest.keyValues(r.stdout());
    assertThat(kv.get("foo")).isEqualTo("bar");
    assertThat(kv.get("host")).isEqualTo("9f06c96cab57");
    // docker's 14 default capabilities, the file's own, not the container's three
    assertThat(Long.toHexString(capEff(r.stdout()))).isEqualTo("a80425fb");
    assertThat(r.stdout()).contains("\n0\n");
    killAndDelete(env, "x2");
  }

  @Test
  void detachedExecWritesItsPidAndLeavesTheProcessToTheCallersReaper(TestEnv env) {
    long init = running(env, "x3");
    Path pidFile = env.base().resolve("exec.pid");
    Burrow.Result r = env.burrow().run("exec", "--detach", "--pid-file", pidFile.toString(), "x3", "sleep", "1000").ok();
    long pid = TestEnv.readPidFile(pidFile, r);
    env.trackPid(pid);
    assertThat(Host.alive(pid)).as("the detached process runs after exec returned").isTrue();
    assertThat(Host.cmdline(pid)).isEqualTo("sleep 1000");
    assertThat(Host.ns(pid, "pid")).isEqualTo(Host.ns(init, "pid"));
    assertThat(Host.ns(pid, "mnt")).isEqualTo(Host.ns(init, "mnt"));
    // It was a child of `burrow exec`, which has exited: now it is the nearest subreaper's (pid 1 here).
    assertThat(Host.cmdline(ppid(pid))).as("parent of the exec'd process").doesNotContain("io.burrow");
    assertThat(psJson(env, "x3")).containsExactlyInAnyOrder(init, pid);
    env.burrow().run("kill", "--all", "x3", "KILL").ok();
    assertThat(TestEnv.awaitDead(pid)).as("kill --all reaches the exec'd process").isTrue();
    env.awaitStatus("x3", "stopped");
    assertThat(psJson(env, "x3")).isEmpty();
    env.burrow().run("delete", "x3").ok();
  }

  @Test
  void envCwdUserAndGroupsOverrideTheContainersProcess(TestEnv env) {
    running(env, "x4");
    Burrow.Result r = env.burrow().run("exec", "--env", "FOO=bar baz", "-e", "SECOND=2", "--cwd", "/etc",
        "--user", "1000:1001", "--additional-gids", "10", "-g", "20", "x4",
        "sh", "-c", "echo foo $FOO; echo second $SECOND; echo path $PATH; echo cwd $(pwd); echo uid $(id -u); "
            + "echo gid $(id -g); echo groups $(grep '^Groups:' /proc/self/status | cut -f2)").ok();
    Map<String, String> kv = ContainerTest.keyValues(r.stdout());
    assertThat(kv.get("foo")).isEqualTo("bar baz");
    assertThat(kv.get("second")).isEqualTo("2");
    assertThat(kv.get("path")).as("the container's environment stays").isNotEmpty();
    assertThat(kv.get("cwd")).isEqualTo("/etc");
    assertThat(kv.get("uid")).isEqualTo("1000");
    assertThat(kv.get("gid")).isEqualTo("1001");
    assertThat(kv.get("groups").split(" +")).containsExactlyInAnyOrder("10", "20");
    killAndDelete(env, "x4");
  }

  @Test
  void capAddsACapabilityToTheContainers(TestEnv env) {
    running(env, "x5");
    long capSysAdmin = 1L << 21;
    long plain = capEff(env.burrow().run("exec", "x5", "grep", "CapEff", "/proc/self/status").ok().stdout());
    long added = capEff(env.burrow().run("exec", "--cap", "CAP_SYS_ADMIN", "x5", "grep", "CapEff", "/proc/self/status")
        .ok().stdout());
    assertThat(plain & capSysAdmin).as("the container's set has no CAP_SYS_ADMIN").isZero();
    assertThat(added).isEqualTo(plain | capSysAdmin);
    killAndDelete(env, "x5");
  }

  @Test
  void preservedFdsReachTheProcess(TestEnv env) throws Exception {
    running(env, "x6");
    Path data = env.base().resolve("fd3.txt");
    Files.writeString(data, "through fd 3\n");
    List<String> cmd = new ArrayList<>(List.of(Burrow.configuredExecutable().toString(), "--root", env.root().toString()));
    cmd.addAll(Burrow.defaultFlags(List.of()));
    cmd.addAll(List.of("exec", "--preserve-fds", "1", "x6", "cat", "/proc/self/fd/3"));
    // The shell opens fd 3 and then becomes burrow: "$@" keeps the words of the command intact.
    List<String> shell = new ArrayList<>(List.of("sh", "-c", "exec 3<\"$0\"; shift; exec \"$@\"", data.toString(), "-"));
    shell.addAll(cmd);
    Host.Cmd out = Host.sh(Duration.ofSeconds(60), shell.toArray(String[]::new));
    assertThat(out.exitCode()).as(out.output()).isZero();
    assertThat(out.output()).isEqualTo("through fd 3\n");
    killAndDelete(env, "x6");
  }

  @Test
  void execIntoAStoppedContainerFailsAsRuncsAndStartsNothing(TestEnv env) {
    TestEnv.Container c = env.create(env.bundle().args("true"), "x7");
    env.burrow().run("start", "x7").ok();
    env.awaitStatus("x7", "stopped");
    Path pidFile = env.base().resolve("never.pid");
    Burrow.Result r = env.burrow().run("exec", "--detach", "--pid-file", pidFile.toString(), "x7", "sleep", "1000")
        .failed();
    assertThat(r.exitCode()).isEqualTo(255);
    assertThat(r.errorMessage()).contains("cannot exec in a stopped container").contains("x7");
    assertThat(pidFile).doesNotExist();
    assertThat(env.status("x7")).isEqualTo("stopped");
    assertThat(TestEnv.awaitDead(c.pid())).isTrue();
    env.burrow().run("delete", "x7").ok();
    assertThat(env.burrow().run("exec", "x7", "true").failed().errorMessage()).contains("x7").contains("does not exist");
  }

  @Test
  void psListsTheContainersProcessesOnly(TestEnv env) {
    long init = running(env, "x8");
    Path pidFile = env.base().resolve("exec.pid");
    Burrow.Result r = env.burrow().run("exec", "-d", "--pid-file", pidFile.toString(), "x8", "sleep", "999").ok();
    long pid = TestEnv.readPidFile(pidFile, r);
    env.trackPid(pid);
    // Gofer mode: the sandbox and the gofer serve the container but are not its processes.
    assertThat(psJson(env, "x8")).containsExactlyInAnyOrder(init, pid);
    Burrow.Result table = env.burrow().run("ps", "x8").ok();
    List<String> lines = table.stdout().lines().toList();
    assertThat(lines.get(0)).contains("PID").contains("CMD");
    assertThat(lines).hasSize(3);
    assertThat(lines.subList(1, 3)).anyMatch(l -> l.endsWith("sleep 1000")).anyMatch(l -> l.endsWith("sleep 999"));
    // What follows the id goes to ps.
    Burrow.Result custom = env.burrow().run("ps", "x8", "-o", "pid,comm").ok();
    assertThat(custom.stdout().lines().toList()).hasSize(3).first().asString().contains("PID").contains("COMMAND");
    env.burrow().run("delete", "--force", "x8").ok();
    assertThat(TestEnv.awaitDead(pid)).as("delete --force takes the exec'd process with it").isTrue();
    assertThat(TestEnv.awaitDead(init)).isTrue();
  }

  @Test
  void execIntoACreatedContainerRunsBeforeTheProgramStarts(TestEnv env) {
    env.create(env.bundle().shell("echo program-ran"), "x9");
    Burrow.Result r = env.burrow().run("exec", "x9", "sh", "-c", "echo exec-ran; cat /proc/1/cmdline | tr '\\0' ' '").ok();
    assertThat(r.stdout()).startsWith("exec-ran\n");
    assertThat(env.status("x9")).isEqualTo("created");
    env.burrow().run("delete", "--force", "x9").ok();
  }

  @Test
  void withoutAPidNamespacePsAndKillAllKeepToTheInitsTree(TestEnv env) {
    Path gate = env.dir("gate");
    Bundle b = env.bundle().bind("/gate", gate, "rw")
        .shell("sleep 1000 & echo $! > /gate/child; wait");
    ContainerTest.namespaces(b, "mount", "uts", "ipc");
    TestEnv.Container c = env.create(b, "x10");
    env.burrow().run("start", "x10").ok();
    Path childFile = gate.resolve("child");
    assertThat(Host.eventually(Duration.ofSeconds(30), () -> {
      try {
        return Files.readString(childFile).endsWith("\n");
      } catch (java.io.IOException e) {
        return false;
      }
    })).as("the container wrote its child's pid").isTrue();
    long child;
    try {
      child = Long.parseLong(Files.readString(childFile).trim());
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    env.trackPid(child);
    // The host's pid namespace is shared: only the init and its descendants are the container's.
    assertThat(psJson(env, "x10")).containsExactlyInAnyOrder(c.pid(), child);
    env.burrow().run("kill", "--all", "x10", "KILL").ok();
    assertThat(TestEnv.awaitDead(child)).isTrue();
    env.awaitStatus("x10", "stopped");
    env.burrow().run("delete", "x10").ok();
  }

  @Test
  void execJoinsTheContainersUserNamespaceFirst(TestEnv env) {
    Bundle b = env.bundle().args("sleep", "1000").edit(s -> {
      s.linux.namespaces = new ArrayList<>(List.of(
          new io.burrow.api.spec.Linux.Namespace("pid", null), new io.burrow.api.spec.Linux.Namespace("mount", null),
          new io.burrow.api.spec.Linux.Namespace("ipc", null), new io.burrow.api.spec.Linux.Namespace("uts", null),
          new io.burrow.api.spec.Linux.Namespace("network", null), new io.burrow.api.spec.Linux.Namespace("user", null)));
      s.linux.uidMappings = new ArrayList<>(List.of(new io.burrow.api.spec.IdMapping(0, 100000, 65536)));
      s.linux.gidMappings = new ArrayList<>(List.of(new io.burrow.api.spec.IdMapping(0, 100000, 65536)));
    });
    TestEnv.Container c = env.create(b, "x11");
    env.burrow().run("start", "x11").ok();
    Burrow.Result r = env.burrow().run("exec", "--user", "1000:1000", "x11", "sh", "-c",
        "echo uid $(id -u); echo uidmap $(cat /proc/self/uid_map); echo userns $(readlink /proc/self/ns/user); "
            + "echo ipcns $(readlink /proc/self/ns/ipc); echo host $(hostname)").ok();
    Map<String, String> kv = ContainerTest.keyValues(r.stdout());
    assertThat(kv.get("uid")).isEqualTo("1000");
    assertThat(kv.get("uidmap")).isEqualTo("0 100000 65536");
    assertThat(kv.get("userns")).isEqualTo(Host.ns(c.pid(), "user").orElseThrow());
    assertThat(kv.get("ipcns")).isEqualTo(Host.ns(c.pid(), "ipc").orElseThrow());
    assertThat(kv.get("host")).as("the container's uts namespace").isEqualTo(b.spec().hostname);
    Path pidFile = env.base().resolve("exec.pid");
    Burrow.Result d = env.burrow().run("exec", "-d", "--pid-file", pidFile.toString(), "x11", "sleep", "1000").ok();
    long pid = TestEnv.readPidFile(pidFile, d);
    env.trackPid(pid);
    assertThat(Host.ns(pid, "user")).isEqualTo(Host.ns(c.pid(), "user"));
    env.burrow().run("kill", "--all", "x11", "KILL").ok();
    assertThat(TestEnv.awaitDead(pid)).isTrue();
    env.awaitStatus("x11", "stopped");
    env.burrow().run("delete", "x11").ok();
  }

  @Test
  void aForegroundExecForwardsSignalsToItsProcess(TestEnv env) throws Exception {
    Path gate = env.dir("gate");
    TestEnv.Container c = env.create(env.bundle().bind("/gate", gate, "rw").args("sleep", "1000"), "x12");
    env.burrow().run("start", "x12").ok();
    List<String> cmd = new ArrayList<>(List.of(Burrow.configuredExecutable().toString(), "--root", env.root().toString()));
    cmd.addAll(Burrow.defaultFlags(List.of()));
    cmd.addAll(List.of("exec", "x12", "sh", "-c",
        "trap 'echo got-term; exit 9' TERM; touch /gate/ready; while true; do sleep 0.1; done"));
    Path out = env.base().resolve("out/foreground-exec.out");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().put(Burrow.MARK_ENV, env.base().toString());
    java.lang.Process exec = pb.start();
    env.helper(exec.toHandle());
    assertThat(Host.eventually(Duration.ofSeconds(60), () -> Files.exists(gate.resolve("ready"))))
        .as("the exec'd shell set its trap").isTrue();
    Host.sh("kill", "-TERM", Long.toString(exec.pid())).ok();
    assertThat(exec.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("burrow exec ended").isTrue();
    assertThat(exec.exitValue()).as(Files.readString(out)).isEqualTo(9);
    assertThat(Files.readString(out)).contains("got-term");
    assertThat(env.status("x12")).as("only the exec'd process got the signal").isEqualTo("running");
    assertThat(Host.alive(c.pid())).isTrue();
    killAndDelete(env, "x12");
  }
}
