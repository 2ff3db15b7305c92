package io.burrow.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.burrow.api.spi.FileAccess;
import io.burrow.api.spi.FileAccessContext;
import io.burrow.api.spi.IoFiles;
import io.burrow.api.spi.MountSources;
import io.burrow.core.testplugin.ThirdPartyFileAccess;
import io.burrow.fs.direct.DirectFileAccess;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Proves plugin selection: {@link FileAccessRegistry#fromServiceLoader()} finds burrow's own
 * {@code direct} plugin and a third-party plugin registered only by a {@code META-INF/services}
 * file; an unknown name is an error listing the known names; two different plugins claiming one
 * name are refused.
 */
class FileAccessRegistryTest {
  /** Same name as the direct plugin, different class. */
  static final class Impostor implements FileAccess {
    @Override
    public String name() {
      return "direct";
    }

    @Override
    public IoFiles createIoFiles(FileAccessContext context) {
      return IoFiles.none();
    }

    @Override
    public MountSources mountSources(FileAccessContext context, IoFiles ioFiles) {
      return null;
    }
  }

  @Test
  void serviceLoaderFindsDirectAndAThirdPartyPlugin() throws Exception {
    FileAccessRegistry registry = FileAccessRegistry.fromServiceLoader();
    assertThat(registry.names()).contains("direct", ThirdPartyFileAccess.NAME);
    assertThat(registry.select("direct")).isInstanceOf(DirectFileAccess.class);
    assertThat(registry.select(ThirdPartyFileAccess.NAME)).isInstanceOf(ThirdPartyFileAccess.class);
  }

  @Test
  void unknownNameListsTheKnownOnes() {
    FileAccessRegistry registry = new FileAccessRegistry(List.of(new DirectFileAccess(), new ThirdPartyFileAccess()));
    assertThatThrownBy(() -> registry.select("gopher"))
        .isInstanceOf(ContainerException.class)
        .hasMessage("unknown file access 'gopher'; known: direct, third-party");
  }

  @Test
  void twoPluginsWithOneNameAreRefused() {
    assertThatThrownBy(() -> new FileAccessRegistry(List.of(new DirectFileAccess(), new Impostor())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'direct'")
        .hasMessageContaining(DirectFileAccess.class.getName())
        .hasMessageContaining(Impostor.class.getName());
  }

  @Test
  void theSamePluginTwiceOnTheClassPathIsHarmless() throws Exception {
    FileAccessRegistry registry = new FileAccessRegistry(List.of(new DirectFileAccess(), new DirectFileAccess()));
    assertThat(registry.names()).containsExactly("direct");
  }
}
