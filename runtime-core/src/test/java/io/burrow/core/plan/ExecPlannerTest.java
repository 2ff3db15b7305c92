package io.burrow.core.plan;

import static io.burrow.api.launch.Opcode.CAPS;
import static io.burrow.api.launch.Opcode.CAPS_BOUNDING;
import static io.burrow.api.launch.Opcode.CHDIR;
import static io.burrow.api.launch.Opcode.ENV;
import static io.burrow.api.launch.Opcode.EXEC;
import static io.burrow.api.launch.Opcode.FORK;
import static io.burrow.api.launch.Opcode.READY;
import static io.burrow.api.launch.Opcode.RLIMIT;
import static io.burrow.api.launch.Opcode.SETGID;
import static io.burrow.api.launch.Opcode.SETGROUPS;
import static io.burrow.api.launch.Opcode.SETNS_FD;
import static io.burrow.api.launch.Opcode.SETUID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.burrow.api.launch.InitPlan;
import io.burrow.api.launch.InitPlan.Op;
import io.burrow.api.launch.Opcode;
import io.burrow.api.spec.NamespaceType;
import io.burrow.api.spec.Process;
import io.burrow.api.spec.Spec;
import io.burrow.api.spec.SpecIo;
import io.burrow.core.ContainerException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves the exec policy: which of the init's namespaces an exec joins and in which order (by
 * path first, then user, then the rest), that it forks and runs at once (no start gate, no
 * parent-death signal), how a process.json is completed from the container (runc's rules, on
 * docker's real exec process), and runc's inline overrides, with errors naming what was wrong.
 */
class ExecPlannerTest {
  private static final String WHERE = "burrow exec c1";

  @TempDir Path tmp;

  private Spec spec(String json) throws Exception {
    return SpecIo.read(Files.writeString(tmp.resolve("config.json"), json), Spec.class);
  }

  private Spec spec() throws Exception {
    return spec("""
        {"ociVersion": "1.2.0", "root": {"path": "rootfs"},
         "process": {"args": ["sleep", "100"], "cwd": "/", "env": ["PATH=/bin", "A=1"],
                     "user": {"uid": 0, "gid": 0, "additionalGids": [5]},
                     "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"],
                                      "inheritable": ["CAP_KILL"]},
                     "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 2048}],
                     "noNewPrivileges": true},
         "linux": {"namespaces": [{"type": "pid"}, {"type": "network", "path": "/proc/1/ns/net"},
                                  {"type": "mount"}, {"type": "user"}, {"type": "ipc"}],
                   "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
                   "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}}
        """);
  }

  private Process dockerExecProcess() throws Exception {
    Path file = tmp.resolve("process.json");
    try (InputStream in = ExecPlannerTest.class.getResourceAsStream("/fixtures/docker-exec-process.json")) {
      Files.copy(in, file);
    }
    return SpecIo.read(file, Process.class);
  }

  private static Op op(Opcode opcode, Object... args) {
    return new Op(opcode, Arrays.stream(args).map(String::valueOf).toList());
  }

  private static List<Opcode> opcodes(InitPlan plan) {
    return plan.ops().stream().map(Op::opcode).toList();
  }

  @Test
  void joinsByPathNamespacesFirstThenUserThenTheRestInRuncOrder() throws Exception {
    assertThat(ExecPlanner.namespacesToJoin(spec())).containsExactly(NamespaceType.NETWORK, NamespaceType.USER,
        NamespaceType.MOUNT, NamespaceType.PID, NamespaceType.IPC);
  }

  @Test
  void namespacesTheSpecDoesNotListAreNotJoined() throws Exception {
    Spec s = spec("""
        {"ociVersion": "1.2.0", "root": {"path": "rootfs"}, "process": {"args": ["true"], "cwd": "/"},
         "linux": {"namespaces": [{"type": "mount"}]}}
        """);
    assertThat(ExecPlanner.namespacesToJoin(s)).containsExactly(NamespaceType.MOUNT);
  }

  @Test
  void thePlanJoinsTheInheritedNamespaceFdsThenForksAndExecsWithoutWaiting() throws Exception {
    Spec s = spec();
    InitPlan plan = ExecPlanner.plan(s, ExecPlanner.inline(s, ExecOptions.of(List.of("echo", "hi")), WHERE), 5, WHERE);
    List<Op> ops = plan.ops();
    assertThat(ops.subList(0, 6)).containsExactly(
        op(SETNS_FD, 5, NamespaceType.NETWORK.cloneFlag()), op(SETNS_FD, 6, NamespaceType.USER.cloneFlag()),
        op(SETNS_FD, 7, NamespaceType.MOUNT.cloneFlag()), op(SETNS_FD, 8, NamespaceType.PID.cloneFlag()),
        op(SETNS_FD, 9, NamespaceType.IPC.cloneFlag()), op(FORK));
    assertThat(opcodes(plan)).doesNotContain(Opcode.WAIT_START, Opcode.OPEN_FIFO, Opcode.PDEATHSIG, Opcode.SETNS,
        Opcode.UNSHARE, Opcode.MAP_IDS, Opcode.MOUNT, Opcode.PIVOT_ROOT);
    assertThat(ops.get(ops.size() - 2)).isEqualTo(op(READY));
    assertThat(ops.get(ops.size() - 1)).isEqualTo(new Op(EXEC, List.of("echo", "hi")));
    // The process part is the init's: rlimits, cwd, groups and ids in that order, then capabilities.
    assertThat(opcodes(plan)).doesNotContain(Opcode.CONSOLE);
    assertThat(opcodes(plan)).containsSubsequence(FORK, Opcode.SETSID, RLIMIT, CHDIR, CAPS_BOUNDING, SETGROUPS, SETGID,
        SETUID, CAPS, Opcode.NO_NEW_PRIVS, Opcode.UMASK, ENV, Opcode.RESOLVE_EXEC, READY, EXEC);
  }

  @Test
  void aProcessFileKeepsItsOwnCapabilitiesAndTakesTheContainersRlimits() throws Exception {
    Spec s = spec();
    Process p = ExecPlanner.fromFile(s, dockerExecProcess(), "process.json");
    assertThat(p.args).containsExactly("echo", "hi-exec");
    assertThat(p.env).containsExactly("PATH=/bin", "HOSTNAME=9f06c96cab57", "FOO=bar");
    assertThat(p.capabilities.bounding).contains("CAP_CHOWN", "CAP_AUDIT_WRITE").doesNotContain("CAP_SYS_ADMIN");
    assertThat(p.capabilities.inheritable).as("the file gives no inheritable set").isNull();
    assertThat(p.rlimits).singleElement().satisfies(r -> assertThat(r.type).isEqualTo("RLIMIT_NOFILE"));
    assertThat(p.noNewPrivileges).as("docker's file does not ask for it").isNull();
    InitPlan plan = ExecPlanner.plan(s, p, 3, "process.json");
    assertThat(plan.ops()).contains(op(SETGROUPS, 0), op(SETGID, 0), op(SETUID, 0), op(RLIMIT, 7, 1024, 2048),
        op(CHDIR, "/"));
    assertThat(opcodes(plan)).doesNotContain(Opcode.NO_NEW_PRIVS);
  }

  @Test
  void aProcessFileWithoutCapabilitiesOrUserGetsTheContainersCapabilitiesAndRoot() throws Exception {
    Spec s = spec();
    Process file = SpecIo.MAPPER.readValue("{\"args\": [\"true\"], \"cwd\": \"/tmp\"}", Process.class);
    Process p = ExecPlanner.fromFile(s, file, "p.json");
    assertThat(p.capabilities.bounding).containsExactly("CAP_KILL");
    assertThat(p.user.uid).isZero();
    assertThat(p.user.gid).isZero();
    assertThat(s.process.capabilities.bounding).as("the container's spec is not changed").containsExactly("CAP_KILL");
  }

  @Test
  void aProcessFileIsValidatedAsRuncDoes() throws Exception {
    Spec s = spec();
    assertThatThrownBy(() -> ExecPlanner.fromFile(s, SpecIo.MAPPER.readValue("{\"args\": [\"true\"]}", Process.class), "p.json"))
        .isInstanceOf(ContainerException.class).hasMessage("p.json: cwd must not be empty");
    assertThatThrownBy(() -> ExecPlanner.fromFile(s, SpecIo.MAPPER.readValue("{\"args\": [\"true\"], \"cwd\": \"tmp\"}",
        Process.class), "p.json")).hasMessage("p.json: cwd 'tmp' must be an absolute path");
    assertThatThrownBy(() -> ExecPlanner.fromFile(s, SpecIo.MAPPER.readValue("{\"args\": [], \"cwd\": \"/\"}", Process.class),
        "p.json")).hasMessage("p.json: args must not be empty");
    Process badRlimit = SpecIo.MAPPER.readValue(
        "{\"args\": [\"true\"], \"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_NOPE\", \"soft\": 1, \"hard\": 1}]}",
        Process.class);
    assertThatThrownBy(() -> ExecPlanner.plan(s, ExecPlanner.fromFile(s, badRlimit, "p.json"), 3, "p.json"))
        .hasMessage("p.json: process.rlimits[0].type: unknown rlimit 'RLIMIT_NOPE'");
  }

  @Test
  void inlineFlagsOverrideTheContainersProcessAsRuncs() throws Exception {
    Spec s = spec();
    ExecOptions options = new ExecOptions(List.of("id"), "/etc", List.of("B=2", "A=3"), false, "1000:2000",
        List.of(7L), List.of("net_admin", "CAP_SYS_ADMIN"), false, "profile", "label");
    Process p = ExecPlanner.inline(s, options, WHERE);
    assertThat(p.args).containsExactly("id");
    assertThat(p.cwd).isEqualTo("/etc");
    assertThat(p.env).containsExactly("PATH=/bin", "A=1", "B=2", "A=3");
    assertThat(p.user.uid).isEqualTo(1000);
    assertThat(p.user.gid).isEqualTo(2000);
    assertThat(p.user.additionalGids).containsExactly(5L, 7L);
    for (List<String> set : List.of(p.capabilities.bounding, p.capabilities.effective, p.capabilities.permitted,
        p.capabilities.ambient)) {
      assertThat(set).contains("CAP_NET_ADMIN", "CAP_SYS_ADMIN");
    }
    assertThat(p.capabilities.inheritable).containsExactly("CAP_KILL");
    assertThat(p.capabilities.bounding).as("runc appends to the container's").startsWith("CAP_KILL");
    assertThat(p.noNewPrivileges).isFalse();
    assertThat(p.rlimits).hasSize(1);
    assertThat(s.process.env).as("the container's spec is not changed").containsExactly("PATH=/bin", "A=1");
    assertThat(s.process.capabilities.bounding).containsExactly("CAP_KILL");
  }

  @Test
  void inlineUserWithoutGidKeepsTheContainersGid() throws Exception {
    Spec s = spec();
    s.process.user.gid = 42L;
    Process p = ExecPlanner.inline(s, new ExecOptions(List.of("id"), null, null, false, "1000", null, null, null, null,
        null), WHERE);
    assertThat(p.user.uid).isEqualTo(1000);
    assertThat(p.user.gid).isEqualTo(42);
    assertThat(p.noNewPrivileges).as("not given: the container's").isTrue();
  }

  @Test
  void badInlineFlagsAreErrorsNamingTheFlag() throws Exception {
    Spec s = spec();
    assertThatThrownBy(() -> ExecPlanner.inline(s, ExecOptions.of(List.of()), WHERE))
        .hasMessageStartingWith("process args cannot be empty");
    assertThatThrownBy(() -> ExecPlanner.inline(s, new ExecOptions(List.of("id"), null, null, false, "bob", null, null,
        null, null, null), WHERE)).hasMessage("--user bob: parsing bob as int for uid failed");
    assertThatThrownBy(() -> ExecPlanner.inline(s, new ExecOptions(List.of("id"), null, null, false, "1:x", null, null,
        null, null, null), WHERE)).hasMessage("--user 1:x: parsing x as int for gid failed");
    assertThatThrownBy(() -> ExecPlanner.inline(s, new ExecOptions(List.of("id"), null, null, false, null, null,
        List.of("CAP_NOPE"), null, null, null), WHERE)).hasMessage("--cap CAP_NOPE: unknown capability");
    assertThatThrownBy(() -> ExecPlanner.inline(s, new ExecOptions(List.of("id"), "rel", null, false, null, null,
        null, null, null, null), WHERE)).hasMessage(WHERE + ": cwd 'rel' must be an absolute path");
    assertThatThrownBy(() -> ExecPlanner.inline(s, new ExecOptions(List.of("id"), null, null, false, null, List.of(-1L),
        null, null, null, null), WHERE)).hasMessage("--additional-gids -1: must be a positive number");
  }

  @Test
  void aTerminalIsTheProcessesOwnPtyBoundNowhere() throws Exception {
    Spec s = spec();
    Process p = ExecPlanner.inline(s, new ExecOptions(List.of("sh"), null, null, true, "1000", null, null, null, null,
        null), WHERE);
    assertThat(p.terminal).isTrue();
    List<Op> ops = ExecPlanner.plan(s, p, 3, WHERE).ops();
    int fork = ops.indexOf(op(FORK));
    assertThat(ops.subList(fork + 1, fork + 3)).containsExactly(op(Opcode.SETSID),
        op(Opcode.CONSOLE, "/dev/ptmx", 0, 0, "", 1000));
    Process withoutTty = ExecPlanner.inline(s, ExecOptions.of(List.of("sh")), WHERE);
    assertThat(withoutTty.terminal).as("runc: no --tty, no terminal, whatever the container has").isFalse();
  }
}
