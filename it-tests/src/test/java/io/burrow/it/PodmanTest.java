package io.burrow.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.burrow.it.ClientSupport.Mode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Podman drives burrow: Debian's podman 4.3 with {@code --runtime cli/target/burrow} (conmon runs
 * burrow's create, start, kill, delete and exec), in both file access modes, direct mode through
 * {@code --runtime-flag file-access=direct}. Each test gets a private Podman set-up
 * ({@link PrivatePodman}); after it, no conmon, burrow process, mount or state dir may be left.
 */
@ExtendWith(BurrowExtension.class)
class PodmanTest {
  private PrivatePodman podman;
  private TestEnv env;
  private Mode mode;

  @BeforeEach
  void setUp(TestEnv env) {
    this.env = env;
    podman = PrivatePodman.start(env);
  }

  @AfterEach
  void tearDown() {
    if (podman != null && mode != null) {
      assertThat(podman.stop(mode)).as("what the Podman teardown found left").isEmpty();
    }
  }

  /** {@code podman run OPTS IMAGE CMD...} with the options every run needs. */
  private ClientCommand.Result run(Mode mode, List<String> opts, String... cmd) {
    this.mode = mode;
    List<String> args = new ArrayList<>(List.of("run"));
    args.addAll(PrivatePodman.runOptions());
    args.addAll(opts);
    args.add(PrivatePodman.IMAGE);
    args.addAll(List.of(cmd));
    return podman.podman(mode, args.toArray(String[]::new));
  }

  /** Starts {@code sh -c SCRIPT} detached as {@code name}; returns its init pid, which the leak check watches. */
  private long runDetached(Mode mode, String name, String script) {
    run(mode, List.of("-d", "--name", name), "sh", "-c", script).ok();
    String pid = podman.podman(mode, "inspect", "--format", "{{.State.Pid}}", name).ok().stdout().trim();
    assertThat(pid).as("podman inspect's pid of %s", name).matches("[1-9][0-9]*");
    env.trackPid(Long.parseLong(pid));
    return Long.parseLong(pid);
  }

  @ParameterizedTest
  @MethodSource("io.burrow.it.ClientSupport#modes")
  void runRmPrintsOutput(Mode mode) {
    ClientCommand.Result r = run(mode, List.of("--rm"), "sh", "-c", "echo hello from burrow");
    assertThat(r.exitCode()).as(r.outputs()).isZero();
    assertThat(r.stdout()).as(r.outputs()).isEqualTo("hello from burrow\n");
  }

  @ParameterizedTest
  @MethodSource("io.burrow.it.ClientSupport#modes")
  void runRmPropagatesExitCode(Mode mode) {
    ClientCommand.Result r = run(mode, List.of("--rm"), "sh", "-c", "exit 7");
    assertThat(r.exitCode()).as(r.outputs()).isEqualTo(7);
  }

  @ParameterizedTest
  @MethodSource("io.burrow.it.ClientSupport#modes")
  void runWithTerminal(Mode mode) {
    // -t: conmon gets the pty master through --console-socket and copies it to podman's stdout.
    ClientCommand.Result r = run(mode, List.of("--rm", "-t"), "sh", "-c", "[ -t 0 ] && [ -t 1 ] && tty");
    assertThat(r.exitCode()).as(r.outputs()).isZero();
    assertThat(r.stdout()).as("a pty slave as stdin and stdout, output with the terminal's CR LF\n%s", r.outputs())
        .matches("/dev/pts/[0-9]+\r\n");
  }

  @ParameterizedTest
  @MethodSource("io.burrow.it.ClientSupport#modes")
  void execInDetachedContainer(Mode mode) {
    runDetached(mode, "exec", "sleep 1000");
    ClientCommand.Result r = podman.podman(mode, "exec", "exec", "sh", "-c", "echo from exec; exit 3");
    assertThat(r.stdout()).as(r.outputs()).isEqualTo("from exec\n");
    assertThat(r.exitCode()).as(r.outputs()).isEqualTo(3);
  }

  @ParameterizedTest
  @MethodSource("io.burrow.it.ClientSupport#modes")
  void stopDeliversSigterm(Mode mode) {
    long pid = runDetached(mode, "stop", "trap 'exit 42' TERM; while true; do sleep 1; done");
    // Long enough that only a lost SIGTERM ends in Podman's SIGKILL (exit code 137).
    podman.podman(mode, "stop", "--time", "30", "stop").ok();
    assertThat(TestEnv.awaitDead(pid)).as("init %d dead after podman stop", pid).isTrue();
    ClientCommand.Result state = podman.podman(mode, "inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "stop").ok();
    assertThat(state.stdout().trim()).as(state.outputs()).isEqualTo("exited 42");
  }

  @ParameterizedTest
  @MethodSource("io.burrow.it.ClientSupport#modes")
  void rmForceRemovesRunningContainer(Mode mode) {
    long pid = runDetached(mode, "rmf", "sleep 1000");
    podman.podman(mode, "rm", "--force", "--time", "2", "rmf").ok();
    assertThat(TestEnv.awaitDead(pid)).as("init %d dead after podman rm --force", pid).isTrue();
    ClientCommand.Result ps = podman.podman(mode, "ps", "-a", "--format", "{{.Names}}").ok();
    assertThat(ps.stdout().lines().toList()).as(ps.outputs()).doesNotContain("rmf");
  }

  @ParameterizedTest
  @MethodSource("io.burrow.it.ClientSupport#modes")
  void rmStoppedContainer(Mode mode) {
    run(mode, List.of("--name", "done"), "sh", "-c", "exit 0").ok();
    ClientCommand.Result state = podman.podman(mode, "inspect", "--format", "{{.State.Status}}", "done").ok();
    assertThat(state.stdout().trim()).as(state.outputs()).isEqualTo("exited");
    podman.podman(mode, "rm", "done").ok();
    ClientCommand.Result ps = podman.podman(mode, "ps", "-a", "--format", "{{.Names}}").ok();
    assertThat(ps.stdout().lines().toList()).as(ps.outputs()).doesNotContain("done");
  }
}
