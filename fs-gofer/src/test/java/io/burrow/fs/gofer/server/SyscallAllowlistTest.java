package io.burrow.fs.gofer.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The gofer's seccomp allowlist in a real child JVM: work the gofer does still works on threads
 * made after the filter, and a call it never makes (a new socket, open_by_handle_at, a fork,
 * starting a process) kills the whole process with SIGSYS, which the kernel logs with the call's number.
 * (The gofer itself runs under the filter in every gofer-process and container test.)
 */
class SyscallAllowlistTest {
  private static final int SIGSYS = 31;
  @TempDir Path tmp;

  private record Run(long pid, int exit, String output) {}

  private Run probe(String call) throws Exception {
    Path file = Files.writeString(tmp.resolve("file"), "served bytes");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), AllowlistProbe.class.getName(), call, file.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.pid(), p.exitValue(), out);
  }

  @Test
  void whatTheGoferDoesStillWorksOnThreadsMadeAfterTheFilter() throws Exception {
    Run run = probe("none");
    assertThat(run.output()).contains("after the filter a new thread read: served bytes", "returned from none");
    assertThat(run.exit()).isZero();
  }

  @ParameterizedTest
  // starting a process from Java is refused at its first step, the pipe2 for the child's stdio
  @CsvSource({"socket, 41", "open_by_handle_at, 304", "fork, 56", "process, 293"})
  void aCallTheGoferNeverMakesKillsItAndTheKernelLogsWhich(String call, int nr) throws Exception {
    Run run = probe(call);
    assertThat(run.output()).contains("after the filter a new thread read: served bytes")
        .doesNotContain("returned from");
    assertThat(run.exit()).as(run.output()).isEqualTo(128 + SIGSYS);
    String line = "";
    for (int i = 0; i < 20 && line.isEmpty(); i++) {
      Process dmesg = new ProcessBuilder("dmesg").redirectErrorStream(true).start();
      List<String> lines = List.of(new String(dmesg.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
          .split("\n"));
      dmesg.waitFor();
      line = lines.stream().filter(l -> l.contains("type=1326") && l.contains(" pid=" + run.pid() + " "))
          .findFirst().orElse("");
      if (line.isEmpty()) {
        Thread.sleep(100);
      }
    }
    assertThat(line).as("the kernel's seccomp line for pid " + run.pid())
        .contains("sig=" + SIGSYS, "syscall=" + nr + " ");
  }
}
