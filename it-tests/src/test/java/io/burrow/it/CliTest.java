package io.burrow.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.burrow.api.spec.Linux;
import io.burrow.api.spec.Spec;
import io.burrow.api.spec.SpecIo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code spec}, the global flags, and the run of a container with them, as dockerd's shim calls burrow. */
@ExtendWith(BurrowExtension.class)
class CliTest {

  @Test
  void specWritesARuncStyleDefaultConfig(TestEnv env) throws Exception {
    Path dir = env.dir("specdir");
    env.burrow().run("spec", "--bundle", dir.toString()).ok();
    Spec s = SpecIo.read(dir.resolve("config.json"), Spec.class);
    assertThat(s.ociVersion).isNotEmpty();
    assertThat(s.process.args).containsExactly("sh");
    assertThat(s.process.terminal).isTrue();
    assertThat(s.root.path).isEqualTo("rootfs");
    List<String> ns = s.linux.namespaces.stream().map(n -> n.type).collect(Collectors.toList());
    assertThat(ns).contains("pid", "mount", "ipc", "uts");
    assertThat(ns).doesNotContain("user");
    assertThat(s.mounts).extracting(m -> m.destination).contains("/proc", "/dev", "/dev/pts", "/sys");
  }

  @Test
  void specWritesOnlyOciFieldsInMounts(TestEnv env) throws Exception {
    Path dir = env.dir("specdir");
    env.burrow().run("spec", "--bundle", dir.toString()).ok();
    JsonNode tree = SpecIo.MAPPER.readTree(dir.resolve("config.json").toFile());
    java.util.Set<String> oci = java.util.Set.of("destination", "type", "source", "options", "uidMappings", "gidMappings");
    for (JsonNode m : tree.path("mounts")) {
      List<String> names = new java.util.ArrayList<>();
      m.fieldNames().forEachRemaining(names::add);
      assertThat(names).as("fields of mount %s (config-md: destination, type, source, options, uidMappings, gidMappings)", m)
          .allMatch(oci::contains);
    }
  }

  @Test
  void specRootlessAddsAUserNamespaceWithMappings(TestEnv env) throws Exception {
    Path dir = env.dir("specdir");
    env.burrow().run("spec", "--bundle", dir.toString(), "--rootless").ok();
    Spec s = SpecIo.read(dir.resolve("config.json"), Spec.class);
    assertThat(s.linux.namespaces).extracting(n -> n.type).contains("user");
    assertThat(s.linux.uidMappings).isNotEmpty();
    assertThat(s.linux.gidMappings).isNotEmpty();
  }

  @Test
  void specWithoutBundleWritesIntoTheWorkingDirectory(TestEnv env) throws Exception {
    // Not through the Burrow runner: the working directory matters here.
    Path dir = env.dir("cwdspec");
    ProcessBuilder pb = new ProcessBuilder(Burrow.configuredExecutable().toString(), "--root", env.root().toString(), "spec")
        .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(env.base().resolve("out/spec-cwd.out").toFile());
    Process p = pb.start();
    assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("burrow spec finished").isTrue();
    assertThat(p.exitValue()).as(Files.readString(env.base().resolve("out/spec-cwd.out"))).isZero();
    assertThat(dir.resolve("config.json")).isRegularFile();
  }

  @Test
  void theShimsGlobalFlagsAreAccepted(TestEnv env) throws Exception {
    Bundle b = env.bundle().shell("echo via-shim-flags");
    Path log = b.dir().resolve("log.json");
    Burrow shim = env.burrow().withGlobalFlags("--log", log.toString(), "--log-format", "json");
    Path pidFile = b.dir().resolve("init.pid");
    Burrow.Result create = shim.run("create", "--bundle", b.dir().toString(), "--pid-file", pidFile.toString(), "shim1").ok();
    env.trackPid(TestEnv.readPidFile(pidFile, create));
    shim.run("start", "shim1").ok();
    env.awaitStatus("shim1", "stopped");
    assertThat(create.stdout()).isEqualTo("via-shim-flags\n");
    shim.run("delete", "shim1").ok();
    // Whatever burrow logs in json format must be one JSON object per line.
    if (Files.exists(log)) {
      for (String line : Files.readAllLines(log)) {
        if (!line.isBlank()) {
          JsonNode n = SpecIo.MAPPER.readTree(line);
          assertThat(n.isObject()).as("log line %s", line).isTrue();
        }
      }
    }
  }

  @Test
  void aFailedCreateIsLoggedAsJsonWhenAsked(TestEnv env) throws Exception {
    Bundle b = env.bundle().edit(s -> s.linux.namespaces.add(new Linux.Namespace("bogus", null)));
    Path log = env.base().resolve("log.json");
    env.burrow().withGlobalFlags("--log", log.toString(), "--log-format", "json")
        .run("create", "--bundle", b.dir().toString(), "lg1").failed();
    assertThat(log).as("--log file after a failed create").exists();
    List<String> lines = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).collect(Collectors.toList());
    assertThat(lines).isNotEmpty();
    for (String line : lines) {
      assertThat(SpecIo.MAPPER.readTree(line).isObject()).as("log line %s", line).isTrue();
    }
    assertThat(String.join("\n", lines)).contains("bogus");
    assertThat(env.stateDir("lg1")).doesNotExist();
  }

  @Test
  void debugAndExplicitDirectFileAccessWork(TestEnv env) {
    Bundle b = env.bundle().shell("echo ok");
    Burrow.Result r = env.burrow().withGlobalFlags("--debug", "--file-access", "direct")
        .run("run", "--bundle", b.dir().toString(), "dbg1");
    assertThat(r.exitCode()).as(r.outputs()).isZero();
    assertThat(r.stdout()).isEqualTo("ok\n");
    LifecycleTest.removeAfterRun(env, "dbg1");
  }

  @Test
  void unknownLogFormatIsRefused(TestEnv env) {
    Burrow.Result r = env.burrow().withGlobalFlags("--log-format", "xml").run("list");
    assertThat(r.exitCode()).as(r.outputs()).isNotZero();
    assertThat(r.stderr()).contains("xml");
  }
}
