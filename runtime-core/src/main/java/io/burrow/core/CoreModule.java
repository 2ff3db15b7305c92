package io.burrow.core;

import com.google.inject.AbstractModule;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.burrow.api.config.Config;
import io.burrow.api.config.Installation;
import io.burrow.plugin.BurrowPlugin;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The Guice wiring of runtime-core: the configuration, the installation, and the modules of the
 * plugins the configuration selects from its {@link PluginCatalog} (the file-access strategies and
 * the namespaces and id-mapping providers). {@link BurrowRuntime} is the one place that builds it.
 */
final class CoreModule extends AbstractModule {
  private final Config config;
  private final Installation installation;
  private final PluginCatalog plugins;
  private final List<Module> selected;

  /** {@code selected} is {@code plugins.modules(config)}, computed first so that its errors are not Guice's. */
  CoreModule(Config config, Installation installation, PluginCatalog plugins, List<Module> selected) {
    this.config = config;
    this.installation = installation;
    this.plugins = plugins;
    this.selected = List.copyOf(selected);
  }

  @Override
  protected void configure() {
    bind(Config.class).toInstance(config);
    bind(Installation.class).toInstance(installation);
    bind(PluginCatalog.class).toInstance(plugins);
    for (Module module : selected) {
      install(module);
    }
  }

  @Provides
  @Singleton
  FileAccessRegistry fileAccessRegistry(Injector injector) {
    Map<String, Supplier<io.burrow.api.spi.FileAccess>> byName = new LinkedHashMap<>();
    for (String name : plugins.names(BurrowPlugin.Kind.FILE_ACCESS)) {
      com.google.inject.Provider<io.burrow.api.spi.FileAccess> provider = injector.getProvider(BurrowPlugin.fileAccessKey(name));
      byName.put(name, provider::get);
    }
    return new FileAccessRegistry(byName);
  }
}
