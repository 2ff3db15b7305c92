package io.burrow.fs.gofer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.burrow.api.config.Config;
import io.burrow.api.launch.InitPlan;
import io.burrow.api.launch.Opcode;
import io.burrow.api.spec.IdMapping;
import io.burrow.api.spec.Linux;
import io.burrow.api.spec.Mount;
import io.burrow.api.spec.Root;
import io.burrow.api.spec.Spec;
import io.burrow.api.spi.FileAccess;
import io.burrow.api.spi.FileAccessContext;
import io.burrow.api.spi.IoFile;
import io.burrow.api.spi.IoFiles;
import io.burrow.api.spi.LaunchException;
import io.burrow.api.spi.LaunchRequest;
import io.burrow.api.spec.NamespaceType;
import io.burrow.api.spi.NamespaceLauncher;
import io.burrow.api.spi.ProcessId;
import io.burrow.p9.client.NinePClient;
import io.burrow.p9.Message.*;
import io.burrow.p9.P9;
import io.burrow.p9.server.NinePServer;
import io.burrow.fs.gofer.server.ServedMount;
import io.burrow.linux.sys.Errno;
import io.burrow.linux.sys.Sys;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host side of gofer file access against a launcher that records the request and, instead of
 * spawning, serves the inherited fds in-process, so the fd-to-mount layout is checked end to end.
 */
class GoferFileAccessTest {
  @TempDir Path tmp;

  /** Records the launch and serves fd i as mount i, as the real gofer would. */
  static final class ServingLauncher implements NamespaceLauncher, AutoCloseable {
    final NinePServer server = new NinePServer();
    final List<ServedMount> mounts = new ArrayList<>();
    LaunchRequest request;
    final List<Integer> inheritedFdNumbers = new ArrayList<>();
    final List<Path> served;

    ServingLauncher(List<Path> served) {
      this.served = served;
    }

    @Override
    public ProcessId launch(LaunchRequest r) throws LaunchException {
      request = r;
      try {
        for (int i = 0; i < r.inheritedFds().size(); i++) {
          IoFile f = r.inheritedFds().get(i);
          inheritedFdNumbers.add(f.fd());
          assertThat(Sys.fstat(f.fd()).fileType()).isEqualTo(Sys.S_IFSOCK);
          assertThat(Sys.C.fcntl(f.fd(), 1, 0) & 1).as("FD_CLOEXEC on %s", f).isEqualTo(1);
          ServedMount m = ServedMount.open(served.get(i).toString(), false, false);
          mounts.add(m);
          m.serveOn(server, Sys.C.dup(f.fd())); // the caller still owns and closes its copy
        }
      } catch (Errno e) {
        throw new LaunchException("fake launch", e);
      }
      return new ProcessId(4242, 1);
    }

    @Override
    public void createStartGate(Path gate, long uid, long gid) {}

    @Override
    public void release(Path gate, ProcessId init, Duration timeout) {}

    @Override
    public void close() throws Exception {
      server.close();
      mounts.forEach(ServedMount::close);
    }
  }

  private Spec spec(Path rootfs, Path data, Linux linux) {
    Spec s = new Spec();
    s.ociVersion = "1.0.2";
    s.root = new Root();
    s.root.path = rootfs.toString();
    s.mounts = List.of(new Mount("/proc", "proc", "proc", List.of()),
        new Mount("/data", "bind", data.toString(), List.of("rbind", "ro")),
        new Mount("/tmp", "tmpfs", "tmpfs", List.of()));
    // Gofer mode needs the container in a new mount namespace.
    s.linux = linux == null ? new Linux() : linux;
    List<Linux.Namespace> namespaces = new java.util.ArrayList<>(s.linux.namespaces == null ? List.of() : s.linux.namespaces);
    if (namespaces.stream().noneMatch(n -> "mount".equals(n.type))) {
      namespaces.add(new Linux.Namespace("mount", null));
    }
    s.linux.namespaces = namespaces;
    return s;
  }

  @Test
  void registeredAsGofer() {
    assertThat(ServiceLoader.load(io.burrow.plugin.BurrowPlugin.class).stream().map(ServiceLoader.Provider::get))
        .anySatisfy(p -> assertThat(p).isInstanceOf(GoferPlugin.class).extracting(io.burrow.plugin.BurrowPlugin::name)
            .isEqualTo(GoferFileAccess.NAME));
  }

  @Test
  void spawnsTheGoferWithOneSocketPerServedMountInMountOrder() throws Exception {
    Path rootfs = Files.createDirectories(tmp.resolve("rootfs"));
    Path data = Files.createDirectories(tmp.resolve("data"));
    Files.writeString(rootfs.resolve("which"), "rootfs");
    Files.writeString(data.resolve("which"), "data");
    Linux linux = new Linux();
    linux.namespaces = List.of(new Linux.Namespace("user", null), new Linux.Namespace("mount", null));
    linux.uidMappings = List.of(new IdMapping(0, 100000, 65536));
    linux.gidMappings = List.of(new IdMapping(0, 200000, 65536));
    Spec spec = spec(rootfs, data, linux);
    Config config = Config.defaults().withFileAccess("gofer");
    Config overlay = new Config(config.root(), "gofer", true, true, false, "", Config.LogFormat.TEXT);
    try (ServingLauncher launcher = new ServingLauncher(List.of(rootfs, data))) {
      FileAccessContext ctx = new FileAccessContext("c1", spec, tmp, rootfs, tmp, overlay,
          List.of("/usr/bin/burrow"), launcher);
      try (IoFiles files = new GoferFileAccess().createIoFiles(ctx)) {
        // the gofer ends were closed once the gofer was launched (the fake launcher holds dups)
        for (int fd : launcher.inheritedFdNumbers) {
          assertThat(Sys.C.fcntl(fd, 1, 0)).as("gofer end fd %d is closed", fd).isNegative();
        }
        assertThat(files.serverPid()).hasValue(4242);
        assertThat(files.files()).hasSize(2);
        LaunchRequest r = launcher.request;
        List<String> argv = new ArrayList<>(List.of("/usr/bin/burrow"));
        argv.addAll(overlay.toFlags());
        // what it serves comes from the spec the runtime checked: the gofer reads none
        argv.addAll(List.of("gofer", "--bundle", tmp.toString(), "--panic-on-write=true", "--served=rw:" + rootfs,
            "--served=ro:" + data, "--make-devices=false", "--io-fds=3", "--io-fds=4"));
        assertThat(r.plan().ops()).containsExactly(
            new InitPlan.Op(Opcode.UNSHARE, List.of("268435456")),
            new InitPlan.Op(Opcode.MAP_IDS, List.of()),
            new InitPlan.Op(Opcode.RESOLVE_EXEC, List.of("/usr/bin/burrow")),
            // A user namespace: CAP_MKNOD is not kept, whatever the bounding set says.
            new InitPlan.Op(Opcode.CAPS_BOUNDING, List.of(Long.toString(0x1fL | 1L << 18))),
            new InitPlan.Op(Opcode.NO_NEW_PRIVS, List.of()),
            new InitPlan.Op(Opcode.READY, List.of()),
            new InitPlan.Op(Opcode.EXEC, argv));
        assertThat(r.uidMappings()).isEqualTo(linux.uidMappings);
        assertThat(r.gidMappings()).isEqualTo(linux.gidMappings);
        // the sandbox end i reaches mount i: the root first, then the bind mount
        List<String> seen = new ArrayList<>();
        for (IoFile f : files.files()) {
          try (NinePClient c = NinePClient.connect(new io.burrow.fs.gofer.FdTransport(Sys.C.dup(f.fd())), 8192)) {
            c.call(new Tattach(0, P9.NOFID, "", "", 0), Rattach.class);
            c.call(new Twalk(0, 1, List.of("which")), Rwalk.class);
            c.call(new Tlopen(1, 0), Rlopen.class);
            ByteBuffer d = c.call(new Tread(1, 0, 100), Rread.class).data();
            seen.add(StandardCharsets.UTF_8.decode(d).toString());
          }
        }
        assertThat(seen).containsExactly("rootfs", "data");
      }
    }
  }

  @Test
  void joinsAUserNamespaceByPathAndUsesNoNamespaceOpsWithoutOne() throws Exception {
    Path rootfs = Files.createDirectories(tmp.resolve("r"));
    Linux join = new Linux();
    join.namespaces = List.of(new Linux.Namespace("user", "/proc/1/ns/user"));
    List<String> argv = List.of("burrow", "gofer");
    assertThat(GoferFileAccess.plan(spec(rootfs, rootfs, join), argv).ops().get(0))
        .isEqualTo(new InitPlan.Op(Opcode.SETNS, List.of("/proc/1/ns/user", Integer.toString(NamespaceType.USER.cloneFlag()))));
    Linux none = new Linux();
    none.namespaces = List.of(new Linux.Namespace("mount", null));
    assertThat(GoferFileAccess.plan(spec(rootfs, rootfs, none), argv).ops()).extracting(InitPlan.Op::opcode)
        .containsExactly(Opcode.RESOLVE_EXEC, Opcode.CAPS_BOUNDING, Opcode.NO_NEW_PRIVS, Opcode.READY, Opcode.EXEC);
    assertThat(GoferFileAccess.plan(spec(rootfs, rootfs, null), argv).ops()).hasSize(5);
  }

  @Test
  void aFailedLaunchClosesEveryEnd() throws Exception {
    Path rootfs = Files.createDirectories(tmp.resolve("r"));
    List<Integer> handed = new ArrayList<>();
    NamespaceLauncher failing = new NamespaceLauncher() {
      @Override
      public ProcessId launch(LaunchRequest r) throws LaunchException {
        r.inheritedFds().forEach(f -> handed.add(f.fd()));
        throw new LaunchException("RESOLVE_EXEC: burrow not found");
      }

      @Override
      public void createStartGate(Path gate, long uid, long gid) {}

      @Override
      public void release(Path gate, ProcessId init, Duration timeout) {}
    };
    FileAccessContext ctx = new FileAccessContext("c2", spec(rootfs, rootfs, null), tmp, rootfs, tmp,
        Config.defaults(), List.of("burrow"), failing);
    assertThatThrownBy(() -> new GoferFileAccess().createIoFiles(ctx)).hasMessageContaining("c2")
        .hasMessageContaining("burrow not found");
    assertThat(handed).hasSize(2);
    for (int fd : handed) {
      assertThat(Sys.C.fcntl(fd, 1, 0)).as("fd %d is closed", fd).isNegative();
    }
  }

  @Test
  void goferMainMapsServedMountsFromTheSpec() throws Exception {
    Path rootfs = Files.createDirectories(tmp.resolve("rootfs"));
    Spec s = spec(rootfs, tmp.resolve("data"), null);
    List<GoferMain.Served> served = GoferMain.servedMounts(s, tmp, false);
    assertThat(served).containsExactly(new GoferMain.Served(rootfs.toString(), false),
        new GoferMain.Served(tmp.resolve("data").toString(), true));
    assertThat(GoferMain.servedMounts(s, tmp, true)).allMatch(GoferMain.Served::readOnly);
    assertThatThrownBy(() -> GoferMain.Args.parse(List.of("--io-fds=3"))).hasMessageContaining("--bundle");
    assertThatThrownBy(() -> GoferMain.Args.parse(List.of("--bundle", "b", "--io-fds=x")))
        .hasMessageContaining("fd number");
    assertThat(GoferMain.Args.parse(List.of("--bundle", "b", "--io-fds=3", "--io-fds=4", "--panic-on-write=true")))
        .isEqualTo(new GoferMain.Args(Path.of("b"), List.of(3, 4), true, null));
    assertThat(GoferMain.run(Config.defaults(), List.of("--bundle", tmp.toString(), "--io-fds=3"))).isEqualTo(2);

    // The runtime passes what it serves, so that the gofer reads no spec.
    List<String> flags = GoferMain.Args.servedFlags(served, true);
    List<String> argv = new java.util.ArrayList<>(flags);
    argv.add("--io-fds=3");
    argv.add("--io-fds=4");
    GoferMain.Args parsed = GoferMain.Args.parse(argv);
    assertThat(parsed.bundle()).isNull();
    assertThat(parsed.served()).isEqualTo(served);
    assertThat(parsed.makeDevices()).isTrue();
    assertThatThrownBy(() -> GoferMain.Args.parse(List.of("--served=ro:relative", "--io-fds=3")))
        .hasMessageContaining("absolute");
  }
}
