package io.burrow.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.burrow.api.spec.SpecIo;
import io.burrow.api.state.ContainerState;
import io.burrow.api.state.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every lifecycle transition of one container, through the CLI. */
@ExtendWith(BurrowExtension.class)
class LifecycleTest {

  @Test
  void createLeavesTheInitBlockedAndStateSaysCreated(TestEnv env) throws Exception {
    Bundle b = env.bundle().shell("echo ran > /ran-marker; echo ran-stdout");
    TestEnv.Container c = env.create(b, "c1");

    JsonNode state = env.state("c1");
    assertThat(state.path("ociVersion").asText()).as("ociVersion in %s", state).isNotEmpty();
    assertThat(state.path("id").asText()).isEqualTo("c1");
    assertThat(state.path("status").asText()).isEqualTo("created");
    assertThat(state.path("pid").asLong()).as("state pid vs pid file").isEqualTo(c.pid());
    assertThat(Path.of(state.path("bundle").asText())).isEqualTo(b.dir());
    assertThat(state.has("rootfs")).as("rootfs in %s", state).isTrue();
    assertThat(state.has("created")).as("created in %s", state).isTrue();
    assertThat(state.has("owner")).as("owner in %s", state).isTrue();
    // runc leaves out empty annotations; when present they are a string map.
    assertThat(state.path("annotations").isMissingNode() || state.path("annotations").isObject()).as("annotations in %s", state).isTrue();
    // The state document reads as the runtime-api model.
    ContainerState typed = SpecIo.MAPPER.treeToValue(state, ContainerState.class);
    assertThat(typed.status()).isEqualTo(Status.CREATED);

    assertThat(Path.of("/proc/" + c.pid())).as("/proc of the created init").exists();
    assertThat(Host.alive(c.pid())).as("init %d alive", c.pid()).isTrue();
    // The init lives in its own pid namespace and has not run the program yet.
    assertThat(Host.ns(c.pid(), "pid")).isNotEqualTo(Host.ns(ProcessHandle.current().pid(), "pid"));
    assertThat(b.rootfs().resolve("ran-marker")).as("the program must not run before start").doesNotExist();
    assertThat(c.create().stdout()).as("create's stdout before start").doesNotContain("ran-stdout");
    assertThat(env.stateDir("c1")).isDirectory();

    env.burrow().run("delete", "c1").ok();
    assertThat(TestEnv.awaitDead(c.pid())).as("init %d dead after delete of a created container", c.pid()).isTrue();
    assertThat(b.rootfs().resolve("ran-marker")).as("deleting a created container must not run it").doesNotExist();
    assertThat(env.stateDir("c1")).doesNotExist();
    Burrow.Result gone = env.burrow().run("state", "c1").failed();
    assertThat(gone.errorMessage()).contains("c1");
  }

  @Test
  void startRunsTheProgramAndStateSaysRunningThenStopped(TestEnv env) {
    Path gate = env.dir("gate");
    Bundle b = env.bundle().bind("/gate", gate, "rw")
        .shell("echo started > /gate/started; while [ ! -e /gate/go ]; do sleep 0.1; done; echo finished");
    TestEnv.Container c = env.create(b, "c1");
    env.burrow().run("start", "c1").ok();

    assertThat(Host.eventually(java.time.Duration.ofSeconds(30), () -> Files.exists(gate.resolve("started"))))
        .as("program wrote /gate/started after start").isTrue();
    JsonNode running = env.state("c1");
    assertThat(running.path("status").asText()).isEqualTo("running");
    assertThat(running.path("pid").asLong()).as("pid stays the init's pid after start").isEqualTo(c.pid());
    assertThat(Host.cmdline(c.pid())).as("init %d execs process.args", c.pid()).startsWith("sh -c");

    Host.sh("touch", gate.resolve("go").toString()).ok();
    JsonNode stopped = env.awaitStatus("c1", "stopped");
    assertThat(stopped.path("id").asText()).isEqualTo("c1");
    assertThat(TestEnv.awaitDead(c.pid())).isTrue();
    assertThat(c.create().stdout()).as("the program's stdout is create's stdout").contains("finished");

    env.burrow().run("delete", "c1").ok();
    assertThat(env.stateDir("c1")).doesNotExist();
    assertThat(env.burrow().run("state", "c1").failed().errorMessage()).contains("c1");
    assertThat(env.burrow().run("list", "--quiet").ok().stdout()).doesNotContain("c1");
  }

  @Test
  void pidFileEqualsStatePidAndListShowsTheContainer(TestEnv env) throws Exception {
    Bundle b = env.bundle().args("sleep", "1000");
    TestEnv.Container c = env.create(b, "lc-a");
    assertThat(env.state("lc-a").path("pid").asLong()).isEqualTo(c.pid());

    assertThat(env.burrow().run("list", "--quiet").ok().stdout().lines()).containsExactly("lc-a");
    JsonNode list = SpecIo.MAPPER.readTree(env.burrow().run("list", "--format", "json").ok().stdout());
    assertThat(list.isArray()).as("list --format json is an array: %s", list).isTrue();
    assertThat(list).hasSize(1);
    assertThat(list.get(0).path("id").asText()).isEqualTo("lc-a");
    assertThat(list.get(0).path("status").asText()).isEqualTo("created");
    assertThat(list.get(0).path("pid").asLong()).isEqualTo(c.pid());
    assertThat(env.burrow().run("list").ok().stdout()).contains("lc-a").contains("created");

    env.burrow().run("delete", "lc-a").ok();
    assertThat(env.burrow().run("list", "--quiet").ok().stdout().trim()).isEmpty();
  }

  @Test
  void programExitMakesItStoppedAndDeleteRemovesEverything(TestEnv env) {
    Bundle b = env.bundle().args("true");
    TestEnv.Container c = env.create(b, "c1");
    env.burrow().run("start", "c1").ok();
    JsonNode st = env.awaitStatus("c1", "stopped");
    assertThat(st.path("status").asText()).isEqualTo("stopped");
    assertThat(TestEnv.awaitDead(c.pid())).isTrue();
    env.burrow().run("delete", "c1").ok();
    assertThat(env.stateDir("c1")).doesNotExist();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 42})
  void runExitsWithTheProgramsExitCode(int code, TestEnv env) {
    Bundle b = env.bundle().shell("echo out-" + code + "; echo err-" + code + " >&2; exit " + code);
    Burrow.Result r = env.burrow().run("run", "--bundle", b.dir().toString(), "r1");
    assertThat(r.exitCode()).as("exit code of run\n%s", r.outputs()).isEqualTo(code);
    assertThat(r.stdout()).isEqualTo("out-" + code + "\n");
    assertThat(r.stderr()).contains("err-" + code);
    removeAfterRun(env, "r1");
  }

  @Test
  void runPassesStdinAndPidFile(TestEnv env) throws Exception {
    Path in = env.base().resolve("stdin.txt");
    Files.writeString(in, "line one\nline two\n");
    Bundle b = env.bundle().args("cat");
    Path pidFile = env.base().resolve("run.pid");
    Burrow.Result r = env.burrow().runWithStdin(in, "run", "--bundle", b.dir().toString(), "--pid-file", pidFile.toString(), "r1").ok();
    assertThat(r.stdout()).isEqualTo("line one\nline two\n");
    assertThat(pidFile).exists();
    env.trackPid(TestEnv.readPidFile(pidFile, r));
    removeAfterRun(env, "r1");
  }

  @Test
  void hooksGetTheOciStateOfTheirPhase(TestEnv env) throws Exception {
    Path out = env.dir("hooks");
    Bundle b = env.bundle().args("sleep", "1000").editJson(config -> {
      config.putObject("annotations").put("org.example.key", "value");
      var hooks = config.putObject("hooks");
      for (String phase : List.of("prestart", "poststart", "poststop")) {
        var hook = hooks.putArray(phase).addObject();
        hook.put("path", "/bin/sh");
        hook.putArray("args").add("sh").add("-c").add("cat > " + out.resolve(phase + ".json"));
      }
    });
    env.create(b, "hk1");
    env.burrow().run("start", "hk1").ok();
    env.burrow().run("delete", "--force", "hk1").ok();
    JsonNode pre = SpecIo.MAPPER.readTree(out.resolve("prestart.json").toFile());
    JsonNode post = SpecIo.MAPPER.readTree(out.resolve("poststart.json").toFile());
    JsonNode stop = SpecIo.MAPPER.readTree(out.resolve("poststop.json").toFile());
    assertThat(pre.path("status").asText()).isEqualTo("created");
    assertThat(post.path("status").asText()).as("poststart of a running program").isEqualTo("running");
    assertThat(stop.path("status").asText()).isEqualTo("stopped");
    assertThat(post.path("pid").asLong()).isEqualTo(pre.path("pid").asLong()).isPositive();
    for (JsonNode state : List.of(pre, post, stop)) {
      assertThat(state.path("id").asText()).isEqualTo("hk1");
      assertThat(state.path("annotations").toString()).as("exactly the spec's annotations")
          .isEqualTo("{\"org.example.key\":\"value\"}");
      assertThat(state.has("fileServer")).as("no runtime facts in the hooks' state").isFalse();
    }
  }

  @Test
  void runDetachedReturnsWhileTheContainerRuns(TestEnv env) {
    Bundle b = env.bundle().args("sleep", "1000");
    Burrow.Result r = env.burrow().run("run", "--detach", "--bundle", b.dir().toString(), "d1").ok();
    JsonNode st = env.state("d1");
    assertThat(st.path("status").asText()).as("after run -d: %s\n%s", st, r.outputs()).isEqualTo("running");
    long pid = st.path("pid").asLong();
    assertThat(Host.alive(pid)).isTrue();
    env.burrow().run("kill", "d1", "KILL").ok();
    env.awaitStatus("d1", "stopped");
    env.burrow().run("delete", "d1").ok();
    assertThat(TestEnv.awaitDead(pid)).isTrue();
    assertThat(env.stateDir("d1")).doesNotExist();
  }

  @Test
  void stdoutAndStderrOfTheProgramAreThoseOfCreate(TestEnv env) {
    Bundle b = env.bundle().shell("echo to-stdout; echo to-stderr >&2");
    TestEnv.Container c = env.create(b, "io1");
    env.burrow().run("start", "io1").ok();
    env.awaitStatus("io1", "stopped");
    assertThat(c.create().stdout()).isEqualTo("to-stdout\n");
    assertThat(c.create().stderr()).contains("to-stderr\n").doesNotContain("to-stdout");
    env.burrow().run("delete", "io1").ok();
  }

  @Test
  void pidOneInside(TestEnv env) {
    Bundle b = env.bundle().shell("echo pid=$$");
    TestEnv.Container c = env.create(b, "p1");
    env.burrow().run("start", "p1").ok();
    env.awaitStatus("p1", "stopped");
    assertThat(c.create().stdout()).isEqualTo("pid=1\n");
    env.burrow().run("delete", "p1").ok();
  }

  @ParameterizedTest
  @ValueSource(strings = {"KILL", "SIGKILL", "9"})
  void killOfARunningContainer(String signal, TestEnv env) {
    Bundle b = env.bundle().args("sleep", "1000");
    TestEnv.Container c = env.create(b, "k1");
    env.burrow().run("start", "k1").ok();
    assertThat(env.status("k1")).isEqualTo("running");
    env.burrow().run("kill", "k1", signal).ok();
    env.awaitStatus("k1", "stopped");
    assertThat(TestEnv.awaitDead(c.pid())).isTrue();
    env.burrow().run("delete", "k1").ok();
    assertThat(env.stateDir("k1")).doesNotExist();
  }

  @Test
  void killWithTheDefaultSignalTermReachesAnInitThatTrapsIt(TestEnv env) {
    Path gate = env.dir("gate");
    // pid 1 of a pid namespace only receives signals it has a handler for; sh with a trap has one.
    Bundle b = env.bundle().bind("/gate", gate, "rw")
        .shell("trap 'echo got-term; exit 7' TERM; touch /gate/ready; while true; do sleep 0.2; done");
    TestEnv.Container c = env.create(b, "t1");
    env.burrow().run("start", "t1").ok();
    assertThat(Host.eventually(java.time.Duration.ofSeconds(30), () -> Files.exists(gate.resolve("ready")))).isTrue();
    env.burrow().run("kill", "t1").ok();
    env.awaitStatus("t1", "stopped");
    assertThat(c.create().stdout()).contains("got-term");
    env.burrow().run("delete", "t1").ok();
  }

  @Test
  void killOfACreatedContainer(TestEnv env) {
    Bundle b = env.bundle().shell("echo must-not-run");
    TestEnv.Container c = env.create(b, "kc");
    env.burrow().run("kill", "kc", "KILL").ok();
    env.awaitStatus("kc", "stopped");
    assertThat(TestEnv.awaitDead(c.pid())).isTrue();
    assertThat(c.create().stdout()).doesNotContain("must-not-run");
    env.burrow().run("delete", "kc").ok();
    assertThat(env.stateDir("kc")).doesNotExist();
  }

  @Test
  void killNineBehindOurBackShowsStoppedAndDeleteCleansUp(TestEnv env) {
    Bundle b = env.bundle().args("sleep", "1000");
    TestEnv.Container c = env.create(b, "kb");
    env.burrow().run("start", "kb").ok();
    assertThat(env.status("kb")).isEqualTo("running");
    Host.sh("kill", "-9", Long.toString(c.pid())).ok();
    assertThat(TestEnv.awaitDead(c.pid())).isTrue();
    // The init is now dead (on this machine, an unreaped zombie of pid 1): burrow must say stopped.
    env.awaitStatus("kb", "stopped");
    env.burrow().run("delete", "kb").ok();
    assertThat(env.stateDir("kb")).doesNotExist();
    assertThat(env.burrow().run("state", "kb").failed().errorMessage()).contains("kb");
  }

  @Test
  void killNineOfACreatedInitBehindOurBack(TestEnv env) {
    Bundle b = env.bundle().args("true");
    TestEnv.Container c = env.create(b, "kb2");
    Host.sh("kill", "-9", Long.toString(c.pid())).ok();
    assertThat(TestEnv.awaitDead(c.pid())).isTrue();
    env.awaitStatus("kb2", "stopped");
    env.burrow().run("delete", "kb2").ok();
    assertThat(env.stateDir("kb2")).doesNotExist();
  }

  @Test
  void deleteOfARunningContainerNeedsForce(TestEnv env) {
    Bundle b = env.bundle().args("sleep", "1000");
    TestEnv.Container c = env.create(b, "f1");
    env.burrow().run("start", "f1").ok();
    Burrow.Result refused = env.burrow().run("delete", "f1").failed();
    assertThat(refused.errorMessage()).contains("f1").contains("running");
    assertThat(env.status("f1")).as("a refused delete leaves the container alone").isEqualTo("running");
    assertThat(Host.alive(c.pid())).isTrue();

    env.burrow().run("delete", "--force", "f1").ok();
    assertThat(TestEnv.awaitDead(c.pid())).as("delete --force kills the init").isTrue();
    assertThat(env.stateDir("f1")).doesNotExist();
  }

  @Test
  void deleteShortForceFlag(TestEnv env) {
    Bundle b = env.bundle().args("sleep", "1000");
    TestEnv.Container c = env.create(b, "f2");
    env.burrow().run("start", "f2").ok();
    env.burrow().run("delete", "-f", "f2").ok();
    assertThat(TestEnv.awaitDead(c.pid())).isTrue();
    assertThat(env.stateDir("f2")).doesNotExist();
  }

  @Test
  void killAllSignalsEveryProcessOfTheContainer(TestEnv env) {
    Path gate = env.dir("gate");
    // The init traps TERM (so a plain kill of pid 1 alone would not end it) and has two children.
    Bundle b = env.bundle().bind("/gate", gate, "rw")
        .shell("trap '' TERM; sleep 1000 & sleep 1001 & touch /gate/ready; wait; wait; echo children-gone");
    TestEnv.Container c = env.create(b, "ka");
    env.burrow().run("start", "ka").ok();
    assertThat(Host.eventually(java.time.Duration.ofSeconds(30), () -> Files.exists(gate.resolve("ready")))).isTrue();
    String ns = Host.ns(c.pid(), "pid").orElseThrow();
    assertThat(inNamespace(ns)).as("processes of the container").hasSizeGreaterThanOrEqualTo(3);
    env.burrow().run("kill", "--all", "ka", "KILL").ok();
    env.awaitStatus("ka", "stopped");
    assertThat(Host.eventually(java.time.Duration.ofSeconds(10), () -> inNamespace(ns).isEmpty()))
        .as("no process left in the container's pid namespace").isTrue();
    env.burrow().run("delete", "ka").ok();
  }

  @Test
  void deleteForceKillsEveryProcessOfTheContainer(TestEnv env) {
    Bundle b = env.bundle().shell("sleep 1000 & sleep 1001 & exec sleep 1002");
    TestEnv.Container c = env.create(b, "kf");
    env.burrow().run("start", "kf").ok();
    String ns = Host.ns(c.pid(), "pid").orElseThrow();
    assertThat(Host.eventually(java.time.Duration.ofSeconds(30), () -> inNamespace(ns).size() >= 3))
        .as("three sleeps in the container").isTrue();
    env.burrow().run("delete", "--force", "kf").ok();
    assertThat(Host.eventually(java.time.Duration.ofSeconds(10), () -> inNamespace(ns).isEmpty()))
        .as("no process left in the container's pid namespace: %s", inNamespace(ns)).isTrue();
    assertThat(env.stateDir("kf")).doesNotExist();
  }

  /** Live processes whose pid namespace is {@code ns}. */
  static List<Long> inNamespace(String ns) {
    return Host.allPids().stream().filter(p -> Host.alive(p) && Host.ns(p, "pid").map(ns::equals).orElse(false))
        .collect(java.util.stream.Collectors.toList());
  }

  @Test
  void versionPrintsSomething(TestEnv env) {
    Burrow.Result r = env.burrow().runWithoutRoot("--version").ok();
    assertThat(r.stdout()).containsIgnoringCase("burrow");
  }

  /**
   * After {@code run} the container is gone (runc removes it) or stopped; a stopped one must
   * delete cleanly. Either way, nothing of it may remain.
   */
  static void removeAfterRun(TestEnv env, String id) {
    if (Files.exists(env.stateDir(id))) {
      assertThat(env.status(id)).as("status of %s after run returned", id).isEqualTo("stopped");
      env.burrow().run("delete", id).ok();
    }
    assertThat(env.stateDir(id)).doesNotExist();
  }
}
