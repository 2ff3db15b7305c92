package io.burrow.plugin;

import com.google.inject.AbstractModule;
import com.google.inject.Module;
import com.google.inject.Singleton;
import io.burrow.api.spi.FileAccess;
import java.util.Objects;

/**
 * A {@link BurrowPlugin.Kind#FILE_ACCESS} plugin that binds one {@link FileAccess} class, built by
 * Guice (so it may {@code @Inject} runtime services), as a singleton under
 * {@link BurrowPlugin#fileAccessKey(String)}. A subclass only names itself and its class:
 * <pre>{@code
 * public final class SnapshotPlugin extends FileAccessPlugin {
 *   public SnapshotPlugin() { super("snapshot", SnapshotFileAccess.class); }
 * }
 * }</pre>
 * Immutable.
 */
public abstract class FileAccessPlugin implements BurrowPlugin {
  private final String name;
  private final Class<? extends FileAccess> type;

  protected FileAccessPlugin(String name, Class<? extends FileAccess> type) {
    this.name = Objects.requireNonNull(name, "name");
    this.type = Objects.requireNonNull(type, "type");
  }

  @Override
  public final Kind kind() {
    return Kind.FILE_ACCESS;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public Module module() {
    return new AbstractModule() {
      @Override
      protected void configure() {
        bind(BurrowPlugin.fileAccessKey(name)).to(type).in(Singleton.class);
      }
    };
  }
}
