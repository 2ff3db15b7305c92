package io.burrow.fs.gofer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Third-party 9P2000.L clients (Debian's diod tools) against {@code burrow gofer --serve-unix} in a
 * real child process, compared with the files on disk. Skipped, saying why, when the tools are not
 * installed. Runs in the unit-test phase (the name ends in IT only to mark it as interop).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DiodInteropIT {
  @TempDir static Path tmp;
  Path root;
  GoferProcess gofer;
  byte[] big;

  static boolean installed(String tool) {
    return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/usr/bin", tool));
  }

  @BeforeAll
  void start() throws Exception {
    assumeTrue(installed("diodls") && installed("diodcat") && installed("dioddate") && installed("diodload"),
        "diod tools not installed (apt-get install diod): skipping interop tests");
    root = Files.createDirectories(tmp.resolve("root"));
    Files.writeString(root.resolve("hello.txt"), "hello from burrow\n");
    Files.createDirectories(root.resolve("sub/deeper"));
    Files.writeString(root.resolve("sub/a.txt"), "a");
    Files.createDirectories(root.resolve("ctl"));
    Files.writeString(root.resolve("ctl/date"), "1700000000.123 0.0\n");
    Files.write(root.resolve("ctl/zero"), new byte[1 << 20]);
    Files.write(root.resolve("ctl/null"), new byte[0]);
    big = new byte[5 * 1024 * 1024 + 123];
    new Random(3).nextBytes(big);
    Files.write(root.resolve("big.bin"), big);
    gofer = GoferProcess.start(tmp, root);
  }

  @AfterAll
  void stop() throws Exception {
    if (gofer != null) {
      gofer.close();
    }
  }

  private byte[] run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.getInputStream().transferTo(out);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finished", Arrays.toString(cmd)).isTrue();
    assertThat(p.exitValue()).as("exit of %s", Arrays.toString(cmd)).isZero();
    return out.toByteArray();
  }

  private List<String> lines(byte[] b) {
    return new String(b, StandardCharsets.UTF_8).lines().collect(Collectors.toList());
  }

  private static List<String> onDisk(Path dir) throws Exception {
    try (var s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).collect(Collectors.toList());
    }
  }

  @Test
  void diodlsListsTheRootAndSubdirectories() throws Exception {
    String s = gofer.socket.toString();
    assertThat(lines(run("diodls", "-s", s, "-a", "/"))).containsExactlyInAnyOrderElementsOf(onDisk(root));
    assertThat(lines(run("diodls", "-s", s, "-a", "/sub"))).containsExactlyInAnyOrderElementsOf(onDisk(root.resolve("sub")));
    assertThat(lines(run("diodls", "-s", s, "-a", "/", "sub"))).containsExactlyInAnyOrderElementsOf(onDisk(root.resolve("sub")));
  }

  @Test
  void diodlsLongShowsSizesAndModes() throws Exception {
    List<String> out = lines(run("diodls", "-l", "-s", gofer.socket.toString(), "-a", "/"));
    List<String> names = new ArrayList<>();
    for (String line : out) {
      String[] f = line.trim().split("\\s+");
      String name = f[f.length - 1];
      names.add(name);
      Path p = name.equals(".") || name.equals("..") ? root : root.resolve(name);
      assertThat(f[0].charAt(0)).as(line).isEqualTo(Files.isDirectory(p) ? 'd' : '-');
      if (Files.isRegularFile(p)) {
        assertThat(Long.parseLong(f[4])).as(line).isEqualTo(Files.size(p));
      }
    }
    List<String> want = new ArrayList<>(onDisk(root));
    want.add(".");
    want.add("..");
    assertThat(names).containsExactlyInAnyOrderElementsOf(want);
  }

  @Test
  void diodcatIsByteIdentical() throws Exception {
    String s = gofer.socket.toString();
    assertThat(run("diodcat", "-s", s, "-a", "/", "big.bin")).isEqualTo(big);
    assertThat(new String(run("diodcat", "-s", s, "-a", "/sub", "a.txt"), StandardCharsets.UTF_8)).isEqualTo("a");
    assertThat(run("diodcat", "-s", s, "-m", "8192", "-a", "/", "hello.txt"))
        .isEqualTo(Files.readAllBytes(root.resolve("hello.txt")));
  }

  @Test
  void dioddateReadsCtlDate() throws Exception {
    String out = new String(run("dioddate", "-s", gofer.socket.toString()), StandardCharsets.UTF_8);
    assertThat(out.trim()).isEqualTo(new java.text.SimpleDateFormat("EEE MMM d HH:mm:ss yyyy", java.util.Locale.ROOT)
        .format(new java.util.Date(1_700_000_000_000L)).replaceAll("  ", " "));
  }

  @Test
  void diodloadRunsAgainstCtl() throws Exception {
    String out = new String(run("diodload", "-s", gofer.socket.toString(), "-n", "2", "-r", "1"), StandardCharsets.UTF_8);
    assertThat(out).doesNotContain("error");
  }

  @Test
  void theGoferProcessIsConfined() throws Exception {
    run("diodls", "-s", gofer.socket.toString(), "-a", "/"); // the server now has worker threads
    long pid = gofer.process.pid();
    int serverThreads = 0;
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path task : tasks.collect(Collectors.toList())) {
        String comm;
        String status;
        try {
          comm = Files.readString(task.resolve("comm")).trim();
          status = Files.readString(task.resolve("status"));
        } catch (java.nio.file.NoSuchFileException gone) {
          continue;
        }
        if (comm.startsWith("gofer-")) {
          serverThreads++;
          // capabilities and no_new_privs are per thread: every serving thread has the reduced set
          assertThat(status).as(comm).containsPattern("NoNewPrivs:\\s+1");
          assertThat(status).as(comm).containsPattern("CapEff:\\s+000000000000001f");
          assertThat(status).as(comm).containsPattern("CapBnd:\\s+000000000000001f");
        }
      }
    }
    assertThat(serverThreads).isPositive();
    // its root is an empty, deleted directory: no absolute path reaches a host file
    String rootLink = Files.readSymbolicLink(Path.of("/proc/" + pid + "/root")).toString();
    assertThat(rootLink).contains("burrow-gofer-root").endsWith("(deleted)");
  }
}
