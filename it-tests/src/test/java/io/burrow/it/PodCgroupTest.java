package io.burrow.it;

import static io.burrow.it.HostCgroups.assertNoCgroup;
import static io.burrow.it.HostCgroups.file;
import static io.burrow.it.HostCgroups.members;
import static io.burrow.it.HostCgroups.read;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.burrow.api.spec.SpecIo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A pod's child container has a cgroup of its own, as each container of a Kubernetes pod has
 * under runc and runsc: its create makes it with the child's {@code linux.resources}, its init is
 * moved there by the host before it runs anything (the sandbox forks it at start), and
 * {@code ps}, {@code kill --all}, {@code exec}, {@code pause}/{@code resume}, {@code update},
 * {@code events} and {@code delete} work on it, without touching the pod's other containers.
 * Real pods (gofer mode: a child joins its pod's sandbox only there; in direct mode the
 * annotations are ignored and the child is a container like any other, which CgroupTest covers),
 * real cgroups, read from the host. Every container's cgroup is under a parent of the test's own
 * ({@code /burrow-it-BASE}), removed afterwards.
 */
@ExtendWith(BurrowExtension.class)
class PodCgroupTest {
  private boolean cleanupRegistered;

  private static Bundle annotated(Bundle b, String type, String sandboxId) {
    return b.edit(spec -> {
      java.util.Map<String, String> annotations = new java.util.HashMap<>();
      annotations.put("io.kubernetes.cri.container-type", type);
      if (sandboxId != null) {
        annotations.put("io.kubernetes.cri.sandbox-id", sandboxId);
      }
      spec.annotations = annotations;
    });
  }

  private static Burrow gofer(TestEnv env) {
    return env.burrow().withGlobalFlags("--file-access", "gofer");
  }

  /** The cgroup of container {@code id} in this test, {@code /burrow-it-BASE/ID}; the parent goes after the test. */
  private String path(TestEnv env, String id) {
    String parent = "/burrow-it-" + env.base().getFileName();
    if (!cleanupRegistered) {
      cleanupRegistered = true;
      env.atCleanup(() -> HostCgroups.removeTree(parent));
    }
    return parent + "/" + id;
  }

  /** A bundle {@code name} with {@code cgroupsPath} {@link #path} and the given resources. */
  private Bundle inCgroup(TestEnv env, String name, Consumer<ObjectNode> resources) {
    return env.bundle(name).editJson(c -> {
      ObjectNode linux = (ObjectNode) c.get("linux");
      linux.put("cgroupsPath", path(env, name));
      resources.accept(linux.putObject("resources"));
    });
  }

  /** Creates and starts the pod container {@code pod} (args {@code script}); returns its sandbox's pid. */
  private long startPod(TestEnv env, String script) throws IOException {
    Bundle pod = annotated(inCgroup(env, "pod", r -> { }).shell(script), "sandbox", null);
    gofer(env).run("create", "--bundle", pod.dir().toString(), "pod").ok();
    gofer(env).run("start", "pod").ok();
    long sandbox = recorded(env, "pod", "sandbox");
    env.helper(ProcessHandle.of(sandbox).orElseThrow());
    return sandbox;
  }

  /** A pid burrow recorded in the container's state.json ({@code init}, {@code sandbox}, {@code fileServer}). */
  private static long recorded(TestEnv env, String id, String field) throws IOException {
    JsonNode record = SpecIo.MAPPER.readTree(env.stateDir(id).resolve("state.json").toFile());
    return record.path(field).path("pid").asLong();
  }

  private static long initOf(TestEnv env, String id) {
    long pid = env.state(id).path("pid").asLong();
    assertThat(pid).as("the init of %s", id).isPositive();
    return pid;
  }

  private static List<Long> psJson(TestEnv env, String id) throws IOException {
    JsonNode ps = SpecIo.MAPPER.readTree(env.burrow().run("ps", "--format", "json", id).ok().stdout());
    List<Long> pids = new ArrayList<>();
    ps.forEach(n -> pids.add(n.asLong()));
    return pids;
  }

  private static boolean nonEmpty(Path f) {
    try {
      return Files.size(f) > 0 && Files.readString(f).endsWith("\n");
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void aChildGetsItsOwnCgroupWithItsLimitsAndItsInitIsPlacedBeforeItRuns(TestEnv env) throws Exception {
    Path out = env.dir("out");
    long sandbox = startPod(env, "sleep 1000");
    long podInit = initOf(env, "pod");
    Bundle a = annotated(inCgroup(env, "a", r -> {
      r.putObject("memory").put("limit", 32L << 20);
      r.putObject("pids").put("limit", 20);
    }).bind("/out", out, "rw").shell("cat /sys/fs/cgroup/" + (HostCgroups.v1("memory") ? "memory/memory.limit_in_bytes" : "memory.max")
        + " > /out/a-limit; cat /proc/self/cgroup > /out/a-cgroup; exec sleep 1000"), "container", "pod");
    a.withNamespace("cgroup");
    String p = path(env, "a");

    gofer(env).run("create", "--bundle", a.dir().toString(), "a").ok();
    assertThat(read(env.stateDir("a").resolve("cgroup"))).as("the recorded cgroup").isEqualTo(p);
    assertThat(read(file("memory", p, "memory.limit_in_bytes", "memory.max"))).isEqualTo(Long.toString(32L << 20));
    assertThat(read(file("pids", p, "pids.max", "pids.max"))).isEqualTo("20");
    assertThat(members("pids", p)).as("nothing runs in the child's cgroup before start").isEmpty();

    gofer(env).run("start", "a").ok();
    long init = initOf(env, "a");
    assertThat(Host.ppid(init)).as("the child's init is the sandbox's child").hasValue(sandbox);
    for (String controller : List.of("memory", "pids", "freezer", "cpu")) {
      assertThat(members(controller, p)).as("%s cgroup of the child", controller).containsExactly(init);
    }
    assertThat(read(Path.of(HostCgroups.unified() + p).resolve("cgroup.procs"))).as("the unified hierarchy")
        .isEqualTo(Long.toString(init));
    assertThat(read(Path.of("/proc/" + init + "/cgroup"))).as("/proc/%d/cgroup", init).contains(p);
    assertThat(read(Path.of("/proc/" + sandbox + "/cgroup"))).as("the sandbox is not charged to the child")
        .doesNotContain(p);
    assertThat(read(Path.of("/proc/" + podInit + "/cgroup"))).as("the pod's init").doesNotContain(p)
        .contains(path(env, "pod"));
    // Moved before its cgroup namespace was made: that namespace's root is the child's cgroup.
    assertThat(Host.eventually(Duration.ofSeconds(30), () -> nonEmpty(out.resolve("a-cgroup")))).isTrue();
    String inside = Files.readString(out.resolve("a-cgroup"));
    assertThat(inside).contains("0::/\n");
    for (String line : inside.split("\n")) {
      assertThat(line).as("every hierarchy's root is the child's cgroup: %s", inside).endsWith(":/");
    }
    assertThat(read(out.resolve("a-limit"))).as("the child's cgroup mount shows its own limit")
        .isEqualTo(Long.toString(32L << 20));

    gofer(env).run("update", "--pids-limit", "30", "--memory", "64m", "a").ok();
    assertThat(read(file("pids", p, "pids.max", "pids.max"))).isEqualTo("30");
    JsonNode event = SpecIo.MAPPER.readTree(gofer(env).run("events", "--stats", "a").ok().stdout());
    assertThat(event.path("id").asText()).isEqualTo("a");
    assertThat(event.path("data").path("memory").path("usage").path("limit").asLong()).as("%s", event)
        .isEqualTo(64L << 20);
    assertThat(event.path("data").path("pids").path("current").asLong()).as("%s", event).isEqualTo(1);

    gofer(env).run("delete", "--force", "a").ok();
    assertNoCgroup(p);
    assertThat(Host.alive(podInit)).as("deleting the child leaves the pod's init").isTrue();
    gofer(env).run("delete", "--force", "pod").ok();
    assertThat(TestEnv.awaitDead(sandbox)).isTrue();
    assertNoCgroup(path(env, "pod"));
  }

  @Test
  void aChildsMemoryAndPidsLimitsAreEnforced(TestEnv env) throws Exception {
    Path out = env.dir("out");
    long sandbox = startPod(env, "sleep 1000");
    // A shell variable of 60 MB lives in the shell's own memory: over 32 MB the OOM killer takes it.
    Bundle big = annotated(inCgroup(env, "big", r -> r.putObject("memory").put("limit", 32L << 20)
        .put("swap", 32L << 20)).bind("/out", out, "rw")
        .shell("x=$(head -c 60000000 /dev/zero | tr '\\0' a); echo survived ${#x} > /out/big"), "container", "pod");
    // As CgroupTest's: the shell is process 1 of 10, nine sleeps fit, the tenth fork fails.
    Bundle pids = annotated(inCgroup(env, "pids", r -> r.putObject("pids").put("limit", 10)).bind("/out", out, "rw")
        .shell("for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 100 & echo $i >> /out/started; done"),
        "container", "pod");
    gofer(env).run("create", "--bundle", big.dir().toString(), "big").ok();
    gofer(env).run("create", "--bundle", pids.dir().toString(), "pids").ok();
    // Either may be over before `state` could see its init: watch the status and the cgroup files.
    gofer(env).run("start", "big").ok();
    gofer(env).run("start", "pids").ok();

    env.awaitStatus("big", "stopped");
    String p = path(env, "big");
    String oom = read(file("memory", p, "memory.oom_control", "memory.events"));
    assertThat(oom).as("the child's own OOM counter").containsPattern("oom_kill [1-9]");
    assertThat(out.resolve("big")).as("the allocation must not survive").doesNotExist();

    env.awaitStatus("pids", "stopped");
    assertThat(Files.readAllLines(out.resolve("started"))).as("sleeps started besides the shell").hasSize(9);
    assertThat(read(file("pids", path(env, "pids"), "pids.events", "pids.events"))).as("pids.events")
        .containsPattern("max [1-9]");

    assertThat(Host.alive(sandbox)).as("the pod's sandbox is not charged and lives on").isTrue();
    gofer(env).run("delete", "big").ok();
    gofer(env).run("delete", "--force", "pids").ok();
    assertNoCgroup(p);
    assertNoCgroup(path(env, "pids"));
    gofer(env).run("delete", "--force", "pod").ok();
    assertNoCgroup(path(env, "pod"));
  }

  @Test
  void psKillAllAndExecOfAChildUseItsCgroup(TestEnv env) throws Exception {
    long sandbox = startPod(env, "sleep 1000");
    long podInit = initOf(env, "pod");
    // No pid namespace of its own: only the cgroup tells the child's processes from the host's.
    Bundle a = annotated(inCgroup(env, "a", r -> r.putObject("pids").put("limit", 20)).args("sleep", "1000"),
        "container", "pod");
    ContainerTest.namespaces(a, "mount", "uts", "ipc");
    String p = path(env, "a");
    gofer(env).run("create", "--bundle", a.dir().toString(), "a").ok();
    gofer(env).run("start", "a").ok();
    long init = initOf(env, "a");

    Burrow.Result cat = gofer(env).run("exec", "a", "cat", "/proc/self/cgroup").ok();
    assertThat(cat.stdout()).as("an exec'd process is in the child's cgroup")
        .contains((HostCgroups.v1("pids") ? "pids:" : "0::") + p + "\n");
    Path pidFile = env.base().resolve("exec.pid");
    Burrow.Result d = gofer(env).run("exec", "--detach", "--pid-file", pidFile.toString(), "a", "sleep", "999").ok();
    long exec = TestEnv.readPidFile(pidFile, d);
    env.trackPid(exec);
    assertThat(Host.ppid(exec)).as("the exec'd process is no descendant of the init").isNotEqualTo(Optional.of(init));

    assertThat(members("pids", p)).containsExactlyInAnyOrder(init, exec);
    assertThat(psJson(env, "a")).as("ps of the child").containsExactlyInAnyOrder(init, exec)
        .doesNotContain(sandbox, podInit);
    gofer(env).run("kill", "--all", "a", "KILL").ok();
    assertThat(TestEnv.awaitDead(exec)).as("kill --all reaches the exec'd process").isTrue();
    assertThat(TestEnv.awaitDead(init)).isTrue();
    env.awaitStatus("a", "stopped");
    assertThat(Host.alive(podInit)).as("the pod's init").isTrue();
    assertThat(Host.alive(sandbox)).as("the pod's sandbox").isTrue();
    assertThat(env.status("pod")).isEqualTo("running");

    gofer(env).run("delete", "a").ok();
    assertNoCgroup(p);
    gofer(env).run("delete", "--force", "pod").ok();
    assertNoCgroup(path(env, "pod"));
  }

  @Test
  void pausingAChildFreezesOnlyThatChild(TestEnv env) throws Exception {
    Path out = env.dir("out");
    String counter = "i=0; while :; do i=$((i+1)); echo $i > /out/%s; sleep 0.05; done";
    Bundle pod = annotated(inCgroup(env, "pod", r -> { }).bind("/out", out, "rw").shell(String.format(counter, "pod")),
        "sandbox", null);
    gofer(env).run("create", "--bundle", pod.dir().toString(), "pod").ok();
    gofer(env).run("start", "pod").ok();
    long sandbox = recorded(env, "pod", "sandbox");
    env.helper(ProcessHandle.of(sandbox).orElseThrow());
    for (String id : List.of("a", "b")) {
      Bundle child = annotated(inCgroup(env, id, r -> r.putObject("pids").put("limit", 50)).bind("/out", out, "rw")
          .shell(String.format(counter, id)), "container", "pod");
      gofer(env).run("create", "--bundle", child.dir().toString(), id).ok();
      gofer(env).run("start", id).ok();
    }
    for (String id : List.of("pod", "a", "b")) {
      assertThat(Host.eventually(Duration.ofSeconds(30), () -> nonEmpty(out.resolve(id)))).as("%s counts", id).isTrue();
    }

    gofer(env).run("pause", "a").ok();
    assertThat(env.status("a")).isEqualTo("paused");
    assertThat(env.status("b")).isEqualTo("running");
    assertThat(env.status("pod")).isEqualTo("running");
    String pa = path(env, "a");
    assertThat(read(file("freezer", pa, "freezer.state", "cgroup.freeze"))).isIn("FROZEN", "1");
    assertThat(read(file("freezer", path(env, "b"), "freezer.state", "cgroup.freeze"))).isIn("THAWED", "0");
    String frozen = read(out.resolve("a"));
    String b0 = read(out.resolve("b"));
    String pod0 = read(out.resolve("pod"));
    // b writes through the sandbox's FUSE mount: its counter moving means the sandbox is not frozen either.
    assertThat(Host.eventually(Duration.ofSeconds(30),
        () -> moved(out.resolve("b"), b0) && moved(out.resolve("pod"), pod0)))
        .as("b and the pod's init run on while a is paused").isTrue();
    assertThat(read(out.resolve("a"))).as("a's count while paused").isEqualTo(frozen);

    gofer(env).run("resume", "a").ok();
    assertThat(env.status("a")).isEqualTo("running");
    assertThat(Host.eventually(Duration.ofSeconds(30), () -> moved(out.resolve("a"), frozen)))
        .as("a counts again after resume").isTrue();

    // delete --force of a paused child thaws, kills and removes its cgroup.
    gofer(env).run("pause", "a").ok();
    gofer(env).run("delete", "--force", "a").ok();
    assertNoCgroup(pa);
    assertThat(env.status("b")).isEqualTo("running");
    gofer(env).run("delete", "--force", "b").ok();
    assertNoCgroup(path(env, "b"));
    gofer(env).run("delete", "--force", "pod").ok();
    assertThat(TestEnv.awaitDead(sandbox)).isTrue();
    assertNoCgroup(path(env, "pod"));
  }

  private static boolean moved(Path counter, String before) {
    String now = read(counter);
    return !now.isEmpty() && !now.equals(before);
  }

  @Test
  void aChildsFailedCreateOrStartLeavesNoCgroup(TestEnv env) throws Exception {
    long sandbox = startPod(env, "sleep 1000");
    long podInit = initOf(env, "pod");

    // Bad resources: the field is named, nothing is made.
    Bundle bad = annotated(inCgroup(env, "bad", r -> r.putObject("pids").put("limit", 1.5)), "container", "pod");
    String badError = gofer(env).run("create", "--bundle", bad.dir().toString(), "bad").failed().errorMessage();
    assertThat(badError).contains("linux.resources.pids.limit");
    assertThat(env.stateDir("bad")).doesNotExist();
    assertNoCgroup(path(env, "bad"));

    // A prestart hook fails after the cgroup was made: create removes it again.
    Bundle hook = annotated(inCgroup(env, "hook", r -> r.putObject("pids").put("limit", 20)), "container", "pod")
        .editJson(c -> c.putObject("hooks").putArray("prestart").addObject().put("path", "/bin/false"));
    assertThat(gofer(env).run("create", "--bundle", hook.dir().toString(), "hook").failed().errorMessage())
        .contains("'hook'").contains("prestart");
    assertThat(env.stateDir("hook")).doesNotExist();
    assertNoCgroup(path(env, "hook"));

    // The child's cgroup vanishes between create and start: the placement fails, start says which
    // container and cgroup, and neither the forked init nor the gofer nor the mounts stay.
    Bundle gone = annotated(inCgroup(env, "gone", r -> r.putObject("pids").put("limit", 20)).args("sleep", "1000"),
        "container", "pod");
    String p = path(env, "gone");
    gofer(env).run("create", "--bundle", gone.dir().toString(), "gone").ok();
    for (Path dir : HostCgroups.allHierarchies(p)) {
      if (Files.isDirectory(dir)) {
        Files.delete(dir);
      }
    }
    String error = gofer(env).run("start", "gone").failed().errorMessage();
    assertThat(error).contains("'gone'").contains("cgroup " + p);
    assertThat(env.status("gone")).isEqualTo("stopped");
    long goferPid = recorded(env, "gone", "fileServer");
    assertThat(goferPid).as("the child's gofer was started").isPositive();
    assertThat(TestEnv.awaitDead(goferPid)).as("the child's gofer").isTrue();
    assertThat(Host.eventually(Duration.ofSeconds(10), () -> Host.allPids().stream()
        .filter(pid -> Host.ppid(pid).orElse(-1L) == sandbox && Host.alive(pid)).toList().equals(List.of(podInit))))
        .as("the sandbox's only child is the pod's init").isTrue();
    String gonePrefix = env.stateDir("gone").toString();
    assertThat(Host.eventually(Duration.ofSeconds(10), () -> !read(Path.of("/proc/" + sandbox + "/mountinfo"))
        .contains(gonePrefix))).as("the sandbox released the child's mounts").isTrue();
    gofer(env).run("delete", "gone").ok();
    assertThat(env.stateDir("gone")).doesNotExist();
    assertNoCgroup(p);

    assertThat(env.status("pod")).isEqualTo("running");
    gofer(env).run("delete", "--force", "pod").ok();
    assertNoCgroup(path(env, "pod"));
  }
}
