package io.burrow.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.burrow.it.ClientSupport.Mode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * containerd on its own drives burrow: {@code ctr run} through containerd's runc shim
 * ({@code containerd-shim-runc-v2}) with burrow as the shim's binary, which is what a Kubernetes
 * RuntimeClass with {@code BinaryName} in its runc options does. Every test runs in both file
 * access modes: gofer with cli/target/burrow itself, direct with scripts/burrow-direct (the shim
 * passes its binary runc's flags only). Each test gets a private containerd ({@link PrivateContainerd})
 * in its own namespace; after it, no shim, burrow process, mount or state dir may be left.
 */
@ExtendWith(BurrowExtension.class)
class ContainerdTest {
  private PrivateContainerd containerd;
  private TestEnv env;

  @BeforeEach
  void startContainerd(TestEnv env) {
    this.env = env;
    containerd = PrivateContainerd.start(env);
  }

  @AfterEach
  void stopContainerd() {
    if (containerd != null) {
      List<String> left = containerd.stop();
      assertThat(left).as("what the containerd teardown found left (namespace %s)", containerd.namespace()).isEmpty();
    }
  }

  /** {@code ctr run [--rm] --runc-binary BIN [OPTS] IMAGE ID CMD...}. */
  private ClientCommand.Result run(Mode mode, Path stdin, List<String> opts, String id, String... cmd) {
    List<String> args = new java.util.ArrayList<>(List.of("run", "--runc-binary", mode.runtimeBinary().toString()));
    args.addAll(opts);
    args.add(containerd.image());
    args.add(containerd.id(id));
    args.addAll(List.of(cmd));
    return stdin == null ? containerd.ctr(args.toArray(String[]::new)) : containerd.ctrWithStdin(stdin, args.toArray(String[]::new));
  }

  @ParameterizedTest
  @MethodSource("io.burrow.it.ClientSupport#modes")
  void runRmPrintsOutput(Mode mode) {
    ClientCommand.Result r = run(mode, null, List.of("--rm"), "out", "sh", "-c", "echo hello from burrow");
    assertThat(r.exitCode()).as(r.outputs()).isZero();
    assertThat(r.stdout()).as(r.outputs()).isEqualTo("hello from burrow\n");
  }

  @ParameterizedTest
  @MethodSource("io.burrow.it.ClientSupport#modes")
  void runRmPropagatesExitCode(Mode mode) {
    ClientCommand.Result r = run(mode, null, List.of("--rm"), "code", "sh", "-c", "exit 7");
    assertThat(r.exitCode()).as(r.outputs()).isEqualTo(7);
  }

  @ParameterizedTest
  @MethodSource("io.burrow.it.ClientSupport#modes")
  void runRmFeedsStdin(Mode mode) throws IOException {
    // ctr run never closes the task's stdin at EOF (runc behaves the same), so the program reads one line.
    Path input = Files.writeString(env.base().resolve("stdin.txt"), "line from the host\n");
    ClientCommand.Result r = run(mode, input, List.of("--rm"), "stdin", "sh", "-c", "read l; echo \"got: $l\"");
    assertThat(r.exitCode()).as(r.outputs()).isZero();
    assertThat(r.stdout()).as(r.outputs()).isEqualTo("got: line from the host\n");
  }

  @ParameterizedTest
  @MethodSource("io.burrow.it.ClientSupport#modes")
  void detachedTaskKillAndDelete(Mode mode) {
    run(mode, null, List.of("-d"), "det", "sh", "-c", "trap 'exit 42' TERM; while true; do sleep 1; done").ok();
    long pid = awaitTask("det", "RUNNING");
    env.trackPid(pid);
    containerd.ctr("task", "kill", "det").ok();
    awaitTask("det", "STOPPED");
    ClientCommand.Result deleted = containerd.ctr("task", "delete", "det").ok();
    assertThat(deleted.stderr()).as("the exit status of the SIGTERM trap\n%s", deleted.outputs()).contains("exit code 42");
    containerd.ctr("containers", "delete", "det").ok();
  }

  @ParameterizedTest
  @MethodSource("io.burrow.it.ClientSupport#modes")
  void detachedTaskSigkill(Mode mode) {
    run(mode, null, List.of("-d"), "sigkill", "sleep", "1000").ok();
    env.trackPid(awaitTask("sigkill", "RUNNING"));
    containerd.ctr("task", "kill", "-s", "KILL", "sigkill").ok();
    awaitTask("sigkill", "STOPPED");
    ClientCommand.Result deleted = containerd.ctr("task", "delete", "sigkill").ok();
    assertThat(deleted.stderr()).as(deleted.outputs()).contains("exit code 137");
    containerd.ctr("containers", "delete", "sigkill").ok();
  }

  @ParameterizedTest
  @MethodSource("io.burrow.it.ClientSupport#modes")
  void taskPsListsTheInit(Mode mode) {
    run(mode, null, List.of("-d"), "ps", "sleep", "1000").ok();
    long pid = awaitTask("ps", "RUNNING");
    env.trackPid(pid);
    ClientCommand.Result ps = containerd.ctr("task", "ps", "ps");
    assertThat(ps.exitCode()).as(ps.outputs()).isZero();
    // The task's pid is what the pid file names: the init, or in gofer mode the sandbox, whose child is the init.
    long init = TestEnv.initOf(pid);
    assertThat(ps.stdout().lines().skip(1).map(l -> l.trim().split("\\s+")[0]).toList())
        .as("pids of `ctr task ps`\n%s", ps.outputs()).contains(Long.toString(init));
  }

  @ParameterizedTest
  @MethodSource("io.burrow.it.ClientSupport#modes")
  void taskExecRunsInTheContainer(Mode mode) {
    run(mode, null, List.of("-d"), "exec", "sleep", "1000").ok();
    env.trackPid(awaitTask("exec", "RUNNING"));
    ClientCommand.Result r = containerd.ctr("task", "exec", "--exec-id", "e1", "exec", "sh", "-c", "echo from exec; exit 3");
    assertThat(r.stdout()).as(r.outputs()).isEqualTo("from exec\n");
    assertThat(r.exitCode()).as(r.outputs()).isEqualTo(3);
  }

  /** Polls {@code ctr task ls} until the task has {@code status}; returns its pid. A guard against hangs, not a timing assertion. */
  private long awaitTask(String id, String status) {
    ClientCommand.Result[] last = new ClientCommand.Result[1];
    long[] pid = {0};
    boolean reached = Host.eventually(Duration.ofSeconds(30), () -> {
      last[0] = containerd.ctr("task", "ls");
      for (String line : last[0].stdout().lines().skip(1).toList()) {
        String[] f = line.trim().split("\\s+");
        if (f.length == 3 && f[0].equals(id) && f[2].equals(status)) {
          pid[0] = Long.parseLong(f[1]);
          return true;
        }
      }
      return false;
    });
    if (!reached) {
      throw new AssertionError("task " + id + " did not reach " + status + " within 30 s; last `ctr task ls`:\n" + last[0].outputs());
    }
    return pid[0];
  }
}
