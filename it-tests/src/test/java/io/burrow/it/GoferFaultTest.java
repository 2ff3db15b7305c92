package io.burrow.it;

import static io.burrow.it.GoferSupport.await;
import static io.burrow.it.GoferSupport.gofer;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Faults in gofer mode: the gofer or the sandbox killed with SIGKILL while the container runs.
 * Nothing may hang: every wait here is bounded and says what it waited for.
 */
@ExtendWith(BurrowExtension.class)
class GoferFaultTest {
  private static final Duration BOUND = Duration.ofSeconds(20);

  private static void kill9(long pid) {
    Host.sh("kill", "-9", Long.toString(pid)).ok();
  }

  @Test
  void goferKillMakesFileOperationsFailWithEioAndStateShowsIt(TestEnv env) {
    // The loop runs from a copy of busybox on the /dev tmpfs: a program whose pages come from the
    // FUSE root dies of SIGBUS when a page it has not touched yet can no longer be read, which
    // hides the errno. Only the file operations under test go through FUSE.
    Bundle b = env.bundle().shell("cp /bin/busybox /dev/busybox && exec /dev/busybox sh -c '"
        + "echo LOOP started; "
        + "while true; do /dev/busybox cat /etc/passwd >/dev/null || { echo EIO-SEEN; break; }; /dev/busybox sleep 0.1; done; "
        + "read -r l < /etc/hostname; echo READ $?; "
        + "echo x > /newfile; echo CREATE $?; "
        + "/dev/busybox ls /etc >/dev/null; echo LS $?; "
        + "/dev/busybox stat /bin/busybox >/dev/null; echo STAT $?; "
        + "exit 5'");
    Burrow burrow = gofer(env);
    Burrow.Result create = burrow.run("create", "--bundle", b.dir().toString(), "gk1").ok();
    burrow.run("start", "gk1").ok();
    await(BOUND, "the container to print 'LOOP started'", () -> create.stdout().contains("LOOP started"));
    GoferSupport.Pids pids = GoferSupport.pids(env, "gk1");
    assertThat(GoferSupport.fileServerState(env, "gk1")).isEqualTo("running");

    kill9(pids.fileServer());
    await(BOUND, "the gofer " + pids.fileServer() + " to die", () -> !Host.alive(pids.fileServer()));
    await(BOUND, "`state` to show fileServer=exited (last: " + GoferSupport.fileServerState(env, "gk1") + ")",
        () -> GoferSupport.fileServerState(env, "gk1").equals("exited"));
    await(BOUND, "the container's file operations to fail and its loop to exit (stdout so far: " + create.stdout()
        + " stderr: " + create.stderr() + ")", () -> !Host.alive(pids.init()));
    env.awaitStatus("gk1", "stopped");
    assertThat(create.stdout()).as("stdout of the container").contains("EIO-SEEN");
    assertThat(create.stdout()).as("every file operation fails after the gofer died")
        .contains("READ 1", "CREATE 1", "LS 1", "STAT 1");
    assertThat(create.stderr()).as("the errors the container saw").contains(
        "cat: can't open '/etc/passwd': Input/output error",
        "sh: can't open /etc/hostname: Input/output error",
        "sh: can't create /newfile: Input/output error",
        "ls: can't open '/etc': Input/output error",
        "stat: can't stat '/bin/busybox': Input/output error");
    System.out.println("gofer kill: container stdout:\n" + create.stdout() + "\nstderr:\n" + create.stderr());

    Burrow.Result del = burrow.run("delete", "gk1");
    if (del.exitCode() != 0) {
      System.out.println("plain delete after the gofer died failed, retrying with --force:\n" + del.outputs());
      burrow.run("delete", "--force", "gk1").ok();
    }
    assertThat(del.exitCode()).as("plain delete of a stopped container whose gofer died\n%s", del.outputs()).isZero();
    GoferSupport.assertNothingLeft(env, "gk1", pids);
  }

  @Test
  void goferKillOfARunningContainerThatKeepsRunningThenDeleteForce(TestEnv env) {
    // The container does no file I/O after the kill; force delete must still clean everything.
    Bundle b = env.bundle().args("sleep", "600");
    Burrow burrow = gofer(env);
    burrow.run("create", "--bundle", b.dir().toString(), "gk2").ok();
    burrow.run("start", "gk2").ok();
    env.awaitStatus("gk2", "running");
    GoferSupport.Pids pids = GoferSupport.pids(env, "gk2");
    kill9(pids.fileServer());
    await(BOUND, "`state` to show fileServer=exited",
        () -> GoferSupport.fileServerState(env, "gk2").equals("exited"));
    assertThat(env.status("gk2")).as("the init still runs (sleep needs no files)").isEqualTo("running");
    burrow.run("delete", "--force", "gk2").ok();
    GoferSupport.assertNothingLeft(env, "gk2", pids);
  }

  @Test
  void goferKillBeforeStartThenStartOrDeleteDoesNotHang(TestEnv env) {
    Bundle b = env.bundle().shell("cat /etc/passwd >/dev/null && echo READ-OK || echo READ-FAILED");
    Burrow burrow = gofer(env);
    Burrow.Result create = burrow.run("create", "--bundle", b.dir().toString(), "gk3").ok();
    GoferSupport.Pids pids = GoferSupport.pids(env, "gk3");
    kill9(pids.fileServer());
    await(BOUND, "the gofer to die", () -> !Host.alive(pids.fileServer()));
    // A container that could reach no file is not started: start says why.
    Burrow.Result start = burrow.withTimeout(Duration.ofSeconds(30)).run("start", "gk3").failed();
    assertThat(start.errorMessage()).contains("gk3").contains("file server");
    assertThat(create.stdout()).doesNotContain("READ-OK");
    burrow.withTimeout(Duration.ofSeconds(30)).run("delete", "--force", "gk3").ok();
    GoferSupport.assertNothingLeft(env, "gk3", pids);
  }

  @Test
  void sandboxKillStopsTheContainerAndDeleteCleansUpGoferMountsAndState(TestEnv env) {
    Bundle b = env.bundle().args("sleep", "600");
    Burrow burrow = gofer(env);
    burrow.run("create", "--bundle", b.dir().toString(), "sk1").ok();
    burrow.run("start", "sk1").ok();
    env.awaitStatus("sk1", "running");
    GoferSupport.Pids pids = GoferSupport.pids(env, "sk1");
    kill9(pids.sandbox());
    env.awaitStatus("sk1", "stopped");
    assertThat(TestEnv.awaitDead(pids.init())).as("the init %d dies with its sandbox", pids.init()).isTrue();
    System.out.println("sandbox kill: gofer alive afterwards: " + Host.alive(pids.fileServer()) + "; state: " + env.state("sk1"));
    burrow.run("delete", "sk1").ok();
    GoferSupport.assertNothingLeft(env, "sk1", pids);
    assertThat(Files.exists(env.stateDir("sk1"))).isFalse();
  }

  @Test
  void sandboxKillOfACreatedContainer(TestEnv env) {
    Bundle b = env.bundle().args("sleep", "600");
    Burrow burrow = gofer(env);
    burrow.run("create", "--bundle", b.dir().toString(), "sk2").ok();
    GoferSupport.Pids pids = GoferSupport.pids(env, "sk2");
    kill9(pids.sandbox());
    env.awaitStatus("sk2", "stopped");
    assertThat(TestEnv.awaitDead(pids.init())).isTrue();
    Burrow.Result start = burrow.withTimeout(Duration.ofSeconds(30)).run("start", "sk2");
    assertThat(start.exitCode()).as("start of a container whose sandbox died\n%s", start.outputs()).isNotZero();
    burrow.run("delete", "sk2").ok();
    GoferSupport.assertNothingLeft(env, "sk2", pids);
    Path root = env.root();
    assertThat(root.resolve("sk2")).doesNotExist();
  }
}
