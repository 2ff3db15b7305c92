package io.burrow.core;

import io.burrow.api.spi.FileAccess;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The file-access strategies of a runtime by name: every {@code FILE_ACCESS} plugin of its
 * {@link PluginCatalog}, each built by the injector on first use. Thread-safe: the map is fixed at
 * construction and the suppliers are the injector's singleton providers.
 */
public final class FileAccessRegistry {
  private final Map<String, Supplier<FileAccess>> byName;

  public FileAccessRegistry(Map<String, ? extends Supplier<FileAccess>> plugins) {
    this.byName = new TreeMap<>(plugins);
  }

  /** The plugin called {@code name}; an unknown name is an error listing the known ones. */
  public FileAccess select(String name) throws ContainerException {
    Supplier<FileAccess> plugin = byName.get(name);
    if (plugin == null) {
      throw new ContainerException("unknown file access '" + name + "'; known: " + String.join(", ", byName.keySet()));
    }
    FileAccess access = plugin.get();
    if (!name.equals(access.name())) {
      // The container's state records access.name(): a mismatch would select another plugin later.
      throw new ContainerException("the file-access plugin '" + name + "' binds " + access.getClass().getName()
          + ", which calls itself '" + access.name() + "'");
    }
    return access;
  }
}
