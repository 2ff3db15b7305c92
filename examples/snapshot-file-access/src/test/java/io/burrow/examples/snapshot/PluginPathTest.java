package io.burrow.examples.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.burrow.api.spec.Spec;
import io.burrow.api.spec.SpecIo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The plugin as a user installs it: the real {@code burrow} executable with this module's classes
 * on {@code BURROW_PLUGIN_PATH} runs a container with {@code --file-access snapshot}; without
 * them the name is unknown and the error lists the known ones; a second plugin claiming a taken
 * name is a start-up error naming both places.
 */
class PluginPathTest {
  private static final Path HOME = Path.of(System.getProperty("burrow.home"));
  private static final Path CLASSES = Path.of("target/classes").toAbsolutePath();
  private Path work;

  record Result(int exit, String out, String err) {}

  @BeforeEach
  void makeBundle() throws IOException {
    work = Files.createTempDirectory(Path.of("/tmp"), "snap");
    Path rootfs = Files.createDirectories(work.resolve("bundle/rootfs"));
    for (String dir : List.of("bin", "proc", "dev", "sys", "tmp", "etc")) {
      Files.createDirectories(rootfs.resolve(dir));
    }
    Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
    Files.createSymbolicLink(rootfs.resolve("bin/sh"), Path.of("busybox"));
    Spec spec = SpecIo.defaultSpec();
    spec.process.terminal = false;
    spec.root.readonly = false;
    spec.process.args = List.of("/bin/sh", "-c", "echo scribbled > /etc/motd && cat /etc/motd");
    Files.write(work.resolve("bundle/config.json"), SpecIo.toBytes(spec));
  }

  @AfterEach
  void removeWork() throws IOException {
    try (Stream<Path> files = Files.walk(work)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Test
  void theCliRunsAContainerWithThePluginOnItsPath() throws Exception {
    Result r = burrow(CLASSES.toString(), "--file-access", "snapshot", "run", "--bundle", work.resolve("bundle").toString(), "snap1");
    assertThat(r.exit()).as("%s", r).isZero();
    assertThat(r.out()).isEqualTo("scribbled\n");
    assertThat(work.resolve("bundle/rootfs/etc/motd")).as("the bundle's rootfs is untouched").doesNotExist();
    assertThat(work.resolve("root/snap1")).as("the state directory, with its snapshot").doesNotExist();
  }

  @Test
  void withoutThePluginTheNameIsUnknownAndTheKnownOnesAreListed() throws Exception {
    Result r = burrow("", "--file-access", "snapshot", "run", "--bundle", work.resolve("bundle").toString(), "snap2");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("unknown file access 'snapshot'; known: direct, gofer");
  }

  @Test
  void twoPluginsWithOneNameAreAStartUpErrorNamingBoth() throws Exception {
    Path impostor = Files.createDirectories(work.resolve("impostor/META-INF/services"));
    Files.writeString(impostor.resolve("io.burrow.plugin.BurrowPlugin"), DirectImpostorPlugin.class.getName() + "\n");
    String path = CLASSES + ":" + Path.of("target/test-classes").toAbsolutePath() + ":" + work.resolve("impostor");
    Result r = burrow(path, "list");
    assertThat(r.exit()).as("%s", r).isEqualTo(1);
    assertThat(r.err()).contains("two file access plugins are named 'direct'")
        .contains("io.burrow.fs.direct.DirectPlugin (" + HOME.resolve("lib").toRealPath() + "/fs-direct-")
        .contains(DirectImpostorPlugin.class.getName() + " (" + Path.of("target/test-classes").toAbsolutePath());
  }

  private Result burrow(String pluginPath, String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of(HOME.resolve("burrow").toString(), "--root", work.resolve("root").toString()));
    argv.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().put("BURROW_PLUGIN_PATH", pluginPath);
    Path out = work.resolve("out");
    Path err = work.resolve("err");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("burrow " + String.join(" ", args) + " did not finish in 120 s");
    }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }
}
