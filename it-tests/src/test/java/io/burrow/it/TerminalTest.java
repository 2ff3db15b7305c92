package io.burrow.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.burrow.api.spec.Process;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code process.terminal} with {@code --console-socket}, as containerd's shim and conmon drive
 * runc: the runtime sends the pty master over the socket during create; the container's program
 * has the slave as its controlling terminal in a session of its own, with the spec's window size,
 * and sees the client's resizes. Plus runc's rules for a terminal without a console socket and
 * the reverse, and a console socket that is not there.
 */
@ExtendWith(BurrowExtension.class)
class TerminalTest {
  /** Bounds a hang only; nothing is asserted about time. */
  private static final Duration GUARD = Duration.ofSeconds(60);

  private static Bundle terminalBundle(TestEnv env, String script) {
    return env.bundle().shell(script).edit(s -> {
      s.process.terminal = true;
      s.process.consoleSize = new Process.ConsoleSize();
      s.process.consoleSize.height = 31;
      s.process.consoleSize.width = 97;
    });
  }

  @Test
  void theProgramGetsAPtyAsControllingTerminalAndSeesResizes(TestEnv env) {
    Bundle b = terminalBundle(env, "tty; stty size; set -- $(cat /proc/$$/stat); echo \"pid=$1 sid=$6 tty_nr=$7\";"
        + " echo ctty-ok > /dev/tty; ls -l /dev/console; read line; echo \"got=$line\"; stty size; echo done");
    try (ConsoleSocket console = ConsoleSocket.listen(env.base().resolve("console.sock"))) {
      Path pidFile = env.base().resolve("t1.pid");
      Burrow.Result create = env.burrow().run("create", "--bundle", b.dir().toString(), "--pid-file", pidFile.toString(),
          "--console-socket", console.path().toString(), "t1").ok();
      long pid = TestEnv.readPidFile(pidFile, create);
      env.trackPid(pid);
      ConsoleSocket.Master master = console.receive(GUARD);
      assertThat(master.name()).as("the name runc sends with the master").isEqualTo("/dev/ptmx");
      assertThat(master.size()).as("process.consoleSize on the master before start").containsExactly(31, 97);
      assertThat(env.status("t1")).isEqualTo("created");

      env.burrow().run("start", "t1").ok();
      String before = master.awaitOutput("ctty-ok", GUARD);
      assertThat(before).as("tty(1) on the container's own devpts").containsPattern("(?m)^/dev/pts/\\d+\\r?$");
      assertThat(before).as("stty size before the resize").containsPattern("(?m)^31 97\\r?$");
      // pid 1 of its pid namespace leads its own session; tty_nr is its controlling terminal.
      assertThat(before).containsPattern("pid=1 sid=1 tty_nr=[1-9][0-9]*");
      master.awaitOutput("/dev/console", GUARD);
      assertThat(master.output()).as("/dev/console is the terminal, as runc binds it")
          .containsPattern("(?m)^c.* 136, +\\d+ .*/dev/console\\r?$");

      master.resize(40, 120);
      master.write("hello\n");
      String after = master.awaitOutput("done", GUARD);
      assertThat(after).contains("got=hello");
      assertThat(after.substring(after.indexOf("got=hello"))).as("stty size after the client resized the master")
          .containsPattern("(?m)^40 120\\r?$");

      env.awaitStatus("t1", "stopped");
      assertThat(master.awaitEnd(GUARD)).as("the terminal closes once the program is gone").isTrue();
      assertThat(create.stdout()).as("nothing goes to create's stdout with a terminal").isEmpty();
      env.burrow().run("delete", "t1").ok();
      assertThat(env.stateDir("t1")).doesNotExist();
    }
  }

  @Test
  void runDetachedSendsTheMasterToo(TestEnv env) {
    Bundle b = terminalBundle(env, "echo detached-$(stty size | tr ' ' x)");
    try (ConsoleSocket console = ConsoleSocket.listen(env.base().resolve("console.sock"))) {
      env.burrow().run("run", "--detach", "--bundle", b.dir().toString(), "--console-socket", console.path().toString(),
          "r1").ok();
      ConsoleSocket.Master master = console.receive(GUARD);
      assertThat(master.awaitOutput("detached-31x97", GUARD)).contains("detached-31x97");
      env.awaitStatus("r1", "stopped");
      env.burrow().run("delete", "r1").ok();
    }
  }

  @Test
  void aTerminalWithoutAConsoleSocketIsRefusedAsByRunc(TestEnv env) {
    Bundle b = terminalBundle(env, "true");
    Burrow.Result r = env.burrow().run("create", "--bundle", b.dir().toString(), "t1").failed();
    assertThat(r.errorMessage()).contains("t1").contains("process.terminal")
        .contains("cannot allocate tty if burrow will detach without setting console socket");
    assertThat(env.stateDir("t1")).doesNotExist();

    Burrow.Result run = env.burrow().run("run", "--detach", "--bundle", b.dir().toString(), "r1").failed();
    assertThat(run.errorMessage()).contains("cannot allocate tty");
    assertThat(env.stateDir("r1")).doesNotExist();
  }

  @Test
  void aConsoleSocketWithoutATerminalIsRefusedAsByRunc(TestEnv env) {
    Bundle b = env.bundle().args("true");
    try (ConsoleSocket console = ConsoleSocket.listen(env.base().resolve("console.sock"))) {
      Burrow.Result r = env.burrow().run("create", "--bundle", b.dir().toString(), "--console-socket",
          console.path().toString(), "t1").failed();
      assertThat(r.errorMessage()).contains(console.path().toString())
          .contains("cannot use console socket if burrow will not detach or allocate tty");
      assertThat(env.stateDir("t1")).doesNotExist();
    }
  }

  @Test
  void aConsoleSocketThatIsNotThereIsNamedAndNothingIsLeft(TestEnv env) {
    Bundle b = terminalBundle(env, "true");
    Path missing = env.base().resolve("no-such.sock");
    Burrow.Result r = env.burrow().run("create", "--bundle", b.dir().toString(), "--console-socket", missing.toString(),
        "t1").failed();
    assertThat(r.errorMessage()).contains("t1").contains("--console-socket " + missing).contains("No such file or directory");
    assertThat(env.stateDir("t1")).doesNotExist();
    // The leak check after the test finds any process or mount this create left.
  }

  @Test
  void runInTheForegroundWithATerminalSaysWhatToDo(TestEnv env) {
    Bundle b = terminalBundle(env, "true");
    Burrow.Result r = env.burrow().run("run", "--bundle", b.dir().toString(), "r1").failed();
    assertThat(r.errorMessage()).contains("r1").contains("process.terminal").contains("--console-socket");
    assertThat(env.stateDir("r1")).doesNotExist();
  }
}
