package io.burrow.fs.gofer;

import static org.assertj.core.api.Assertions.assertThat;

import io.burrow.api.config.Config;
import io.burrow.api.spec.IdMapping;
import io.burrow.api.spec.Linux;
import io.burrow.api.spec.Mount;
import io.burrow.api.spec.Root;
import io.burrow.api.spec.Spec;
import io.burrow.api.spi.FileAccessContext;
import io.burrow.api.spi.IoFile;
import io.burrow.api.spi.IoFiles;
import io.burrow.api.spi.ProcessId;
import io.burrow.api.spi.Signals;
import io.burrow.p9.client.NinePClient;
import io.burrow.p9.Message.Rattach;
import io.burrow.p9.Message.Rlopen;
import io.burrow.p9.Message.Rread;
import io.burrow.p9.Message.Rwalk;
import io.burrow.p9.Message.Tattach;
import io.burrow.p9.Message.Tlopen;
import io.burrow.p9.Message.Tread;
import io.burrow.p9.Message.Twalk;
import io.burrow.p9.P9;
import io.burrow.linux.sys.Sys;
import io.burrow.linux.ExecHelper;
import io.burrow.linux.ExecHelperLauncher;
import io.burrow.linux.ProcIdMapper;
import io.burrow.linux.ProcfsProcessControl;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GoferFileAccess with the real launcher and the real exec helper: a gofer process is spawned
 * in the spec's user namespace with one io-fd per served mount, and each sandbox end answers 9P
 * for its own mount. Needs root.
 */
class GoferSpawnTest {
  private final ProcfsProcessControl processes = new ProcfsProcessControl();
  private final ExecHelperLauncher launcher =
      new ExecHelperLauncher(ExecHelper.fromSystemProperty(), new ProcIdMapper(), processes);

  @TempDir Path tmp;

  @Test
  void spawnedGoferServesEachMountOnItsOwnSocket() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path rootfs = Files.createDirectories(tmp.resolve("rootfs"));
    Path data = Files.createDirectories(tmp.resolve("data"));
    Files.writeString(rootfs.resolve("which"), "rootfs");
    Files.writeString(data.resolve("which"), "data");
    Path bundle = Files.createDirectories(tmp.resolve("bundle"));
    Spec spec = new Spec();
    spec.ociVersion = "1.2.0";
    spec.root = new Root();
    spec.root.path = rootfs.toString();
    spec.mounts = List.of(new Mount("/data", "bind", data.toString(), List.of("rbind")));
    spec.linux = new Linux();
    spec.linux.namespaces = List.of(new Linux.Namespace("user", null), new Linux.Namespace("mount", null));
    // Root maps to root: the gofer JVM must still read its class path under /root/.m2.
    spec.linux.uidMappings = List.of(new IdMapping(0, 0, 1), new IdMapping(1, 100000, 65536));
    spec.linux.gidMappings = List.of(new IdMapping(0, 0, 1), new IdMapping(1, 100000, 65536));
    Files.write(bundle.resolve("config.json"), io.burrow.api.spec.SpecIo.toBytes(spec));
    List<String> burrow = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), GoferMain.class.getName());
    FileAccessContext ctx = new FileAccessContext("spawn1", spec, bundle, rootfs, tmp,
        Config.defaults().withFileAccess("gofer"), burrow, launcher);

    try (IoFiles files = new GoferFileAccess().createIoFiles(ctx)) {
      ProcessId gofer = processes.identify(files.serverPid().orElseThrow()).orElseThrow();
      try {
        // The gofer runs in a user namespace of its own, with the spec's mappings.
        Path proc = Path.of("/proc", Integer.toString(gofer.pid()));
        assertThat(Files.readSymbolicLink(proc.resolve("ns/user")))
            .isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/user")));
        assertThat(Files.readString(proc.resolve("uid_map"))).containsPattern("1\\s+100000\\s+65536");
        List<String> seen = new ArrayList<>();
        for (IoFile f : files.files()) {
          try (NinePClient c = NinePClient.connect(new io.burrow.fs.gofer.FdTransport(Sys.C.dup(f.fd())), 8192)) {
            c.call(new Tattach(0, P9.NOFID, "", "", 0), Rattach.class);
            c.call(new Twalk(0, 1, List.of("which")), Rwalk.class);
            c.call(new Tlopen(1, 0), Rlopen.class);
            seen.add(StandardCharsets.UTF_8.decode(c.call(new Tread(1, 0, 100), Rread.class).data()).toString());
          }
        }
        assertThat(seen).containsExactly("rootfs", "data");
      } finally {
        processes.signal(gofer, Signals.SIGKILL);
        processes.waitForExit(gofer);
      }
    }
  }
}
