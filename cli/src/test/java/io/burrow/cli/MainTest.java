package io.burrow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.burrow.api.spec.Spec;
import io.burrow.api.spec.SpecIo;
import io.burrow.core.bundle.BundleLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves the CLI surface that needs no root and runs no container, through {@link
 * Main#execute(String...)} with standard output and error captured: {@code spec} (runc's
 * defaults, no overwrite, {@code --rootless}), {@code --version}, usage errors (exit 2), a
 * missing container (exit 1, "does not exist" on stderr), {@code list} on an empty root (table
 * and JSON), {@code features}, and the runc-style JSON error record written to {@code --log}.
 */
class MainTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  private PrintStream savedOut;
  private PrintStream savedErr;
  private String savedHelper;
  private ByteArrayOutputStream out;
  private ByteArrayOutputStream err;
  private Path root;

  @BeforeEach
  void capture() {
    savedOut = System.out;
    savedErr = System.err;
    out = new ByteArrayOutputStream();
    err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    // state and list never run the exec helper, but the Guice graph insists on one that exists
    // (see the report: ExecHelperLauncher takes ExecHelper eagerly). Any executable will do.
    savedHelper = System.getProperty("burrow.init");
    System.setProperty("burrow.init", "/bin/true");
    root = tmp.resolve("state-root");
  }

  @AfterEach
  void restore() {
    System.setOut(savedOut);
    System.setErr(savedErr);
    if (savedHelper == null) {
      System.clearProperty("burrow.init");
    } else {
      System.setProperty("burrow.init", savedHelper);
    }
  }

  private int run(String... args) {
    out.reset();
    err.reset();
    return Main.execute(args);
  }

  private String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void specWritesRuncsDefaults() throws Exception {
    Path bundle = Files.createDirectories(tmp.resolve("bundle"));
    assertThat(run("spec", "--bundle", bundle.toString())).as(stderr()).isZero();
    Spec spec = SpecIo.read(bundle.resolve("config.json"), Spec.class);

    assertThat(spec.ociVersion).isEqualTo("1.2.0");
    assertThat(spec.process.args).containsExactly("sh");
    assertThat(spec.process.terminal).isTrue();
    assertThat(spec.process.cwd).isEqualTo("/");
    assertThat(spec.process.user.uid).isZero();
    assertThat(spec.process.noNewPrivileges).isTrue();
    assertThat(spec.process.capabilities.bounding).containsExactly("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
    assertThat(spec.root.path).isEqualTo("rootfs");
    assertThat(spec.root.readonly).isTrue();
    assertThat(spec.linux.namespaces).extracting(ns -> ns.type)
        .containsExactly("pid", "network", "ipc", "uts", "mount", "cgroup");
    assertThat(spec.mounts).extracting(m -> m.destination)
        .containsExactly("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup");
    assertThat(spec.linux.maskedPaths).contains("/proc/kcore", "/sys/firmware");
    assertThat(spec.linux.readonlyPaths).contains("/proc/sys", "/proc/sysrq-trigger");
    // Nothing but spec fields (e.g. no derived "bind" property).
    JsonNode tree = JSON.readTree(bundle.resolve("config.json").toFile());
    tree.get("mounts").forEach(m -> assertThat(m.has("bind")).as(m.toString()).isFalse());

    // BundleLoader accepts it as it is once there is a rootfs (the terminal needs --console-socket at create).
    Files.createDirectories(bundle.resolve("rootfs"));
    assertThat(BundleLoader.load(bundle).spec().process.terminal).isTrue();
  }

  @Test
  void specRefusesToOverwrite() throws Exception {
    Path bundle = Files.createDirectories(tmp.resolve("bundle"));
    Files.writeString(bundle.resolve("config.json"), "mine");
    assertThat(run("spec", "-b", bundle.toString())).isEqualTo(1);
    assertThat(stderr()).startsWith("burrow: ").contains("config.json").contains("exists").hasLineCount(1);
    assertThat(Files.readString(bundle.resolve("config.json"))).isEqualTo("mine");
  }

  @Test
  void rootlessSpecHasAUserNamespaceWithMappingsAndNoNetworkOrCgroup() throws Exception {
    Path bundle = Files.createDirectories(tmp.resolve("bundle"));
    assertThat(run("spec", "--rootless", "--bundle", bundle.toString())).as(stderr()).isZero();
    Spec spec = SpecIo.read(bundle.resolve("config.json"), Spec.class);

    List<String> types = new ArrayList<>();
    spec.linux.namespaces.forEach(ns -> types.add(ns.type));
    assertThat(types).contains("user", "mount", "pid").doesNotContain("network", "cgroup").doesNotHaveDuplicates();
    long uid = new com.sun.security.auth.module.UnixSystem().getUid();
    assertThat(spec.linux.uidMappings).singleElement().satisfies(m -> {
      assertThat(m.containerId).isZero();
      assertThat(m.hostId).isEqualTo(uid);
      assertThat(m.size).isEqualTo(1);
    });
    assertThat(spec.linux.gidMappings).hasSize(1);
    assertThat(spec.linux.resources).isNull();
    assertThat(spec.mounts).extracting(m -> m.destination).doesNotContain("/sys/fs/cgroup");
    assertThat(spec.mounts).filteredOn(m -> m.destination.equals("/sys")).singleElement()
        .satisfies(m -> assertThat(m.isBind()).isTrue());
    // As runc: no uid=/gid= mount options, they name ids the single mapping does not have.
    spec.mounts.forEach(m -> assertThat(m.options == null ? List.<String>of() : m.options)
        .as(m.destination).noneMatch(o -> o.startsWith("gid=") || o.startsWith("uid=")));
  }

  @Test
  void goferHelpDocumentsItsFlagsAndAMissingOneIsAUsageError() {
    assertThat(run("gofer", "--help")).isZero();
    assertThat(stdout()).contains("Usage: burrow gofer").contains("--bundle=DIR").contains("--io-fds=FD")
        .contains("--panic-on-write=BOOL").contains("--serve-unix=PATH");
    assertThat(run("gofer", "--bundle", tmp.toString())).isEqualTo(2);
    assertThat(stderr()).startsWith("burrow: give either --io-fds or --serve-unix");
  }

  @Test
  void versionIsRuncsLayout() {
    assertThat(run("--version")).isZero();
    String[] lines = stdout().split("\n");
    assertThat(lines[0]).startsWith("burrow version ");
    assertThat(lines[1]).startsWith("commit: ");
    assertThat(lines[2]).isEqualTo("spec: 1.2.0");
  }

  @Test
  void unknownCommandIsAUsageError() {
    assertThat(run("frobnicate")).isEqualTo(2);
    assertThat(stderr()).startsWith("burrow: ").contains("frobnicate");
  }

  @Test
  void unknownFlagIsAUsageError() {
    assertThat(run("--no-such-flag", "list")).isEqualTo(2);
    assertThat(stderr()).contains("--no-such-flag");
    assertThat(run("list", "--bogus")).isEqualTo(2);
    assertThat(stderr()).contains("--bogus");
  }

  @Test
  void stateOfAnUnknownContainerFails() {
    assertThat(run("--root", root.toString(), "state", "ghost")).isEqualTo(1);
    assertThat(stderr()).isEqualTo("burrow: container 'ghost' does not exist" + System.lineSeparator());
    assertThat(stdout()).isEmpty();
  }

  @Test
  void stateOfAnInvalidIdFails() {
    assertThat(run("--root", root.toString(), "state", "../etc")).isEqualTo(1);
    assertThat(stderr()).contains("invalid container id");
  }

  @Test
  void listOfAnEmptyRootIsJustTheHeader() throws Exception {
    assertThat(run("--root", root.toString(), "list")).as(stderr()).isZero();
    assertThat(stdout().lines().toList()).singleElement()
        .satisfies(line -> assertThat(line.split("\\s+")).containsExactly("ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"));
    Files.createDirectories(root);
    assertThat(run("--root", root.toString(), "list", "--format", "json")).as(stderr()).isZero();
    assertThat(JSON.readTree(stdout())).isEqualTo(JSON.readTree("[]"));
    assertThat(run("--root", root.toString(), "list", "-q")).isZero();
    assertThat(stdout()).isEmpty();
  }

  @Test
  void listWithAnUnknownFormatFails() {
    assertThat(run("--root", root.toString(), "list", "--format", "yaml")).isEqualTo(1);
    assertThat(stderr()).contains("yaml");
  }

  @Test
  void featuresListsNamespacesAndCapabilities() throws Exception {
    assertThat(run("features")).isZero();
    JsonNode features = JSON.readTree(stdout());
    assertThat(features.get("ociVersionMax").asText()).isEqualTo("1.2.0");
    List<String> namespaces = new ArrayList<>();
    features.get("linux").get("namespaces").forEach(n -> namespaces.add(n.asText()));
    assertThat(namespaces).contains("user", "mount", "pid", "network", "ipc", "uts", "cgroup");
    List<String> caps = new ArrayList<>();
    features.get("linux").get("capabilities").forEach(n -> caps.add(n.asText()));
    assertThat(caps).contains("CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_CHECKPOINT_RESTORE").doesNotHaveDuplicates();
    List<String> options = new ArrayList<>();
    features.get("mountOptions").forEach(n -> options.add(n.asText()));
    assertThat(options).contains("ro", "rbind", "rprivate");
    JsonNode seccomp = features.get("linux").get("seccomp");
    assertThat(seccomp.get("enabled").asBoolean()).isTrue();
    List<String> actions = new ArrayList<>();
    seccomp.get("actions").forEach(n -> actions.add(n.asText()));
    assertThat(actions).contains("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_NOTIFY");
    List<String> archs = new ArrayList<>();
    seccomp.get("archs").forEach(n -> archs.add(n.asText()));
    assertThat(archs).contains("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
    List<String> supported = new ArrayList<>();
    seccomp.get("supportedFlags").forEach(n -> supported.add(n.asText()));
    // Kernel 5.19 and later (this host has 6.x) take all four.
    assertThat(supported).contains("SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
    assertThat(seccomp.get("operators")).hasSize(7);
    // Device rules are enforced on v2 too now (eBPF): no annotation says otherwise.
    assertThat(features.get("annotations").has("dev.burrow.cgroup.v2.devices")).isFalse();
  }

  @Test
  void failingCommandWritesAJsonErrorRecordToTheLog() throws Exception {
    Path log = tmp.resolve("log.json");
    int status = run("--root", root.toString(), "--log", log.toString(), "--log-format", "json", "state", "ghost");
    assertThat(status).isEqualTo(1);
    List<String> lines = Files.readAllLines(log);
    assertThat(lines).hasSize(1);
    JsonNode record = JSON.readTree(lines.get(0));
    assertThat(record.get("level").asText()).isEqualTo("error");
    assertThat(record.get("msg").asText()).isEqualTo("container 'ghost' does not exist");
    assertThat(java.time.OffsetDateTime.parse(record.get("time").asText())).isNotNull();
    assertThat(record.size()).isEqualTo(3);
    // The one-line error still goes to standard error for the caller.
    assertThat(stderr()).contains("does not exist");
  }

  @Test
  void textLogRecordsTheErrorToo() throws Exception {
    Path log = tmp.resolve("log.txt");
    assertThat(run("--root", root.toString(), "--log", log.toString(), "state", "ghost")).isEqualTo(1);
    assertThat(Files.readString(log)).contains("ERROR").contains("container 'ghost' does not exist");
  }

  @Test
  void registersOnlyTheSubcommandACallNames() {
    picocli.CommandLine top = new picocli.CommandLine(new BurrowCommand());
    assertThat(Main.subcommandsFor(top, "--root", "/r", "--log=/l", "--debug", "state", "x"))
        .containsExactly(StateCommand.class);
    assertThat(Main.subcommandsFor(top, "--root", "state", "delete", "x")).containsExactly(DeleteCommand.class);
    assertThat(Main.subcommandsFor(top, "ls", "-q")).containsExactly(ListCommand.class);
    assertThat(Main.subcommandsFor(top, "--file-access", "gofer", "run", "x")).containsExactly(RunCommand.class);
    assertThat(Main.subcommandsFor(top, "--help")).isEqualTo(BurrowCommand.SUBCOMMANDS);
    assertThat(Main.subcommandsFor(top, "--overlay", "true", "run")).isEqualTo(BurrowCommand.SUBCOMMANDS);
    assertThat(Main.subcommandsFor(top, "stat", "x")).isEqualTo(BurrowCommand.SUBCOMMANDS);
  }

  @Test
  void helpStillListsEveryCommandAndATypoIsAUsageError() {
    assertThat(Main.execute("--help")).isZero();
    assertThat(out.toString()).contains("create", "state", "delete", "features", "events");
    assertThat(Main.execute("--root", root.toString(), "stat", "x")).isEqualTo(2);
    assertThat(err.toString()).contains("stat");
  }
}
