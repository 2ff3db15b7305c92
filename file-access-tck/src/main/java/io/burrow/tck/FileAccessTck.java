package io.burrow.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.burrow.api.config.Config;
import io.burrow.api.config.Installation;
import io.burrow.api.spec.Mount;
import io.burrow.api.spec.Spec;
import io.burrow.api.spec.SpecIo;
import io.burrow.api.spi.ProcessId;
import io.burrow.api.state.Status;
import io.burrow.core.BurrowRuntime;
import io.burrow.core.ContainerException;
import io.burrow.core.ContainerHandle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The compatibility kit of the file-access SPI: every file-access plugin passes it, as every
 * docker-java transport passes that project's TCK. A plugin's test extends this class, names the
 * plugin ({@link #fileAccess()}) and says what it claims ({@link #overlay()},
 * {@link #rootWritesReachTheHost()}); each case runs real busybox containers through the plugin
 * with {@link BurrowRuntime}, as an embedding application would, and judges them by their exit
 * status and by what is left on the host.
 *
 * <p>Needs root, a static busybox at {@code /bin/busybox} (Debian's busybox-static), the plugin
 * and a namespaces plugin on the test class path, and burrow's installation
 * ({@link #installation()}: by default the directory named by the {@value #HOME_PROPERTY} system
 * property, which holds {@code burrow} and {@code burrow-init}). Each case has a fresh runtime root
 * and work directory, removed afterwards. Not thread-safe: JUnit runs one case at a time.
 */
public abstract class FileAccessTck {
  /** System property naming the burrow installation directory (cli/target in this repository). */
  public static final String HOME_PROPERTY = "burrow.home";
  private static final int ROOT_UID = 1234, ROOT_GID = 5678, BIND_UID = 4321, BIND_GID = 8765;
  private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(60);
  private static final List<String> APPLETS = List.of("sh", "cat", "stat", "test", "[", "echo", "sleep", "touch", "ls",
      "mkdir", "true", "false", "rm");

  private Path work;
  private Path root;
  private Path rootfs;
  private int serial;

  /** The name the plugin under test is selected by. */
  protected abstract String fileAccess();

  /** Whether the plugin implements {@code --overlay}: a writable tmpfs upper over a read-only root. */
  protected boolean overlay() {
    return false;
  }

  /** Whether, without an overlay, a container's writes to its root land in the bundle's rootfs. */
  protected boolean rootWritesReachTheHost() {
    return true;
  }

  /** Where burrow's launcher and exec helper are; by default the {@value #HOME_PROPERTY} directory. */
  protected Installation installation() {
    String home = System.getProperty(HOME_PROPERTY);
    if (home == null || home.isBlank()) {
      throw new IllegalStateException("set the system property " + HOME_PROPERTY + " to burrow's installation directory");
    }
    return Installation.in(Path.of(home));
  }

  /** The runtime the cases use; a subclass may override to add its own plugins or configuration. */
  protected BurrowRuntime runtime(Config config) {
    return BurrowRuntime.builder(config).installation(installation()).build();
  }

  @BeforeEach
  void makeRootfs() throws IOException {
    // Short: socket paths are built under the root.
    work = Files.createTempDirectory(Path.of("/tmp"), "tck");
    root = work.resolve("r");
    rootfs = work.resolve("rootfs");
    for (String dir : List.of("bin", "etc", "proc", "dev", "sys", "tmp", "data", "ro", "run")) {
      Files.createDirectories(rootfs.resolve(dir));
    }
    Path busybox = Path.of("/bin/busybox");
    assumeTrue(Files.isExecutable(busybox), "the TCK needs a static busybox at /bin/busybox (busybox-static)");
    Files.copy(busybox, rootfs.resolve("bin/busybox"));
    for (String applet : APPLETS) {
      Files.createSymbolicLink(rootfs.resolve("bin").resolve(applet), Path.of("busybox"));
    }
    Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/:/bin/sh\n");
    Path owned = Files.writeString(rootfs.resolve("etc/tck-owned"), "root-file\n");
    chown(owned, ROOT_UID, ROOT_GID);
    Files.setPosixFilePermissions(owned, PosixFilePermissions.fromString("rw-r--r--"));
  }

  @AfterEach
  void removeWork() throws IOException {
    assertThat(mountsUnder(work)).as("mounts left under %s", work).isEmpty();
    try (Stream<Path> files = Files.walk(work)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Test
  void theRootHasTheRootfsContentsAndOwnership() throws Exception {
    int status = run(Config.defaults(), "[ \"$(cat /etc/tck-owned)\" = root-file ] || exit 11;"
        + " [ \"$(stat -c %u:%g /etc/tck-owned)\" = " + ROOT_UID + ":" + ROOT_GID + " ] || exit 12;"
        + " [ \"$(stat -c %a /etc/tck-owned)\" = 644 ] || exit 13; [ -L /bin/sh ] || exit 14", spec -> {});
    assertThat(status).as("11: content, 12: owner, 13: mode, 14: symlink of the root's files").isZero();
  }

  @Test
  void aBindMountHasItsSourceContentsAndOwnershipAndWritesReachTheHost() throws Exception {
    Path data = Files.createDirectories(work.resolve("data"));
    chown(Files.writeString(data.resolve("in"), "bound\n"), BIND_UID, BIND_GID);
    int status = run(Config.defaults(), "[ \"$(cat /data/in)\" = bound ] || exit 21;"
        + " [ \"$(stat -c %u:%g /data/in)\" = " + BIND_UID + ":" + BIND_GID + " ] || exit 22;"
        + " echo written > /data/out || exit 23", spec -> spec.mounts.add(bind(data, "/data", "rbind", "rw")));
    assertThat(status).as("21: content, 22: owner, 23: write of the bind mount").isZero();
    assertThat(data.resolve("out")).hasContent("written");
  }

  @Test
  void readOnlyMountsAndARootMarkedReadonlyRefuseWrites() throws Exception {
    Path ro = Files.createDirectories(work.resolve("ro-source"));
    Files.writeString(ro.resolve("kept"), "kept\n");
    int status = run(Config.defaults(), "[ \"$(cat /ro/kept)\" = kept ] || exit 31;"
        + " if echo x > /ro/new 2>/dev/null; then exit 32; fi; if echo x > /ro/kept 2>/dev/null; then exit 33; fi;"
        + " if touch /new-in-root 2>/dev/null; then exit 34; fi", spec -> {
          spec.mounts.add(bind(ro, "/ro", "rbind", "ro"));
          spec.root.readonly = true;
        });
    assertThat(status).as("31: read, 32: create, 33: overwrite in a ro bind; 34: create in a readonly root").isZero();
    assertThat(ro.resolve("new")).doesNotExist();
    assertThat(ro.resolve("kept")).hasContent("kept");
    assertThat(rootfs.resolve("new-in-root")).doesNotExist();
  }

  @Test
  void writesToTheRootLandInTheRootfsOnlyWhereThePluginSaysSo() throws Exception {
    int status = run(Config.defaults(), "echo w > /etc/written && [ \"$(cat /etc/written)\" = w ]", spec -> {});
    assertThat(status).as("a writable root takes a write and reads it back").isZero();
    assertThat(Files.exists(rootfs.resolve("etc/written"))).as("the write reached the host's rootfs")
        .isEqualTo(rootWritesReachTheHost());
  }

  @Test
  void anOverlayTakesWritesAndKeepsThemFromTheRootfs() throws Exception {
    assumeTrue(overlay(), fileAccess() + " claims no overlay");
    int status = run(Config.defaults().withOverlay(true), "echo w > /etc/overlaid || exit 51;"
        + " [ \"$(cat /etc/overlaid)\" = w ] || exit 52; [ \"$(cat /etc/tck-owned)\" = root-file ] || exit 53;"
        + " rm /etc/tck-owned || exit 54; [ ! -e /etc/tck-owned ] || exit 55", spec -> {});
    assertThat(status).as("51: write, 52: read back, 53: read a lower file, 54: remove it, 55: removed").isZero();
    assertThat(rootfs.resolve("etc/overlaid")).doesNotExist();
    assertThat(rootfs.resolve("etc/tck-owned")).exists();
  }

  @Test
  void deleteLeavesNoProcessMountOrStateBehind() throws Exception {
    BurrowRuntime runtime = runtime(config(Config.defaults()));
    String id = nextId();
    List<ProcessId> started = new ArrayList<>();
    try (ContainerHandle c = runtime.create(id, spec("sleep 1000", s -> {}))) {
      c.start();
      assertThat(c.state().status()).isEqualTo(Status.RUNNING);
      started.addAll(c.processes());
      started.addAll(c.helpers());
      c.delete(true);
      assertThat(runtime.list()).as("containers after delete").isEmpty();
    }
    assertThat(started).as("the container's processes while it ran").isNotEmpty();
    assertGone(started);
    assertThat(root.resolve(id)).as("the state directory").doesNotExist();
    assertThat(mountsUnder(work)).as("host mounts under %s", work).isEmpty();
  }

  @Test
  void aFailedCreateLeavesNothingBehindAndTheIdCanBeUsedAgain() throws Exception {
    BurrowRuntime runtime = runtime(config(Config.defaults()));
    String id = nextId();
    Path missing = work.resolve("no-such-source");
    assertThatThrownBy(() -> runtime.create(id, spec("true", s -> s.mounts.add(bind(missing, "/data", "rbind")))))
        .isInstanceOf(ContainerException.class)
        .hasMessageContaining(id);
    assertThat(root.resolve(id)).as("the state directory of the failed create").doesNotExist();
    assertThat(mountsUnder(work)).isEmpty();
    assertThat(processesMentioning(root.toString())).as("helper processes of the failed create").isEmpty();
    try (ContainerHandle c = runtime.create(id, spec("exit 5", s -> {}))) {
      c.start();
      assertThat(waitForExit(c)).isEqualTo(5);
    }
    assertThat(root.resolve(id)).doesNotExist();
  }

  @Test
  void whenAHelperProcessDiesTheContainerEndsAndDeleteCleansUp() throws Exception {
    BurrowRuntime runtime = runtime(config(Config.defaults()));
    String id = nextId();
    List<ProcessId> all = new ArrayList<>();
    try (ContainerHandle c = runtime.create(id, spec(
        "while [ -e /etc/tck-owned ]; do cat /etc/tck-owned > /dev/null || exit 0; sleep 0.2; done", s -> {}))) {
      c.start();
      List<ProcessId> helpers = c.helpers();
      assumeFalse(helpers.isEmpty(), fileAccess() + " starts no helper process");
      all.addAll(helpers);
      all.addAll(c.processes());
      // The file server is first: the helper a file access depends on.
      kill(helpers.get(0));
      // A container that loses its files must not hang on them: it ends, one way or another.
      waitForExit(c);
      assertThat(c.state().status()).isEqualTo(Status.STOPPED);
      c.delete(true);
    }
    assertGone(all);
    assertThat(root.resolve(id)).doesNotExist();
    assertThat(mountsUnder(work)).isEmpty();
  }

  /** Runs {@code script} in a container of a fresh runtime with {@code config}; returns its exit status. */
  private int run(Config config, String script, Consumer<Spec> edit) throws Exception {
    BurrowRuntime runtime = runtime(config(config));
    try (ContainerHandle c = runtime.create(nextId(), spec(script, edit))) {
      c.start();
      return waitForExit(c);
    }
  }

  private int waitForExit(ContainerHandle c) throws Exception {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return c.waitForExit();
      } catch (ContainerException e) {
        throw new IllegalStateException(e);
      }
    }).get(EXIT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  private Config config(Config base) {
    return base.withRoot(root).withFileAccess(fileAccess());
  }

  private Spec spec(String script, Consumer<Spec> edit) {
    Spec spec = SpecIo.defaultSpec();
    spec.root.path = rootfs.toString();
    spec.root.readonly = false;
    spec.process.terminal = false;
    spec.process.args = List.of("/bin/sh", "-c", script);
    spec.mounts = new ArrayList<>(spec.mounts);
    edit.accept(spec);
    return spec;
  }

  private static Mount bind(Path source, String destination, String... options) {
    return new Mount(destination, "bind", source.toString(), List.of(options));
  }

  private String nextId() {
    return "tck-" + ProcessHandle.current().pid() + "-" + (++serial);
  }

  private static void chown(Path file, int uid, int gid) throws IOException {
    Files.setAttribute(file, "unix:uid", uid);
    Files.setAttribute(file, "unix:gid", gid);
  }

  private static void kill(ProcessId p) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-KILL", Integer.toString(p.pid())).inheritIO().start();
    assertThat(kill.waitFor()).as("kill -KILL %s", p.pid()).isZero();
  }

  /** Each process is gone: no live process, and no zombie, with its pid and start time. */
  private static void assertGone(List<ProcessId> processes) {
    for (ProcessId p : processes) {
      assertThat(startTimeOf(p.pid())).as("process %s after delete (of %s, this is %s): %s", p.pid(), processes,
              ProcessHandle.current().pid(), describe(p.pid()))
          .isNotEqualTo(Optional.of(p.startTime()));
    }
  }

  private static String describe(int pid) {
    try {
      return Files.readString(Path.of("/proc", Integer.toString(pid), "stat")) + " cmdline "
          + new String(Files.readAllBytes(Path.of("/proc", Integer.toString(pid), "cmdline"))).replace('\0', ' ');
    } catch (IOException e) {
      return "gone";
    }
  }

  private static Optional<Long> startTimeOf(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
      return Optional.of(Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Mount points of the host's mount namespace at or under {@code dir}. */
  private static List<String> mountsUnder(Path dir) throws IOException {
    List<String> found = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String point = line.split(" ")[4];
      if (point.equals(dir.toString()) || point.startsWith(dir + "/")) {
        found.add(point);
      }
    }
    return found;
  }

  /** Pids of processes whose command line mentions {@code text}, this JVM excepted. */
  private static List<Long> processesMentioning(String text) throws IOException {
    List<Long> found = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(d -> d.getFileName().toString().matches("[0-9]+")).toList()) {
        try {
          String cmdline = new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
          long pid = Long.parseLong(p.getFileName().toString());
          if (cmdline.contains(text) && pid != ProcessHandle.current().pid()) {
            found.add(pid);
          }
        } catch (IOException e) {
          // gone meanwhile
        }
      }
    }
    return found;
  }
}
