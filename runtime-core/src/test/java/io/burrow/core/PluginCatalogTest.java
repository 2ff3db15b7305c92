package io.burrow.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import com.google.inject.Module;
import io.burrow.api.config.Config;
import io.burrow.api.config.Installation;
import io.burrow.api.spi.FileAccess;
import io.burrow.api.spi.FileAccessContext;
import io.burrow.api.spi.IoFiles;
import io.burrow.api.spi.MountSources;
import io.burrow.core.testplugin.ThirdPartyFileAccess;
import io.burrow.core.testplugin.ThirdPartyPlugin;
import io.burrow.plugin.BurrowPlugin;
import io.burrow.plugin.FileAccessPlugin;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Proves plugin discovery and selection: {@link java.util.ServiceLoader} finds a third-party plugin
 * registered only by a {@code META-INF/services} file, its module is installed and its
 * {@code FileAccess} selected by name; two plugins of one kind and name are refused naming both
 * classes and where they came from; unknown names list the known ones.
 */
class PluginCatalogTest {
  /** Claims the third-party plugin's name with another class. */
  public static final class Impostor extends FileAccessPlugin {
    public Impostor() {
      super(ThirdPartyFileAccess.NAME, ImpostorAccess.class);
    }
  }

  /** What {@link Impostor} would bind. */
  public static final class ImpostorAccess implements FileAccess {
    @Override
    public String name() {
      return "someone-else";
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

  /** A namespaces or id-mapping plugin that binds nothing: enough to select it. */
  record Named(Kind kind, String name) implements BurrowPlugin {
    @Override
    public Module module() {
      return new AbstractModule() {};
    }
  }

  private static final List<BurrowPlugin> PLATFORM = List.of(
      new Named(BurrowPlugin.Kind.NAMESPACES, "linux"), new Named(BurrowPlugin.Kind.ID_MAPPING, "procfs"));

  @Test
  void serviceLoaderFindsAThirdPartyPlugin() {
    PluginCatalog catalog = PluginCatalog.fromServiceLoader(getClass().getClassLoader());
    assertThat(catalog.names(BurrowPlugin.Kind.FILE_ACCESS)).contains(ThirdPartyFileAccess.NAME);
  }

  @Test
  void theSelectedFileAccessIsBuiltByTheInjector() throws Exception {
    List<BurrowPlugin> plugins = new java.util.ArrayList<>(PLATFORM);
    plugins.add(new ThirdPartyPlugin());
    PluginCatalog catalog = PluginCatalog.of(plugins);
    Config config = Config.defaults().withFileAccess(ThirdPartyFileAccess.NAME);
    com.google.inject.Injector injector = com.google.inject.Guice.createInjector(new CoreModule(config,
        new Installation(List.of(), Optional.empty()), catalog, catalog.modules(config)));
    FileAccessRegistry registry = injector.getInstance(FileAccessRegistry.class);
    assertThat(registry.select(ThirdPartyFileAccess.NAME)).isInstanceOf(ThirdPartyFileAccess.class)
        .isSameAs(registry.select(ThirdPartyFileAccess.NAME));
    assertThatThrownBy(() -> registry.select("gopher"))
        .isInstanceOf(ContainerException.class)
        .hasMessage("unknown file access 'gopher'; known: third-party");
  }

  @Test
  void aPluginWhoseFileAccessCallsItselfOtherwiseIsRefusedAtSelection() throws Exception {
    List<BurrowPlugin> plugins = new java.util.ArrayList<>(PLATFORM);
    plugins.add(new Impostor());
    PluginCatalog catalog = PluginCatalog.of(plugins);
    Config config = Config.defaults();
    FileAccessRegistry registry = com.google.inject.Guice.createInjector(new CoreModule(config,
        new Installation(List.of(), Optional.empty()), catalog, catalog.modules(config))).getInstance(FileAccessRegistry.class);
    assertThatThrownBy(() -> registry.select(ThirdPartyFileAccess.NAME))
        .isInstanceOf(ContainerException.class)
        .hasMessageContaining("calls itself 'someone-else'");
  }

  @Test
  void twoPluginsWithOneNameAreRefusedNamingBothAndWhereTheyCameFrom() {
    String classes = Path.of(ThirdPartyPlugin.class.getProtectionDomain().getCodeSource().getLocation().getPath()).toString();
    assertThatThrownBy(() -> PluginCatalog.of(List.of(new ThirdPartyPlugin(), new Impostor())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("two file access plugins are named 'third-party'")
        .hasMessageContaining(ThirdPartyPlugin.class.getName())
        .hasMessageContaining(Impostor.class.getName())
        .hasMessageContaining(classes);
  }

  @Test
  void theSamePluginTwiceIsHarmless() {
    PluginCatalog catalog = PluginCatalog.of(List.of(new ThirdPartyPlugin(), new ThirdPartyPlugin()));
    assertThat(catalog.names(BurrowPlugin.Kind.FILE_ACCESS)).containsExactly(ThirdPartyFileAccess.NAME);
  }

  @Test
  void anUnknownNamespacesOrIdMappingPluginListsTheKnownOnes() {
    PluginCatalog catalog = PluginCatalog.of(PLATFORM);
    assertThatThrownBy(() -> catalog.modules(Config.fromFlags(List.of("--namespaces=bsd"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown namespaces plugin 'bsd'; known: linux");
    assertThatThrownBy(() -> PluginCatalog.of(List.of()).modules(Config.defaults()))
        .hasMessageContaining("unknown namespaces plugin 'linux'; known: none");
  }
}
