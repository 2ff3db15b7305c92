package io.burrow.it;

import static io.burrow.it.GoferSupport.await;
import static io.burrow.it.GoferSupport.gofer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The key lifecycle transitions of {@link LifecycleTest}, in gofer mode, plus what only gofer mode
 * has: the sandbox and the gofer must come and go with the container.
 */
@ExtendWith(BurrowExtension.class)
class GoferLifecycleTest {

  private static TestEnv.Container create(TestEnv env, Bundle b, String id) {
    Path pidFile = env.base().resolve(id + ".pid");
    Burrow.Result r = gofer(env).run("create", "--bundle", b.dir().toString(), "--pid-file", pidFile.toString(), id).ok();
    long sandbox = TestEnv.readPidFile(pidFile, r);
    env.trackPid(sandbox);
    long pid = TestEnv.initOf(sandbox);
    env.trackPid(pid);
    return new TestEnv.Container(id, pid, r, pidFile);
  }

  @Test
  void createStartExitDelete(TestEnv env) {
    Path gate = env.dir("gate");
    Bundle b = env.bundle().bind("/gate", gate, "rw")
        .shell("echo ran > /ran-marker; echo started > /gate/started; while [ ! -e /gate/go ]; do sleep 0.1; done; echo finished");
    TestEnv.Container c = create(env, b, "c1");
    JsonNode created = env.state("c1");
    assertThat(created.path("status").asText()).isEqualTo("created");
    assertThat(created.path("pid").asLong()).as("state pid vs pid file").isEqualTo(c.pid());
    assertThat(created.path("fileServer").asText()).isEqualTo("running");
    assertThat(created.path("annotations").size()).as("runtime facts stay out of annotations").isZero();
    GoferSupport.Pids pids = GoferSupport.pids(env, "c1");
    assertThat(pids.init()).isEqualTo(c.pid());
    // What a shim waits for: the sandbox, which reaps the init and exits with its status.
    assertThat(TestEnv.readPidFile(c.pidFile(), c.create())).isEqualTo(pids.sandbox());
    assertThat(Host.alive(c.pid()) && Host.alive(pids.sandbox()) && Host.alive(pids.fileServer())).as("init, sandbox, gofer alive").isTrue();
    assertThat(Host.ns(c.pid(), "pid")).isNotEqualTo(Host.ns(ProcessHandle.current().pid(), "pid"));
    assertThat(b.rootfs().resolve("ran-marker")).as("the program must not run before start").doesNotExist();

    gofer(env).run("start", "c1").ok();
    await(Duration.ofSeconds(30), "the program to write /gate/started", () -> Files.exists(gate.resolve("started")));
    JsonNode running = env.state("c1");
    assertThat(running.path("status").asText()).isEqualTo("running");
    assertThat(running.path("pid").asLong()).isEqualTo(c.pid());
    assertThat(b.rootfs().resolve("ran-marker")).as("written through FUSE and the gofer").hasContent("ran");

    Host.sh("touch", gate.resolve("go").toString()).ok();
    await(Duration.ofSeconds(30), "the program to see /gate/go and print 'finished'", () -> c.create().stdout().contains("finished"));
    env.awaitStatus("c1", "stopped");
    assertThat(TestEnv.awaitDead(c.pid())).isTrue();
    assertThat(c.create().stdout()).contains("finished");
    gofer(env).run("delete", "c1").ok();
    GoferSupport.assertNothingLeft(env, "c1", pids);
    assertThat(gofer(env).run("state", "c1").failed().errorMessage()).contains("c1");
    assertThat(gofer(env).run("list", "--quiet").ok().stdout()).doesNotContain("c1");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 42})
  void runExitsWithTheProgramsExitCode(int code, TestEnv env) {
    Bundle b = env.bundle().shell("echo out-" + code + "; cat /etc/hostname >/dev/null; echo err-" + code + " >&2; exit " + code);
    Burrow.Result r = gofer(env).run("run", "--bundle", b.dir().toString(), "r1");
    assertThat(r.exitCode()).as("exit code of run\n%s", r.outputs()).isEqualTo(code);
    assertThat(r.stdout()).isEqualTo("out-" + code + "\n");
    assertThat(r.stderr()).contains("err-" + code);
    LifecycleTest.removeAfterRun(env, "r1");
    assertThat(GoferSupport.burrowProcesses(env)).isEmpty();
  }

  @Test
  void runPassesStdin(TestEnv env) throws Exception {
    Path in = env.base().resolve("stdin.txt");
    Files.writeString(in, "line one\nline two\n");
    Bundle b = env.bundle().args("cat");
    Burrow.Result r = gofer(env).runWithStdin(in, "run", "--bundle", b.dir().toString(), "r2").ok();
    assertThat(r.stdout()).isEqualTo("line one\nline two\n");
    LifecycleTest.removeAfterRun(env, "r2");
  }

  @Test
  void killOfACreatedContainer(TestEnv env) {
    Bundle b = env.bundle().shell("echo must-not-run");
    TestEnv.Container c = create(env, b, "kc");
    GoferSupport.Pids pids = GoferSupport.pids(env, "kc");
    gofer(env).run("kill", "kc", "KILL").ok();
    env.awaitStatus("kc", "stopped");
    assertThat(TestEnv.awaitDead(c.pid())).isTrue();
    assertThat(c.create().stdout()).doesNotContain("must-not-run");
    gofer(env).run("delete", "kc").ok();
    GoferSupport.assertNothingLeft(env, "kc", pids);
  }

  @ParameterizedTest
  @ValueSource(strings = {"KILL", "TERM"})
  void killOfARunningContainer(String signal, TestEnv env) {
    // pid 1 only gets TERM when it handles it: the shell traps it.
    Bundle b = env.bundle().shell("trap 'echo got-term; exit 7' TERM; echo up; while true; do sleep 0.2; done");
    TestEnv.Container c = create(env, b, "k1");
    gofer(env).run("start", "k1").ok();
    await(Duration.ofSeconds(30), "the program to print 'up'", () -> c.create().stdout().contains("up"));
    assertThat(env.status("k1")).isEqualTo("running");
    GoferSupport.Pids pids = GoferSupport.pids(env, "k1");
    gofer(env).run("kill", "k1", signal).ok();
    env.awaitStatus("k1", "stopped");
    assertThat(TestEnv.awaitDead(c.pid())).isTrue();
    if (signal.equals("TERM")) {
      assertThat(c.create().stdout()).contains("got-term");
    }
    gofer(env).run("delete", "k1").ok();
    GoferSupport.assertNothingLeft(env, "k1", pids);
  }

  @Test
  void killNineOfTheInitBehindOurBack(TestEnv env) {
    Bundle b = env.bundle().args("sleep", "1000");
    TestEnv.Container c = create(env, b, "kb");
    gofer(env).run("start", "kb").ok();
    assertThat(env.status("kb")).isEqualTo("running");
    GoferSupport.Pids pids = GoferSupport.pids(env, "kb");
    Host.sh("kill", "-9", Long.toString(c.pid())).ok();
    assertThat(TestEnv.awaitDead(c.pid())).isTrue();
    env.awaitStatus("kb", "stopped");
    // The sandbox lives as long as its init.
    await(Duration.ofSeconds(10), "the sandbox " + pids.sandbox() + " to exit after its init died", () -> !Host.alive(pids.sandbox()));
    gofer(env).run("delete", "kb").ok();
    GoferSupport.assertNothingLeft(env, "kb", pids);
  }

  @Test
  void deleteOfARunningContainerNeedsForce(TestEnv env) {
    Bundle b = env.bundle().args("sleep", "1000");
    TestEnv.Container c = create(env, b, "f1");
    gofer(env).run("start", "f1").ok();
    GoferSupport.Pids pids = GoferSupport.pids(env, "f1");
    Burrow.Result refused = gofer(env).run("delete", "f1").failed();
    assertThat(refused.errorMessage()).contains("f1").contains("running");
    assertThat(env.status("f1")).isEqualTo("running");
    assertThat(Host.alive(c.pid()) && Host.alive(pids.fileServer())).isTrue();
    gofer(env).run("delete", "--force", "f1").ok();
    GoferSupport.assertNothingLeft(env, "f1", pids);
  }
}
