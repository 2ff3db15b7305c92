package io.burrow.core;

import io.burrow.api.spi.FileAccess;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The file-access plugins on the class path, found with {@link ServiceLoader} and looked up by
 * name. A third-party jar joins by listing its class in
 * {@code META-INF/services/io.burrow.api.spi.FileAccess}. Immutable after construction.
 */
public final class FileAccessRegistry {
  private final Map<String, FileAccess> byName = new TreeMap<>();

  public FileAccessRegistry(Iterable<FileAccess> plugins) {
    for (FileAccess plugin : plugins) {
      FileAccess previous = byName.putIfAbsent(plugin.name(), plugin);
      if (previous != null && previous.getClass() != plugin.getClass()) {
        throw new IllegalStateException("two file-access plugins are named '" + plugin.name() + "': "
            + previous.getClass().getName() + " and " + plugin.getClass().getName());
      }
    }
  }

  public static FileAccessRegistry fromServiceLoader() {
    return new FileAccessRegistry(ServiceLoader.load(FileAccess.class));
  }

  /** The plugin called {@code name}; an unknown name is an error listing the known ones. */
  public FileAccess select(String name) throws ContainerException {
    FileAccess plugin = byName.get(name);
    if (plugin == null) {
      throw new ContainerException("unknown file access '" + name + "'; known: " + String.join(", ", byName.keySet()));
    }
    return plugin;
  }

  public java.util.Set<String> names() {
    return byName.keySet();
  }
}
