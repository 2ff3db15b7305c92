package io.burrow.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Java example in README.md, as a reader would run it: the block after the
 * {@code ReadmeExampleTest} marker is saved as {@code HelloBurrow.java} and run with the source
 * launcher on the jars of {@code cli/target/lib}, against a busybox rootfs, in the default gofer
 * mode. It must print the container's greeting and the exit status it chose, and leave nothing
 * in its state directory.
 */
class ReadmeExampleTest {
  @Test
  void theReadmesJavaExampleRunsAContainerAndReadsItsExitStatus() throws Exception {
    Path home = Path.of(System.getProperty("burrow.home")).toAbsolutePath().normalize();
    String readme = Files.readString(home.resolve("../../README.md").normalize());
    Matcher block = Pattern.compile("ReadmeExampleTest[^\\n]*\\n```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertThat(block.find()).as("README.md has the marked java block").isTrue();
    Path work = Files.createTempDirectory(Path.of("/tmp"), "readme");
    try {
      Files.writeString(work.resolve("HelloBurrow.java"), block.group(1));
      Path rootfs = work.resolve("rootfs");
      Rootfs.copyTo(rootfs);
      Path root = work.resolve("root");
      Host.Cmd run = Host.sh(Duration.ofSeconds(180), "java", "-cp", home.resolve("lib") + "/*",
          work.resolve("HelloBurrow.java").toString(), home.toString(), rootfs.toString(), root.toString());
      assertThat(run.exitCode()).as("%s", run.output()).isZero();
      assertThat(run.output()).as("the container's output, then the example's").contains("hello from")
          .contains("exit status 3");
      try (Stream<Path> left = Files.list(root)) {
        assertThat(left).as("state directories left under %s", root).isEmpty();
      }
    } finally {
      try (Stream<Path> files = Files.walk(work)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      } catch (IOException e) {
        // best effort
      }
    }
  }
}
