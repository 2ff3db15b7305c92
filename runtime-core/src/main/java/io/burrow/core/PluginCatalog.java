package io.burrow.core;

import com.google.inject.Module;
import io.burrow.api.config.Config;
import io.burrow.api.spi.ProcessControl;
import io.burrow.plugin.BurrowPlugin;
import io.burrow.plugin.BurrowPlugin.Kind;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

/**
 * The plugins a runtime can use, by kind and name, each with the jar (or directory) it came from.
 * Built once at start-up; two different plugins of one kind and name are an error naming both
 * sources, while one plugin class found twice counts once. {@link #modules(Config)} selects what
 * a configuration uses. Immutable.
 */
public final class PluginCatalog {
  private record Entry(BurrowPlugin plugin, String source) {}

  private final Map<Kind, Map<String, Entry>> byKind = new EnumMap<>(Kind.class);

  private PluginCatalog(List<Entry> entries) {
    for (Kind kind : Kind.values()) {
      byKind.put(kind, new TreeMap<>());
    }
    for (Entry entry : entries) {
      BurrowPlugin plugin = entry.plugin();
      if (plugin.name() == null || plugin.name().isBlank()) {
        throw new IllegalStateException("the " + plugin.kind().label() + " plugin " + plugin.getClass().getName()
            + " in " + entry.source() + " has no name");
      }
      Entry previous = byKind.get(plugin.kind()).putIfAbsent(plugin.name(), entry);
      if (previous != null && previous.plugin().getClass() != plugin.getClass()) {
        throw new IllegalStateException("two " + plugin.kind().label() + " plugins are named '" + plugin.name() + "': "
            + describe(previous) + " and " + describe(entry) + "; remove one of them from the plugin path");
      }
    }
  }

  /** The plugins {@link ServiceLoader} finds through {@code loader}. */
  public static PluginCatalog fromServiceLoader(ClassLoader loader) {
    List<Entry> entries = new ArrayList<>();
    try {
      for (ServiceLoader.Provider<BurrowPlugin> provider
          : ServiceLoader.load(BurrowPlugin.class, loader).stream().toList()) {
        entries.add(new Entry(provider.get(), sourceOf(provider.type())));
      }
    } catch (ServiceConfigurationError e) {
      throw new IllegalStateException("cannot load the burrow plugins on the class path: " + e.getMessage(), e);
    }
    return new PluginCatalog(entries);
  }

  /** A catalog of exactly these plugins (an embedding application's own, or a test's). */
  public static PluginCatalog of(Collection<? extends BurrowPlugin> plugins) {
    return new PluginCatalog(plugins.stream().map(p -> new Entry(p, sourceOf(p.getClass()))).toList());
  }

  /** The names of the plugins of one kind, sorted. */
  public Set<String> names(Kind kind) {
    return byKind.get(kind).keySet();
  }

  /**
   * The modules a runtime with {@code config} installs: every file-access plugin (a container keeps
   * the one it was created with) and the selected namespaces and id-mapping plugins. An unknown
   * selection is an error listing the known names.
   */
  public List<Module> modules(Config config) {
    List<Module> modules = new ArrayList<>();
    for (Entry entry : byKind.get(Kind.FILE_ACCESS).values()) {
      modules.add(entry.plugin().module());
    }
    modules.add(select(Kind.NAMESPACES, config.namespaces()).module());
    modules.add(select(Kind.ID_MAPPING, config.idMapping()).module());
    return modules;
  }

  /** The selected namespaces plugin's injector-free process control ({@link BurrowPlugin#processControl()}). */
  public Optional<ProcessControl> processControl(Config config) {
    return select(Kind.NAMESPACES, config.namespaces()).processControl();
  }

  private BurrowPlugin select(Kind kind, String name) {
    Entry entry = byKind.get(kind).get(name);
    if (entry == null) {
      throw new IllegalArgumentException("unknown " + kind.label() + " plugin '" + name + "'; known: "
          + (names(kind).isEmpty() ? "none (is the plugin path complete?)" : String.join(", ", names(kind))));
    }
    return entry.plugin();
  }

  private static String describe(Entry entry) {
    return entry.plugin().getClass().getName() + " (" + entry.source() + ")";
  }

  private static String sourceOf(Class<?> type) {
    CodeSource source = type.getProtectionDomain().getCodeSource();
    return source == null || source.getLocation() == null ? "the class path" : source.getLocation().getPath();
  }
}
