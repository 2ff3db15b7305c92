package io.burrow.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The harness itself, without burrow: the leak checker must see leaked processes and mounts and
 * cleanup must remove them, and the runner's timeout must kill a hung executable. Otherwise a
 * green suite would prove nothing.
 */
class HarnessTest {

  @Test
  void leakCheckerFindsAndCleanupRemovesProcessesMountsAndStateDirs() throws Exception {
    assertThat(Host.isRoot()).as("these tests need root").isTrue();
    // cleanup runs `burrow delete --force ID`; /bin/true stands in, so no burrow is needed.
    TestEnv env = new TestEnv("HarnessTest.leaks", Path.of("/bin/true"));
    Path base = env.base();
    try {
      assertThat(env.leaks()).isEmpty();

      // A process that names the base dir in its environment, as a leaked burrow child would.
      ProcessBuilder pb = new ProcessBuilder("sleep", "1000").redirectOutput(ProcessBuilder.Redirect.DISCARD);
      pb.environment().put(Burrow.MARK_ENV, base.toString());
      Process leaked = pb.start();
      // A process tracked as a container init.
      Process init = new ProcessBuilder("sleep", "1001").start();
      env.trackPid(init.pid());
      // A mount under the base dir.
      Path mnt = env.dir("mnt");
      Host.sh("mount", "-t", "tmpfs", "tmpfs", mnt.toString()).ok();
      // A state dir of a container the test used.
      Files.createDirectories(env.stateDir("gone"));
      env.burrow(); // the runner exists without running anything
      java.lang.reflect.Method observe = TestEnv.class.getDeclaredMethod("observe", List.class);
      observe.setAccessible(true);
      observe.invoke(env, List.of("create", "--bundle", "x", "gone"));

      List<String> leaks = env.leaks();
      assertThat(leaks).anyMatch(l -> l.startsWith("process " + leaked.pid() + " "));
      assertThat(leaks).anyMatch(l -> l.startsWith("process " + init.pid() + " "));
      assertThat(leaks).anyMatch(l -> l.contains("mount") && l.contains(mnt.toString()));
      assertThat(leaks).anyMatch(l -> l.contains("state dir") && l.contains("gone"));

      List<String> problems = env.cleanup();
      assertThat(problems).isEmpty();
      assertThat(leaked.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(init.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(Host.mountPoints()).noneMatch(m -> Host.under(m, base));
      assertThat(base).doesNotExist();
    } finally {
      if (Files.exists(base)) {
        Host.sh("umount", "-l", base.resolve("mnt").toString());
        Host.sh("rm", "-rf", "--one-file-system", base.toString());
      }
    }
  }

  @Test
  void runnerKillsAHungExecutableAndSaysSo() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "bit-harness-");
    try {
      Path fake = dir.resolve("fake-burrow");
      Files.writeString(fake, "#!/bin/sh\necho started\nsleep 1000 &\nwait\n");
      Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
      Burrow b = new Burrow(fake, dir.resolve("root"), dir, Duration.ofSeconds(1), dir.toString(), args -> {});
      assertThatThrownBy(() -> b.run("state", "x"))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("TIMEOUT")
          .hasMessageContaining("state x")
          .hasMessageContaining("started");
      // The shell and its sleep child are dead (zombies at most).
      assertThat(Host.eventually(Duration.ofSeconds(5), () -> Host.allPids().stream()
          .noneMatch(p -> Host.alive(p) && Host.cmdline(p).contains(fake.toString()))))
          .isTrue();
    } finally {
      Host.sh("rm", "-rf", dir.toString());
    }
  }

  @Test
  void resultFailedInsistsOnTheBurrowPrefix() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "bit-harness-");
    try {
      Path fake = dir.resolve("fake-burrow");
      Files.writeString(fake, "#!/bin/sh\necho \"oops: $*\" >&2\nexit 3\n");
      Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
      Burrow b = new Burrow(fake, dir.resolve("root"), dir, Duration.ofSeconds(30), dir.toString(), args -> {});
      Burrow.Result r = b.run("state", "x");
      assertThat(r.exitCode()).isEqualTo(3);
      assertThatThrownBy(r::failed).hasMessageContaining("burrow: ");
      assertThatThrownBy(r::ok).hasMessageContaining("expected exit 0");
    } finally {
      Host.sh("rm", "-rf", dir.toString());
    }
  }

  @Test
  void defaultGlobalFlagsYieldToTheTestsOwn() {
    System.setProperty("burrow.it.globalFlags", "--file-access gofer --overlay --log-format=json");
    try {
      assertThat(Burrow.defaultFlags(List.of())).containsExactly("--file-access", "gofer", "--overlay", "--log-format=json");
      assertThat(Burrow.defaultFlags(List.of("--file-access", "nosuch"))).containsExactly("--overlay", "--log-format=json");
      assertThat(Burrow.defaultFlags(List.of("--log-format", "text"))).containsExactly("--file-access", "gofer", "--overlay");
    } finally {
      System.clearProperty("burrow.it.globalFlags");
    }
  }
}
