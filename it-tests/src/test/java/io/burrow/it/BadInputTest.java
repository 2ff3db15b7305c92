package io.burrow.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.burrow.api.spec.Linux;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every bad input of the foundation issue: a non-zero exit, a {@code burrow: } message that names
 * what was wrong, and nothing left behind (the leak check after each test covers processes and
 * mounts; these tests check the state dir and the container list).
 */
@ExtendWith(BurrowExtension.class)
class BadInputTest {

  /** Runs create, asserts the failure and that nothing of the container exists; returns the message. */
  static String createFails(TestEnv env, Bundle b, String id) {
    return createFails(env.burrow(), env, b.dir(), id);
  }

  static String createFails(Burrow burrow, TestEnv env, Path bundleDir, String id) {
    Path pidFile = env.base().resolve(id.replace('/', '_') + ".pid");
    Burrow.Result r = burrow.run("create", "--bundle", bundleDir.toString(), "--pid-file", pidFile.toString(), id).failed();
    assertNothingOf(env, id);
    if (Files.exists(pidFile)) {
      // A pid file written before the failure names a process that must be gone now.
      try {
        env.trackPid(Long.parseLong(Files.readString(pidFile).trim()));
      } catch (Exception e) {
        // unreadable pid file: nothing to track
      }
    }
    return r.errorMessage();
  }

  static void assertNothingOf(TestEnv env, String id) {
    assertThat(env.stateDir(id)).as("state dir of %s", id).doesNotExist();
    Burrow.Result list = env.burrow().run("list", "--quiet");
    if (list.exitCode() == 0) {
      assertThat(list.stdout().lines()).doesNotContain(id);
    } else {
      // runc lists an absent root as empty; a fresh root that a failed create never made may be absent.
      assertThat(env.root()).doesNotExist();
    }
  }

  @Test
  void missingConfigJson(TestEnv env) throws Exception {
    Bundle b = env.bundle();
    Files.delete(b.config());
    assertThat(createFails(env, b, "c1")).contains("config.json");
  }

  @Test
  void missingBundleDir(TestEnv env) {
    Path nowhere = env.base().resolve("no-such-bundle");
    assertThat(createFails(env.burrow(), env, nowhere, "c1")).contains("no-such-bundle");
  }

  @Test
  void malformedJsonNamesTheLine(TestEnv env) {
    Bundle b = env.bundle();
    List<String> lines = new ArrayList<>(Arrays.asList(b.prettyConfig().split("\n")));
    lines.add(4, "  \"broken\" : ,"); // line 5
    b.writeConfig(String.join("\n", lines) + "\n");
    String msg = createFails(env, b, "c1");
    assertThat(msg).contains("config.json").containsPattern("(line 5\\b|:5:\\d)");
  }

  @Test
  void emptyConfigJson(TestEnv env) {
    Bundle b = env.bundle().writeConfig("");
    assertThat(createFails(env, b, "c1")).contains("config.json");
  }

  static Stream<Arguments> wrongTypes() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    return Stream.of(
        Arguments.of("process.user.uid", (Consumer<ObjectNode>) t -> ((ObjectNode) t.path("process").path("user")).put("uid", "root")),
        Arguments.of("root.readonly", (Consumer<ObjectNode>) t -> ((ObjectNode) t.path("root")).put("readonly", "yes")),
        Arguments.of("process.args", (Consumer<ObjectNode>) t -> ((ObjectNode) t.path("process")).put("args", 5)),
        Arguments.of("linux.namespaces", (Consumer<ObjectNode>) t -> ((ObjectNode) t.path("linux")).set("namespaces", f.objectNode().put("type", "pid"))),
        Arguments.of("mounts[0].options", (Consumer<ObjectNode>) t -> ((ObjectNode) t.path("mounts").path(0)).put("options", "ro")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("wrongTypes")
  void wrongTypedFieldNamesTheFieldPath(String path, Consumer<ObjectNode> breakIt, TestEnv env) {
    Bundle b = env.bundle().editJson(breakIt);
    assertThat(createFails(env, b, "c1")).contains(path);
  }

  @Test
  void missingRootfsDir(TestEnv env) {
    Bundle b = env.bundle().edit(s -> s.root.path = "no-such-rootfs");
    assertThat(createFails(env, b, "c1")).contains("no-such-rootfs");
  }

  @Test
  void deletedRootfs(TestEnv env) {
    Bundle b = env.bundle();
    Host.sh("rm", "-rf", b.rootfs().toString()).ok();
    assertThat(createFails(env, b, "c1")).contains("rootfs");
  }

  @Test
  void missingBindMountSourceLeavesNothing(TestEnv env) {
    Path missing = env.base().resolve("no-such-source");
    Bundle b = env.bundle().bind("/data", missing, "rw").args("true");
    assertThat(createFails(env, b, "c1")).contains("no-such-source");
  }

  @Test
  void aMountThatFailsInsideTheContainerSetupLeavesNothing(TestEnv env) {
    Bundle b = env.bundle().edit(s -> s.mounts.add(new io.burrow.api.spec.Mount("/late", "nosuchfs", "none", new ArrayList<>())));
    assertThat(createFails(env, b, "c1")).containsAnyOf("nosuchfs", "/late");
  }

  @Test
  void unsupportedNamespaceType(TestEnv env) {
    Bundle b = env.bundle().edit(s -> s.linux.namespaces.add(new Linux.Namespace("bogus", null)));
    assertThat(createFails(env, b, "c1")).contains("bogus");
  }

  @Test
  void unknownFileAccess(TestEnv env) {
    Bundle b = env.bundle();
    String msg = createFails(env.burrow().withGlobalFlags("--file-access", "nosuch"), env, b.dir(), "c1");
    assertThat(msg).contains("nosuch").contains("direct");
  }

  @ParameterizedTest
  @ValueSource(strings = {"../escape", "a/b", ".."})
  void containerIdsThatAreNotPlainNamesAreRefused(String id, TestEnv env) {
    Bundle b = env.bundle();
    Burrow.Result r = env.burrow().run("create", "--bundle", b.dir().toString(), id).failed();
    assertThat(r.errorMessage()).contains(id);
    assertThat(env.base().resolve("escape")).as("nothing created outside --root").doesNotExist();
    assertThat(env.root().resolve("a")).doesNotExist();
  }

  @Test
  void duplicateIdFailsAndLeavesTheFirstContainerAlone(TestEnv env) {
    Bundle b = env.bundle().args("sleep", "1000");
    TestEnv.Container c = env.create(b, "dup");
    Bundle other = env.bundle("other").args("sleep", "1000");
    Burrow.Result r = env.burrow().run("create", "--bundle", other.dir().toString(), "dup").failed();
    assertThat(r.errorMessage()).contains("dup");

    var st = env.state("dup");
    assertThat(st.path("status").asText()).isEqualTo("created");
    assertThat(st.path("pid").asLong()).isEqualTo(c.pid());
    assertThat(st.path("bundle").asText()).isEqualTo(b.dir().toString());
    assertThat(Host.alive(c.pid())).isTrue();
    env.burrow().run("delete", "dup").ok();
    assertThat(env.stateDir("dup")).doesNotExist();
  }

  @ParameterizedTest
  @ValueSource(strings = {"state", "start", "kill", "delete"})
  void unknownIdIsAnError(String command, TestEnv env) {
    Burrow.Result r = env.burrow().run(command, "nosuch").failed();
    assertThat(r.errorMessage()).contains("nosuch");
    assertThat(env.stateDir("nosuch")).doesNotExist();
  }

  @Test
  void unknownIdIsAnErrorInAnExistingRootToo(TestEnv env) {
    TestEnv.Container c = env.create(env.bundle().args("sleep", "1000"), "present");
    for (String command : List.of("state", "start", "kill", "delete")) {
      Burrow.Result r = env.burrow().run(command, "nosuch").failed();
      assertThat(r.errorMessage()).as("%s nosuch", command).contains("nosuch");
    }
    assertThat(env.status("present")).isEqualTo("created");
    assertThat(Host.alive(c.pid())).isTrue();
    env.burrow().run("delete", "present").ok();
  }

  @Test
  void startOfARunningContainerFails(TestEnv env) {
    TestEnv.Container c = env.create(env.bundle().args("sleep", "1000"), "s1");
    env.burrow().run("start", "s1").ok();
    Burrow.Result r = env.burrow().run("start", "s1").failed();
    assertThat(r.errorMessage()).contains("s1").contains("running");
    assertThat(env.status("s1")).isEqualTo("running");
    assertThat(Host.alive(c.pid())).isTrue();
    env.burrow().run("delete", "--force", "s1").ok();
  }

  @Test
  void startOfAStoppedContainerFails(TestEnv env) {
    env.create(env.bundle().args("true"), "s2");
    env.burrow().run("start", "s2").ok();
    env.awaitStatus("s2", "stopped");
    Burrow.Result r = env.burrow().run("start", "s2").failed();
    assertThat(r.errorMessage()).contains("s2").contains("stopped");
    assertThat(env.status("s2")).isEqualTo("stopped");
    env.burrow().run("delete", "s2").ok();
  }

  @Test
  void killOfAStoppedContainerFails(TestEnv env) {
    env.create(env.bundle().args("true"), "k1");
    env.burrow().run("start", "k1").ok();
    env.awaitStatus("k1", "stopped");
    Burrow.Result r = env.burrow().run("kill", "k1", "KILL").failed();
    assertThat(r.errorMessage()).contains("k1").contains("stopped").contains("container not running");
    assertThat(env.status("k1")).isEqualTo("stopped");
    env.burrow().run("delete", "k1").ok();
  }

  @Test
  void killWithAnUnknownSignalFails(TestEnv env) {
    TestEnv.Container c = env.create(env.bundle().args("sleep", "1000"), "k2");
    Burrow.Result r = env.burrow().run("kill", "k2", "SIGNOPE").failed();
    assertThat(r.errorMessage()).contains("SIGNOPE");
    assertThat(env.status("k2")).isEqualTo("created");
    assertThat(Host.alive(c.pid())).isTrue();
    env.burrow().run("delete", "k2").ok();
  }

  @Test
  void runOfAMissingProgramFailsAndLeavesNothing(TestEnv env) {
    Bundle b = env.bundle().args("/no/such/program");
    Burrow.Result r = env.burrow().run("run", "--bundle", b.dir().toString(), "np");
    assertThat(r.exitCode()).as(r.outputs()).isNotZero();
    assertThat(r.stderr()).as(r.outputs()).contains("/no/such/program");
    if (Files.exists(env.stateDir("np"))) {
      env.burrow().run("delete", "--force", "np").ok();
    }
    assertThat(env.stateDir("np")).doesNotExist();
  }

  @Test
  void unknownCommandAndMissingIdAreUsageErrors(TestEnv env) {
    assertThat(env.burrow().run("frobnicate").exitCode()).isNotZero();
    assertThat(env.burrow().run("state").exitCode()).isNotZero();
    assertThat(env.burrow().run("create", "--bundle", env.base().toString()).exitCode()).isNotZero();
  }
}
