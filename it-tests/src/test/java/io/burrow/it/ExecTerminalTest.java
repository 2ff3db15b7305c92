package io.burrow.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.burrow.api.spec.SpecIo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code exec --tty --detach --console-socket}, as docker's {@code exec -t} drives runc through
 * containerd's shim (a process.json with {@code terminal: true}) and as the inline form does: the
 * master arrives over the socket, the exec'd process has the slave as its controlling terminal in
 * a session of its own, and runc's rules for a terminal without a socket and the reverse.
 */
@ExtendWith(BurrowExtension.class)
class ExecTerminalTest {
  /** Bounds a hang only; nothing is asserted about time. */
  private static final Duration GUARD = Duration.ofSeconds(60);

  private static void running(TestEnv env, String id) {
    env.create(env.bundle().args("sleep", "1000"), id);
    env.burrow().run("start", id).ok();
  }

  @Test
  void dockersExecWithATerminalGetsItsOwnPty(TestEnv env) throws Exception {
    running(env, "xt1");
    ObjectNode process = (ObjectNode) SpecIo.MAPPER.readTree(
        Files.readString(Path.of("../runtime-core/src/test/resources/fixtures/docker-exec-process.json")));
    process.put("terminal", true);
    ObjectNode size = process.putObject("consoleSize");
    size.put("height", 25).put("width", 81);
    ArrayNode args = process.putArray("args");
    args.add("sh").add("-c").add("tty; stty size; set -- $(cat /proc/$$/stat); echo \"sid-is-self=$(( $1 == $6 ))\";"
        + " read line; echo \"got=$line\"");
    Path file = env.base().resolve("process.json");
    Files.writeString(file, SpecIo.MAPPER.writeValueAsString(process));
    try (ConsoleSocket console = ConsoleSocket.listen(env.base().resolve("console.sock"))) {
      Path pidFile = env.base().resolve("exec.pid");
      Burrow.Result r = env.burrow().run("exec", "--process", file.toString(), "--console-socket",
          console.path().toString(), "--detach", "--pid-file", pidFile.toString(), "xt1").ok();
      long pid = TestEnv.readPidFile(pidFile, r);
      env.trackPid(pid);
      ConsoleSocket.Master master = console.receive(GUARD);
      assertThat(master.name()).isEqualTo("/dev/ptmx");
      String out = master.awaitOutput("sid-is-self", GUARD);
      assertThat(out).containsPattern("(?m)^/dev/pts/\\d+\\r?$");
      assertThat(out).containsPattern("(?m)^25 81\\r?$");
      assertThat(out).contains("sid-is-self=1");
      master.write("typed\n");
      assertThat(master.awaitOutput("got=typed", GUARD)).contains("got=typed");
      assertThat(TestEnv.awaitDead(pid)).isTrue();
      assertThat(r.stdout()).isEmpty();
    }
    env.burrow().run("delete", "--force", "xt1").ok();
  }

  @Test
  void inlineTtyNeedsDetachAndAConsoleSocketAsRuncs(TestEnv env) {
    running(env, "xt2");
    assertThat(env.burrow().run("exec", "--tty", "--detach", "xt2", "true").failed().errorMessage())
        .contains("cannot allocate tty if burrow will detach without setting console socket");
    Path socket = env.base().resolve("unused.sock");
    assertThat(env.burrow().run("exec", "--detach", "--console-socket", socket.toString(), "xt2", "true").failed()
        .errorMessage()).contains("cannot use console socket if burrow will not detach or allocate tty");
    try (ConsoleSocket console = ConsoleSocket.listen(env.base().resolve("console.sock"))) {
      env.burrow().run("exec", "-t", "-d", "--console-socket", console.path().toString(), "xt2", "sh", "-c",
          "echo inline-$(tty | cut -c1-9)").ok();
      assertThat(console.receive(GUARD).awaitOutput("inline-", GUARD)).contains("inline-/dev/pts/");
    }
    env.burrow().run("delete", "--force", "xt2").ok();
  }
}
