package io.burrow.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The busybox rootfs template, built once per test JVM by scripts/make-rootfs.sh and copied into
 * each bundle ({@code cp -a}, so symlinks and modes survive).
 */
final class Rootfs {
  private static Path template;

  private Rootfs() {}

  /** Builds the template on first use; fails the calling test with the script's output if it cannot. */
  static synchronized Path template() {
    if (template == null) {
      Path script = Path.of(System.getProperty("burrow.rootfs.script", "../scripts/make-rootfs.sh")).toAbsolutePath().normalize();
      Path dir = Path.of(System.getProperty("burrow.rootfs.template", "target/rootfs")).toAbsolutePath().normalize();
      if (!Files.isRegularFile(script)) {
        throw new AssertionError("rootfs script " + script + " not found (set -Dburrow.rootfs.script=PATH)");
      }
      Host.sh(Duration.ofSeconds(120), "bash", script.toString(), dir.toString()).ok();
      if (!Files.isExecutable(dir.resolve("bin/busybox")) || !Files.isSymbolicLink(dir.resolve("bin/sh"))) {
        throw new AssertionError(script + " ran but " + dir + " has no bin/busybox or bin/sh");
      }
      template = dir;
    }
    return template;
  }

  /** Copies the template to {@code dest}, which must not exist. */
  static void copyTo(Path dest) {
    Host.sh("cp", "-a", template().toString(), dest.toString()).ok();
  }
}
