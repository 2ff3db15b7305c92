package io.burrow.linux;

import io.burrow.linux.sys.Fd;

import io.burrow.linux.sys.Native;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.burrow.api.launch.InitPlan;
import io.burrow.api.launch.Opcode;
import io.burrow.api.spec.IdMapping;
import io.burrow.api.spi.LaunchException;
import io.burrow.api.spi.LaunchRequest;
import io.burrow.api.spi.ProcessId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Launches real processes in real namespaces through the real burrow-init helper (needs root). */
class ExecHelperLauncherTest {
  private static final int NEWNS = 0x00020000;
  private static final int NEWUTS = 0x04000000;
  private static final int NEWPID = 0x20000000;
  private static final int NEWUSER = 0x10000000;

  private final ProcfsProcessControl processes = new ProcfsProcessControl();
  private final ExecHelperLauncher launcher =
      new ExecHelperLauncher(ExecHelper.fromSystemProperty(), new ProcIdMapper(), processes);

  @TempDir Path dir;

  @Test
  void initWaitsForStartThenRunsAsPidOneWithItsOwnHostname() throws Exception {
    Path gate = dir.resolve("start");
    Path out = dir.resolve("out");
    launcher.createStartGate(gate, 0, 0);
    InitPlan plan = InitPlan.builder()
        .op(Opcode.UNSHARE, Integer.toString(NEWNS | NEWUTS | NEWPID))
        .op(Opcode.FORK)
        .op(Opcode.SETHOSTNAME, "burrow-test")
        .op(Opcode.ENV, "PATH=/usr/bin:/bin")
        .op(Opcode.ENV, "OUT=" + out)
        .op(Opcode.RESOLVE_EXEC, "sh")
        .op(Opcode.OPEN_FIFO, gate.toString())
        .op(Opcode.READY)
        .op(Opcode.WAIT_START)
        .op(Opcode.EXEC, "sh", "-c", "echo $$ $(hostname) > \"$OUT\"; exit 7")
        .build();
    ProcessId init = launcher.launch(new LaunchRequest("test init", plan, List.of(), List.of(), List.of()));

    assertThat(processes.isAlive(init)).isTrue();
    assertThat(out).doesNotExist();
    launcher.release(gate, init, Duration.ofSeconds(10));
    assertThat(processes.waitForExit(init)).isEqualTo(7);
    assertThat(Files.readString(out).trim()).isEqualTo("1 burrow-test");
  }

  @Test
  void userNamespaceGetsTheRequestedMapping() throws Exception {
    Path out = dir.resolve("maps");
    InitPlan plan = InitPlan.builder()
        .op(Opcode.UNSHARE, Integer.toString(NEWUSER))
        .op(Opcode.MAP_IDS)
        .op(Opcode.UNSHARE, Integer.toString(NEWNS | NEWPID))
        .op(Opcode.FORK)
        .op(Opcode.ENV, "PATH=/usr/bin:/bin")
        .op(Opcode.RESOLVE_EXEC, "sh")
        .op(Opcode.READY)
        .op(Opcode.EXEC, "sh", "-c", "cat /proc/self/uid_map > " + out + "; id -u >> " + out)
        .build();
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    List<IdMapping> map = List.of(new IdMapping(0, 0, 1), new IdMapping(1, 100000, 65536));
    ProcessId init = launcher.launch(new LaunchRequest("userns init", plan, map, map, List.of()));
    assertThat(processes.waitForExit(init)).isZero();
    List<String> lines = Files.readAllLines(out);
    assertThat(lines.get(0).trim().split("\\s+")).containsExactly("0", "0", "1");
    assertThat(lines.get(1).trim().split("\\s+")).containsExactly("1", "100000", "65536");
    assertThat(lines.get(2)).isEqualTo("0");
  }

  @Test
  void reapIfChildReapsAnExitedChildNobodyWaitedFor() throws Exception {
    InitPlan plan = InitPlan.builder()
        .op(Opcode.RESOLVE_EXEC, "true")
        .op(Opcode.READY)
        .op(Opcode.EXEC, "true")
        .build();
    ProcessId child = launcher.launch(new LaunchRequest("short child", plan, List.of(), List.of(), List.of()));
    assertThat(processes.awaitDeath(child, java.time.Duration.ofSeconds(10))).isTrue();
    Path stat = Path.of("/proc", Integer.toString(child.pid()), "stat");
    assertThat(Files.readString(stat)).as("an exited, unwaited child is a zombie").contains(") Z ");
    processes.reapIfChild(child);
    assertThat(stat).as("reaped").doesNotExist();
    processes.reapIfChild(child); // gone: nothing to do
  }

  @Test
  void failingStepIsReportedWithItsNameAndNothingIsLeftRunning() {
    InitPlan plan = InitPlan.builder()
        .op(Opcode.UNSHARE, Integer.toString(NEWNS | NEWPID))
        .op(Opcode.FORK)
        .op(Opcode.CHDIR, "/does/not/exist")
        .op(Opcode.READY)
        .build();
    assertThatThrownBy(() -> launcher.launch(new LaunchRequest("bad init", plan, List.of(), List.of(), List.of())))
        .isInstanceOf(LaunchException.class)
        .hasMessageContaining("bad init")
        .hasMessageContaining("CHDIR")
        .hasMessageContaining("/does/not/exist")
        .hasMessageContaining("No such file");
  }

  @Test
  void missingProgramFailsBeforeReady() {
    InitPlan plan = InitPlan.builder()
        .op(Opcode.ENV, "PATH=/nowhere")
        .op(Opcode.RESOLVE_EXEC, "sh")
        .op(Opcode.READY)
        .build();
    assertThatThrownBy(() -> launcher.launch(new LaunchRequest("no program", plan, List.of(), List.of(), List.of())))
        .hasMessageContaining("executable file 'sh' not found in $PATH");
  }

  @Test
  void inheritedFdsArriveAtThreeAndNothingElseLeaks() throws Exception {
    Path out = dir.resolve("fds");
    Fd[] pair = Fd.socketpair("test pair");
    try {
      InitPlan plan = InitPlan.builder()
          .op(Opcode.ENV, "PATH=/usr/bin:/bin")
          .op(Opcode.RESOLVE_EXEC, "sh")
          .op(Opcode.READY)
          .op(Opcode.EXEC, "sh", "-c", "ls /proc/self/fd > " + out + "; readlink /proc/self/fd/3 >> " + out)
          .build();
      ProcessId p = launcher.launch(new LaunchRequest("fd test", plan, List.of(), List.of(), List.of(pair[1])));
      assertThat(processes.waitForExit(p)).isZero();
      List<String> lines = Files.readAllLines(out);
      // stdio, our socket at 3, and the fd ls opens for /proc/self/fd; the sync socket is gone.
      assertThat(lines.subList(0, lines.size() - 1)).containsExactly("0", "1", "2", "3", "4");
      assertThat(lines.get(lines.size() - 1)).startsWith("socket:");
    } finally {
      pair[0].close();
      pair[1].close();
    }
  }

  @Test
  void setnsFdJoinsARunningInitsNamespacesAndClosesTheFds() throws Exception {
    InitPlan initPlan = InitPlan.builder()
        .op(Opcode.UNSHARE, Integer.toString(NEWNS | NEWUTS | NEWPID))
        .op(Opcode.FORK)
        .op(Opcode.SETHOSTNAME, "burrow-joined")
        .op(Opcode.ENV, "PATH=/usr/bin:/bin")
        .op(Opcode.RESOLVE_EXEC, "sleep")
        .op(Opcode.READY)
        .op(Opcode.EXEC, "sleep", "1000")
        .build();
    ProcessId init = launcher.launch(new LaunchRequest("init to join", initPlan, List.of(), List.of(), List.of()));
    Path out = dir.resolve("joined");
    List<io.burrow.api.spec.NamespaceType> types = List.of(io.burrow.api.spec.NamespaceType.UTS,
        io.burrow.api.spec.NamespaceType.PID, io.burrow.api.spec.NamespaceType.MOUNT);
    List<io.burrow.api.spi.IoFile> nsFiles = processes.openNamespaces(init, types);
    try {
      InitPlan.Builder exec = InitPlan.builder();
      for (int i = 0; i < types.size(); i++) {
        exec.op(Opcode.SETNS_FD, Integer.toString(3 + i), Integer.toString(types.get(i).cloneFlag()));
      }
      exec.op(Opcode.FORK)
          .op(Opcode.ENV, "PATH=/usr/bin:/bin")
          .op(Opcode.RESOLVE_EXEC, "sh")
          .op(Opcode.READY)
          .op(Opcode.EXEC, "sh", "-c", "echo $$ $(hostname) > " + out + "; ls /proc/self/fd >> " + out);
      ProcessId joined = launcher.launch(new LaunchRequest("exec", exec.build(), List.of(), List.of(), nsFiles));
      // The helper forked with CLONE_PARENT: the process is our child, in the init's namespaces.
      assertThat(processes.waitForExit(joined)).isZero();
      List<String> lines = Files.readAllLines(out);
      assertThat(lines.get(0)).isEqualTo("2 burrow-joined");
      assertThat(lines.subList(1, lines.size())).as("the namespace fds are closed before exec")
          .containsExactly("0", "1", "2", "3");
      assertThat(processes.leadsPidNamespace(init)).isTrue();
      assertThat(processes.pidNamespaceMembers(init)).containsExactly(init);
    } finally {
      nsFiles.forEach(io.burrow.api.spi.IoFile::close);
      processes.signal(init, 9);
      processes.waitForExit(init);
    }
  }

  @Test
  void consoleSendsTheMasterAsRuncDoesAndTheSlaveIsTheProgramsTerminal() throws Exception {
    Fd[] console = Fd.socketpair("console socket");
    try {
      // A devpts instance of its own, in a mount namespace of its own: the host's ptys stay untouched.
      InitPlan plan = InitPlan.builder()
          .op(Opcode.UNSHARE, Integer.toString(NEWNS | NEWPID))
          .op(Opcode.FORK)
          .mount("", "/", "", 0x80000 | 0x4000, "")
          .mount("devpts", "/dev/pts", "devpts", 0, "newinstance,ptmxmode=0666")
          .op(Opcode.SETSID)
          .op(Opcode.CONSOLE, "/dev/pts/ptmx", "24", "80", "", "0")
          .op(Opcode.ENV, "PATH=/usr/bin:/bin")
          .op(Opcode.RESOLVE_EXEC, "sh")
          .op(Opcode.READY)
          .op(Opcode.EXEC, "sh", "-c", "tty; stty size; read -r s < /proc/self/stat; set -- $s; echo sid=$6 pid=$1 tty_nr=$7")
          .build();
      ProcessId p = launcher.launch(new LaunchRequest("tty init", plan, List.of(), List.of(), List.of(),
          java.util.Optional.of(console[1])));
      console[1].close();
      try (UnixSockets.Received msg = UnixSockets.receive(console[0], 4096, 2)) {
        assertThat(msg.text()).as("runc's SendFd payload: the master's name").isEqualTo("/dev/ptmx");
        assertThat(msg.fds()).hasSize(1);
        assertThat(processes.waitForExit(p)).isZero();
        // The program is gone; what it wrote waits in the pty until the master reads it (then EIO).
        StringBuilder out = new StringBuilder();
        byte[] buf = new byte[4096];
        int n;
        while ((n = Native.posix().read(msg.fds().get(0).fd(), buf, buf.length)) > 0) {
          out.append(new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8));
        }
        assertThat(out.toString()).contains("/dev/pts/0").contains("24 80").contains("sid=" + p.pid() + " pid=" + p.pid())
            .doesNotContain("tty_nr=0");
      }
      // The helper closed its copy of the socket after sending: nothing more arrives.
      assertThat(UnixSockets.receive(console[0], 16, 1).data()).isEmpty();
    } finally {
      console[0].close();
      console[1].close();
    }
  }

  @Test
  void aConsoleSocketWithoutATerminalPlanIsRefusedBeforeAnythingRuns() {
    Fd[] console = Fd.socketpair("console socket");
    try {
      InitPlan plan = InitPlan.builder().op(Opcode.READY).build();
      assertThatThrownBy(() -> new LaunchRequest("no tty", plan, List.of(), List.of(), List.of(),
          java.util.Optional.of(console[1])))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sets up no terminal");
    } finally {
      console[0].close();
      console[1].close();
    }
  }
}
