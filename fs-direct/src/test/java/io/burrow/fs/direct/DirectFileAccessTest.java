package io.burrow.fs.direct;

import static org.assertj.core.api.Assertions.assertThat;

import io.burrow.api.config.Config;
import io.burrow.api.spec.Mount;
import io.burrow.api.spec.Spec;
import io.burrow.api.spi.FileAccessContext;
import io.burrow.api.spi.IoFiles;
import io.burrow.api.spi.MountSources;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * Proves the direct plugin: it is registered for ServiceLoader as "direct", starts nothing and
 * returns no io files, and maps every served bind mount, keyed by the very {@link Mount} object,
 * to its host path (relative sources from the bundle, absolute ones as given, normalized) with the
 * rootfs as the root. Kernel filesystems are not in the map.
 */
class DirectFileAccessTest {
  private static final Path BUNDLE = Path.of("/bundles/b1");

  private static FileAccessContext context(Spec spec) {
    return new FileAccessContext("c1", spec, BUNDLE, BUNDLE.resolve("rootfs"), BUNDLE.resolve("state"), Config.defaults(), List.of(), null);
  }

  @Test
  void isFoundByServiceLoaderAsTheDirectPlugin() {
    List<io.burrow.plugin.BurrowPlugin> plugins = new ArrayList<>();
    ServiceLoader.load(io.burrow.plugin.BurrowPlugin.class).forEach(plugins::add);
    assertThat(plugins).anySatisfy(p -> {
      assertThat(p).isInstanceOf(DirectPlugin.class);
      assertThat(p.name()).isEqualTo(DirectFileAccess.NAME);
      assertThat(p.kind()).isEqualTo(io.burrow.plugin.BurrowPlugin.Kind.FILE_ACCESS);
    });
    assertThat(new DirectFileAccess().name()).isEqualTo(DirectFileAccess.NAME);
  }

  @Test
  void createsNoIoFilesAndNoServer() {
    IoFiles files = new DirectFileAccess().createIoFiles(context(new Spec()));
    assertThat(files.files()).isEmpty();
    assertThat(files.serverPid()).isEmpty();
  }

  @Test
  void mapsBindSourcesByMountIdentity() {
    Mount relative = new Mount("/data", "bind", "data/../data/./x", List.of("rbind"));
    Mount absolute = new Mount("/etc/hosts", "none", "/var/lib/hosts", List.of("bind", "ro"));
    Mount twin = new Mount("/etc/hosts2", "none", "/var/lib/hosts", List.of("bind", "ro"));
    Mount proc = new Mount("/proc", "proc", "proc", null);
    Spec spec = new Spec();
    spec.mounts = List.of(proc, relative, absolute, twin);

    MountSources sources = new DirectFileAccess().mountSources(context(spec), IoFiles.none());

    assertThat(sources.root()).isEqualTo("/bundles/b1/rootfs");
    assertThat(sources.binds()).hasSize(3);
    assertThat(sources.binds().get(relative)).isEqualTo("/bundles/b1/data/x");
    assertThat(sources.binds().get(absolute)).isEqualTo("/var/lib/hosts");
    assertThat(sources.binds().get(twin)).isEqualTo("/var/lib/hosts");
    assertThat(sources.binds()).doesNotContainKey(proc);
    // Keyed by identity: an equal-looking but different Mount object is not found.
    assertThat(sources.binds().get(new Mount("/data", "bind", "data/../data/./x", List.of("rbind")))).isNull();
  }

  @Test
  void noMountsMeansOnlyTheRoot() {
    MountSources sources = new DirectFileAccess().mountSources(context(new Spec()), IoFiles.none());
    assertThat(sources.root()).isEqualTo("/bundles/b1/rootfs");
    assertThat(sources.binds()).isEmpty();
  }
}
