package io.burrow.core;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.name.Names;
import io.burrow.api.config.Config;
import java.util.List;

/**
 * The Guice wiring of runtime-core: the configuration, the container store and the file-access
 * plugin registry. The namespace launcher, process control and hook runner come from a platform
 * module (namespace-linux's {@code LinuxNamespaceModule}).
 */
public final class CoreModule extends AbstractModule {
  /** Binding name of the argv prefix that re-runs burrow (a {@code List<String>}). */
  public static final String BURROW_COMMAND = "burrow.command";

  private final Config config;
  private final List<String> burrowCommand;

  public CoreModule(Config config, List<String> burrowCommand) {
    this.config = config;
    this.burrowCommand = List.copyOf(burrowCommand);
  }

  @Override
  protected void configure() {
    bind(Config.class).toInstance(config);
    bind(new com.google.inject.TypeLiteral<List<String>>() {}).annotatedWith(Names.named(BURROW_COMMAND))
        .toInstance(burrowCommand);
  }

  @Provides
  @Singleton
  FileAccessRegistry fileAccessRegistry() {
    return FileAccessRegistry.fromServiceLoader();
  }
}
