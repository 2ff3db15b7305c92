package io.burrow.core;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import io.burrow.api.config.Config;
import io.burrow.api.config.Installation;
import io.burrow.api.spi.ProcessControl;
import io.burrow.api.spec.Spec;
import io.burrow.api.spec.SpecIo;
import io.burrow.api.state.ContainerState;
import io.burrow.core.store.ContainerStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * burrow as a library: a runtime built from a {@link Config}, with the plugins found on the class
 * path (or given), that creates containers from a bundle or an in-memory {@link Spec} and finds
 * existing ones. The CLI is one client of it; an application embeds burrow the same way:
 * <pre>{@code
 * BurrowRuntime runtime = BurrowRuntime.builder(Config.defaults().withFileAccess("direct")).build();
 * try (ContainerHandle c = runtime.create("hello", spec)) {
 *   c.start();
 *   int status = c.waitForExit();
 * }
 * }</pre>
 * A runtime owns no resources of its own (the containers are in its root directory, each under
 * its own lock) and is thread-safe: several runtimes, and CLI calls, may share one root.
 */
public final class BurrowRuntime {
  private final Injector injector;
  private final Containers containers;

  private BurrowRuntime(Injector injector, boolean systemdCgroup) {
    this.injector = injector;
    this.containers = injector.getInstance(Containers.class).withSystemdCgroup(systemdCgroup);
  }

  /** A builder for a runtime with {@code config}. */
  public static Builder builder(Config config) {
    return new Builder(config);
  }

  /** Builds a {@link BurrowRuntime}: where burrow is installed and which plugins it may use. Not thread-safe. */
  public static final class Builder {
    private final Config config;
    private Installation installation;
    private PluginCatalog plugins;
    private boolean systemdCgroup;

    private Builder(Config config) {
      this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * Where the {@code burrow} launcher and {@code burrow-init} are ({@link Installation#in}); by
     * default the ones the launcher script names in system properties.
     */
    public Builder installation(Installation value) {
      this.installation = Objects.requireNonNull(value, "installation");
      return this;
    }

    /** Exactly these plugins; by default those {@link java.util.ServiceLoader} finds on the class path. */
    public Builder plugins(PluginCatalog value) {
      this.plugins = Objects.requireNonNull(value, "plugins");
      return this;
    }

    /** runc's {@code --systemd-cgroup}: cgroupsPath is systemd's {@code slice:prefix:name}. */
    public Builder systemdCgroup(boolean value) {
      this.systemdCgroup = value;
      return this;
    }

    /**
     * The runtime. A missing installation, two plugins of one name, or an unknown namespaces or
     * id-mapping plugin is an {@link IllegalStateException} or {@link IllegalArgumentException}
     * that says which.
     */
    public BurrowRuntime build() {
      Installation where = installation != null ? installation : Installation.fromSystemProperties();
      PluginCatalog catalog = catalog();
      List<Module> selected = catalog.modules(config);
      return new BurrowRuntime(Guice.createInjector(new CoreModule(config, where, catalog, selected)), systemdCgroup);
    }

    /**
     * What {@code state}, {@code list} and {@code kill} need, with no injector when the namespaces
     * plugin offers its process control directly ({@link io.burrow.plugin.BurrowPlugin#processControl()}),
     * otherwise from a {@link #build() built} runtime. Errors as {@link #build()}'s.
     */
    public ContainerInspector buildInspector() {
      Optional<ProcessControl> processes = catalog().processControl(config);
      return processes.isPresent() ? new ContainerInspector(new ContainerStore(config), processes.get())
          : build().containers().inspector();
    }

    private PluginCatalog catalog() {
      return plugins != null ? plugins : PluginCatalog.fromServiceLoader(Thread.currentThread().getContextClassLoader());
    }
  }

  public Config config() {
    return injector.getInstance(Config.class);
  }

  public PluginCatalog plugins() {
    return injector.getInstance(PluginCatalog.class);
  }

  /** The lower-level orchestrator the CLI's commands use: locked {@link Container}s, runc's run. */
  public Containers containers() {
    return containers;
  }

  /** What the containers work with: the store, the selected plugins' services. */
  public RuntimeServices services() {
    return injector.getInstance(RuntimeServices.class);
  }

  /**
   * Creates a container from the bundle in {@code bundleDir}; its program waits for
   * {@link ContainerHandle#start()}. The handle owns the container: closing it deletes it.
   */
  public ContainerHandle create(String id, Path bundleDir) throws ContainerException {
    try (Container ignored = containers.create(id, bundleDir, Optional.empty())) {
      return new ContainerHandle(containers, id, true, null);
    }
  }

  /**
   * Creates a container from an in-memory spec, whose {@code root.path} must be absolute. The spec
   * is written to a bundle directory of its own that the handle deletes with the container.
   */
  public ContainerHandle create(String id, Spec spec) throws ContainerException {
    ContainerStore.validateId(id);
    if (spec.root == null || spec.root.path == null || !Path.of(spec.root.path).isAbsolute()) {
      throw new ContainerException("cannot create container '" + id + "' from a spec: root.path must be an"
          + " absolute path, not " + (spec.root == null ? "missing" : "'" + spec.root.path + "'"));
    }
    Path bundle = null;
    try {
      bundle = Files.createTempDirectory("burrow-bundle-" + id + "-");
      Files.write(bundle.resolve("config.json"), SpecIo.toBytes(spec));
      try (Container ignored = containers.create(id, bundle, Optional.empty())) {
        ContainerHandle handle = new ContainerHandle(containers, id, true, bundle);
        bundle = null;
        return handle;
      }
    } catch (IOException e) {
      throw new ContainerException("cannot create container '" + id + "': cannot write its bundle: " + e.getMessage(), e);
    } finally {
      ContainerHandle.deleteBundle(bundle);
    }
  }

  /** A handle on an existing container, which closing the handle leaves alone. */
  public ContainerHandle get(String id) throws ContainerException {
    containers.state(id);
    return new ContainerHandle(containers, id, false, null);
  }

  /** The state of every container under the root. */
  public List<ContainerState> list() throws ContainerException {
    return containers.list();
  }
}
