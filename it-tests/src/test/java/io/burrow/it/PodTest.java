package io.burrow.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Pods in gofer mode: a container annotated as a CRI sandbox creates the sandbox process; two
 * containers annotated to join it get their own gofer at start, run in that one sandbox, and
 * each sees only its own root. Deleting the pod container while a child runs is refused.
 */
@ExtendWith(BurrowExtension.class)
class PodTest {
  private static Bundle annotated(Bundle b, String type, String sandboxId) {
    return b.edit(spec -> {
      Map<String, String> annotations = new HashMap<>();
      annotations.put("io.kubernetes.cri.container-type", type);
      if (sandboxId != null) {
        annotations.put("io.kubernetes.cri.sandbox-id", sandboxId);
      }
      spec.annotations = annotations;
    });
  }

  private static long sandboxPid(TestEnv env, String id) throws Exception {
    JsonNode record = io.burrow.api.spec.SpecIo.MAPPER.readTree(env.stateDir(id).resolve("state.json").toFile());
    return record.path("sandbox").path("pid").asLong();
  }

  @Test
  void twoChildrenShareThePodSandboxAndEachSeesOnlyItsOwnRoot(TestEnv env) throws Exception {
    Burrow gofer = env.burrow().withGlobalFlags("--file-access", "gofer");
    Path out = env.dir("out");
    Bundle pod = annotated(env.bundle("pod").args("sleep", "1000"), "sandbox", null);
    Bundle a = annotated(env.bundle("a").bind("/out", out, "rw")
        .shell("ls / > /out/a-root; cat /whoami > /out/a-who; sleep 1000"), "container", "pod");
    Bundle b = annotated(env.bundle("b").bind("/out", out, "rw")
        .shell("ls / > /out/b-root; cat /whoami > /out/b-who; sleep 1000"), "container", "pod");
    Files.writeString(a.rootfs().resolve("whoami"), "I am a");
    Files.writeString(b.rootfs().resolve("whoami"), "I am b");
    Files.writeString(a.rootfs().resolve("only-in-a"), "");
    Files.writeString(b.rootfs().resolve("only-in-b"), "");

    gofer.run("create", "--bundle", pod.dir().toString(), "pod").ok();
    gofer.run("start", "pod").ok();
    long sandbox = sandboxPid(env, "pod");
    env.helper(ProcessHandle.of(sandbox).orElseThrow());

    gofer.run("create", "--bundle", a.dir().toString(), "a").ok();
    assertThat(env.status("a")).isEqualTo("created");
    assertThat(sandboxPid(env, "a")).as("a joins the pod's sandbox").isEqualTo(sandbox);
    gofer.run("start", "a").ok();
    gofer.run("create", "--bundle", b.dir().toString(), "b").ok();
    gofer.run("start", "b").ok();

    // The shell creates each file before cat writes into it: wait for the bytes, not the name.
    assertThat(Host.eventually(java.time.Duration.ofSeconds(30),
        () -> nonEmpty(out.resolve("a-who")) && nonEmpty(out.resolve("b-who")))).isTrue();
    assertThat(Files.readString(out.resolve("a-who"))).isEqualTo("I am a");
    assertThat(Files.readString(out.resolve("b-who"))).isEqualTo("I am b");
    assertThat(Files.readString(out.resolve("a-root"))).contains("only-in-a").doesNotContain("only-in-b");
    assertThat(Files.readString(out.resolve("b-root"))).contains("only-in-b").doesNotContain("only-in-a");

    long initA = env.state("a").path("pid").asLong();
    long initB = env.state("b").path("pid").asLong();
    assertThat(env.status("a")).isEqualTo("running");
    // Both inits are children of the one sandbox process; each has a gofer of its own.
    assertThat(ProcessHandle.of(initA).flatMap(ProcessHandle::parent).map(ProcessHandle::pid)).hasValue(sandbox);
    assertThat(ProcessHandle.of(initB).flatMap(ProcessHandle::parent).map(ProcessHandle::pid)).hasValue(sandbox);

    Burrow.Result refused = gofer.run("delete", "--force", "pod").failed();
    assertThat(refused.errorMessage()).contains("pod").contains("a").contains("delete them first");
    assertThat(env.status("pod")).isEqualTo("running");

    gofer.run("delete", "--force", "a").ok();
    gofer.run("delete", "--force", "b").ok();
    assertThat(Host.alive(sandbox)).as("deleting children leaves the pod's sandbox").isTrue();
    assertThat(env.status("pod")).isEqualTo("running");
    gofer.run("delete", "--force", "pod").ok();
    assertThat(TestEnv.awaitDead(sandbox)).isTrue();
  }

  @Test
  void killOfAChildThatWasNeverStartedStopsItAndDeleteCleansUp(TestEnv env) throws Exception {
    Burrow gofer = env.burrow().withGlobalFlags("--file-access", "gofer");
    Bundle pod = annotated(env.bundle("pod").args("sleep", "1000"), "sandbox", null);
    Bundle a = annotated(env.bundle("a").args("sleep", "1000"), "container", "pod");
    gofer.run("create", "--bundle", pod.dir().toString(), "pod").ok();
    gofer.run("start", "pod").ok();
    env.helper(ProcessHandle.of(sandboxPid(env, "pod")).orElseThrow());
    gofer.run("create", "--bundle", a.dir().toString(), "a").ok();
    assertThat(env.status("a")).isEqualTo("created");
    // As containerd does with a task it created and then gives up on: kill, then delete.
    gofer.run("kill", "a", "KILL").ok();
    assertThat(env.status("a")).isEqualTo("stopped");
    assertThat(gofer.run("start", "a").failed().errorMessage()).contains("stopped");
    gofer.run("delete", "a").ok();
    assertThat(env.stateDir("a")).doesNotExist();
    assertThat(env.status("pod")).isEqualTo("running");
    gofer.run("delete", "--force", "pod").ok();
  }

  @Test
  void joiningAMissingSandboxFailsAndLeavesNothing(TestEnv env) {
    Burrow gofer = env.burrow().withGlobalFlags("--file-access", "gofer");
    Bundle a = annotated(env.bundle().args("true"), "container", "nope");
    Burrow.Result r = gofer.run("create", "--bundle", a.dir().toString(), "orphan").failed();
    assertThat(r.errorMessage()).contains("orphan").contains("nope").contains("does not exist");
    assertThat(env.stateDir("orphan")).doesNotExist();
  }

  private static boolean nonEmpty(Path f) {
    try {
      return Files.size(f) > 0;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
