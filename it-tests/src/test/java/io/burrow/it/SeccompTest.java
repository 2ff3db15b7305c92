package io.burrow.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.burrow.api.spec.Process;
import io.burrow.api.spec.SpecIo;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code linux.seccomp} enforced in real busybox containers: Docker's default profile (taken from
 * a real {@code docker run}'s config.json), errnoRet, KILL_PROCESS, a non-root user with and
 * without no_new_privs, and bad profiles that fail create naming the field.
 */
@ExtendWith(BurrowExtension.class)
class SeccompTest {
  /** What the probes print: the result of mount, unshare -U and an ordinary program, and the kernel's Seccomp mode. */
  private static final String PROBES = "mount -t tmpfs x /tmp 2>/dev/null; echo mount $?; "
      + "unshare -U true 2>/dev/null; echo unshare $?; unshare -U true 2>&1 | head -1; "
      + "ls / > /dev/null && cat /proc/self/status > /dev/null; echo ordinary $?; "
      + "echo seccomp $(grep '^Seccomp:' /proc/self/status | tr -dc 0-9); echo uid $(id -u)";

  static JsonNode dockerDefaultProfile() {
    try (InputStream in = SeccompTest.class.getResourceAsStream("/docker-default-seccomp.json")) {
      return SpecIo.MAPPER.readTree(in);
    } catch (IOException e) {
      throw new AssertionError("cannot read docker-default-seccomp.json", e);
    }
  }

  static JsonNode profile(String json) {
    try {
      return SpecIo.MAPPER.readTree(json.replace('\'', '"'));
    } catch (IOException e) {
      throw new AssertionError(json, e);
    }
  }

  /** Capabilities with CAP_SYS_ADMIN, so that only seccomp stands between the program and mount(2). */
  private static Process.Capabilities withSysAdmin() {
    Process.Capabilities caps = new Process.Capabilities();
    List<String> all = new ArrayList<>(List.of("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_KILL"));
    caps.bounding = all;
    caps.effective = all;
    caps.permitted = all;
    return caps;
  }

  @Test
  void dockersDefaultProfileDeniesMountAndUnshareWhileOrdinaryProgramsRun(TestEnv env) {
    Bundle control = env.bundle("control").shell(PROBES).edit(s -> s.process.capabilities = withSysAdmin());
    Map<String, String> without = ContainerTest.keyValues(ContainerTest.runIn(env, control, "sc0"));
    // The control proves the probes can succeed here: with CAP_SYS_ADMIN and no filter they do.
    assertThat(without).containsEntry("mount", "0").containsEntry("unshare", "0").containsEntry("seccomp", "0");

    Bundle b = env.bundle("docker").shell(PROBES).edit(s -> {
      s.process.capabilities = withSysAdmin();
      s.linux.seccomp = dockerDefaultProfile();
    });
    String out = ContainerTest.runIn(env, b, "sc1");
    Map<String, String> with = ContainerTest.keyValues(out);
    assertThat(with).as(out).containsEntry("mount", "1").containsEntry("unshare", "1")
        .containsEntry("ordinary", "0").containsEntry("seccomp", "2");
    assertThat(out).contains("Operation not permitted");
  }

  @Test
  void dockersDefaultProfileWithANonRootUserWithAndWithoutNoNewPrivs(TestEnv env) {
    for (boolean noNewPrivs : new boolean[] {false, true}) {
      String id = noNewPrivs ? "nnp" : "privs";
      Bundle b = env.bundle(id).shell(PROBES).edit(s -> {
        s.process.user.uid = 1000L;
        s.process.user.gid = 1000L;
        s.process.noNewPrivileges = noNewPrivs;
        s.linux.seccomp = dockerDefaultProfile();
      });
      String out = ContainerTest.runIn(env, b, id);
      Map<String, String> kv = ContainerTest.keyValues(out);
      assertThat(kv).as("no_new_privs %s:%n%s", noNewPrivs, out).containsEntry("uid", "1000")
          .containsEntry("ordinary", "0").containsEntry("seccomp", "2").containsEntry("unshare", "1");
    }
  }

  @Test
  void anErrnoRuleReturnsItsErrnoRet(TestEnv env) {
    Bundle b = env.bundle().shell("mkdir /made; echo status $?; test -e /made && echo exists; echo done").edit(s ->
        s.linux.seccomp = profile("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
            + "{'names':['mkdir','mkdirat'],'action':'SCMP_ACT_ERRNO','errnoRet':38}]}"));
    Burrow.Result r = env.burrow().run("run", "--bundle", b.dir().toString(), "e1");
    assertThat(r.exitCode()).as(r.outputs()).isZero();
    assertThat(r.stderr()).contains("Function not implemented");
    assertThat(r.stdout()).contains("status 1").doesNotContain("exists").contains("done");
    LifecycleTest.removeAfterRun(env, "e1");
  }

  @Test
  void anExecdProcessGetsTheContainersFilter(TestEnv env) {
    // The init itself never calls mkdir; only what exec starts meets the rule.
    Bundle b = env.bundle().args("sleep", "1000").edit(s ->
        s.linux.seccomp = profile("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
            + "{'names':['mkdir','mkdirat'],'action':'SCMP_ACT_ERRNO','errnoRet':38}]}"));
    env.create(b, "x1");
    env.burrow().run("start", "x1").ok();
    Burrow.Result inline = env.burrow().run("exec", "x1", "sh", "-c",
        "mkdir /made; echo status $?; grep '^Seccomp:' /proc/self/status");
    assertThat(inline.exitCode()).as(inline.outputs()).isZero();
    assertThat(inline.stderr()).contains("Function not implemented");
    assertThat(inline.stdout()).contains("status 1").containsPattern("Seccomp:\\s+2");
    // A process.json (what dockerd sends) has no seccomp of its own: the container's applies as well.
    java.nio.file.Path processJson = env.base().resolve("process.json");
    try {
      java.nio.file.Files.writeString(processJson, "{\"args\": [\"mkdir\", \"/made\"], \"cwd\": \"/\","
          + " \"env\": [\"PATH=/bin:/usr/bin\"], \"user\": {\"uid\": 0, \"gid\": 0}}");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    Burrow.Result file = env.burrow().run("exec", "--process", processJson.toString(), "x1");
    assertThat(file.exitCode()).as(file.outputs()).isEqualTo(1);
    assertThat(file.stderr()).contains("Function not implemented");
    env.burrow().run("kill", "x1", "KILL").ok();
    env.awaitStatus("x1", "stopped");
    env.burrow().run("delete", "x1").ok();
  }

  @Test
  void aNotifyRuleDeliversTheListenerFdAndTheProcessStateToTheAgent(TestEnv env) throws Exception {
    java.nio.file.Path socket = env.base().resolve("agent.sock");
    java.util.concurrent.CompletableFuture<String> received = new java.util.concurrent.CompletableFuture<>();
    try (io.burrow.linux.sys.Fd listener = io.burrow.linux.UnixSockets.listen(socket, 0600)) {
      Thread agent = new Thread(() -> {
        try (io.burrow.linux.sys.Fd conn = io.burrow.linux.UnixSockets.accept(listener, java.time.Duration.ofSeconds(60))
                 .orElseThrow(() -> new AssertionError("no connection to the agent"));
             io.burrow.linux.UnixSockets.Received msg = io.burrow.linux.UnixSockets.receive(conn, 65536, 4)) {
          StringBuilder fds = new StringBuilder();
          for (io.burrow.linux.sys.Fd fd : msg.fds()) {
            fds.append(java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + fd.fd())));
          }
          // Closing the listener (msg.close) makes the notified syscall fail with ENOSYS.
          received.complete(msg.text() + "\n" + fds);
        } catch (Throwable e) {
          received.completeExceptionally(e);
        }
      }, "seccomp agent");
      agent.start();
      Bundle b = env.bundle().shell("mkdir /made; echo status $?; echo done").edit(s ->
          s.linux.seccomp = profile("{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'" + socket + "',"
              + "'listenerMetadata':'agent-meta','syscalls':[{'names':['mkdir','mkdirat'],'action':'SCMP_ACT_NOTIFY'}]}"));
      Burrow.Result r = env.burrow().run("run", "--bundle", b.dir().toString(), "n1");
      agent.join();
      String got = received.get();
      assertThat(r.exitCode()).as(r.outputs() + "\nagent got: " + got).isZero();
      String[] parts = got.split("\n");
      JsonNode state = SpecIo.MAPPER.readTree(parts[0]);
      assertThat(state.get("fds").toString()).isEqualTo("[\"seccompFd\"]");
      assertThat(state.get("metadata").asText()).isEqualTo("agent-meta");
      assertThat(state.get("ociVersion").asText()).isNotEmpty();
      assertThat(state.get("pid").asInt()).isPositive();
      assertThat(state.get("state").get("id").asText()).isEqualTo("n1");
      assertThat(state.get("state").get("status").asText()).isEqualTo("creating");
      assertThat(state.get("state").get("pid").asInt()).isEqualTo(state.get("pid").asInt());
      assertThat(state.get("state").get("bundle").asText()).isEqualTo(b.dir().toString());
      assertThat(parts[1]).isEqualTo("anon_inode:seccomp notify");
      assertThat(r.stdout()).contains("status 1").contains("done");
      assertThat(r.stderr()).contains("Function not implemented");
      LifecycleTest.removeAfterRun(env, "n1");
    } finally {
      java.nio.file.Files.deleteIfExists(socket);
    }
  }

  @Test
  void killProcessKillsTheProgramWithSigsys(TestEnv env) {
    Bundle b = env.bundle().args("uname").edit(s ->
        s.linux.seccomp = profile("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
            + "{'names':['uname'],'action':'SCMP_ACT_KILL_PROCESS'}]}"));
    Burrow.Result r = env.burrow().run("run", "--bundle", b.dir().toString(), "k1");
    assertThat(r.exitCode()).as(r.outputs()).isEqualTo(128 + 31);
    LifecycleTest.removeAfterRun(env, "k1");
  }

  @Test
  void anUnknownSyscallNameFailsCreateNamingTheFieldAndLeavesNothing(TestEnv env) {
    Bundle b = env.bundle().editJson(config -> {
      ObjectNode seccomp = (ObjectNode) dockerDefaultProfile();
      ((ArrayNode) seccomp.get("syscalls").get(3).get("names")).set(0, "no_such_syscall");
      ((ObjectNode) config.get("linux")).set("seccomp", seccomp);
    });
    assertThat(BadInputTest.createFails(env, b, "u1"))
        .contains("linux.seccomp.syscalls[3].names[0]: unknown syscall 'no_such_syscall'");
  }

  @Test
  void anUnsupportedArchitectureFailsCreateNamingTheField(TestEnv env) {
    Bundle b = env.bundle().edit(s -> s.linux.seccomp = profile(
        "{'defaultAction':'SCMP_ACT_ALLOW','architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_PDP11']}"));
    assertThat(BadInputTest.createFails(env, b, "a1"))
        .contains("linux.seccomp.architectures[1]: unsupported architecture \"SCMP_ARCH_PDP11\"");
  }

  @Test
  void anUnknownActionOrOperatorFailsCreateNamingTheField(TestEnv env) {
    Bundle action = env.bundle("action").edit(s -> s.linux.seccomp = profile(
        "{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['mkdir'],'action':'SCMP_ACT_MAYBE'}]}"));
    assertThat(BadInputTest.createFails(env, action, "b1"))
        .contains("linux.seccomp.syscalls[0].action: unknown action 'SCMP_ACT_MAYBE'");
    Bundle op = env.bundle("op").edit(s -> s.linux.seccomp = profile(
        "{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['mkdir'],'action':'SCMP_ACT_ERRNO',"
            + "'args':[{'index':1,'value':0,'op':'SCMP_CMP_SIMILAR'}]}]}"));
    assertThat(BadInputTest.createFails(env, op, "b2")).contains("linux.seccomp.syscalls[0].args[0].op");
  }
}
