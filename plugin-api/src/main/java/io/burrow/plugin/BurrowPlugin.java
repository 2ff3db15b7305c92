package io.burrow.plugin;

import com.google.inject.Module;

/**
 * One plugin: a {@link Kind}, the name users select it by, and the Guice module that binds its
 * implementation. A jar contributes plugins by listing their classes in
 * {@code META-INF/services/io.burrow.plugin.BurrowPlugin}; the runtime finds them with
 * {@link java.util.ServiceLoader}, so each needs a public no-argument constructor.
 *
 * <p>What the module binds, by kind (the SPI types are in runtime-api's {@code io.burrow.api.spi}):
 * <ul>
 *   <li>{@link Kind#FILE_ACCESS}: a {@code FileAccess} under {@link #fileAccessKey(String)}. Every
 *       file-access plugin is installed, so that a container keeps the strategy it was created with
 *       whatever the flags of a later call; {@link FileAccessPlugin} does the binding.
 *   <li>{@link Kind#NAMESPACES}: the host side of a container's processes:
 *       {@code NamespaceLauncher}, {@code ProcessControl}, {@code HookRunner}, {@code ControlChannel},
 *       {@code SeccompCompiler} and {@code CgroupManager}. Only the selected one is installed.
 *   <li>{@link Kind#ID_MAPPING}: the {@code IdMapper} that writes a new user namespace's maps.
 *       Only the selected one is installed.
 * </ul>
 * Modules may inject {@code io.burrow.api.config.Config} and {@code io.burrow.api.config.Installation}
 * and any SPI type of another kind. Two plugins of one kind and name are a start-up error naming
 * both jars. Implementations are immutable; {@link #module()} may be called more than once.
 */
public interface BurrowPlugin {
  /** What a plugin provides; see {@link BurrowPlugin} for what each kind binds. */
  enum Kind {
    FILE_ACCESS("file access"),
    NAMESPACES("namespaces"),
    ID_MAPPING("id mapping");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    /** How errors name the kind: "file access", "namespaces", "id mapping". */
    public String label() {
      return label;
    }
  }

  Kind kind();

  /** The name users select this plugin by, such as "gofer" for {@code --file-access=gofer}. */
  String name();

  /** The bindings this plugin contributes; installed into the runtime's injector. */
  Module module();

  /**
   * For a {@link Kind#NAMESPACES} plugin: its {@code ProcessControl}, made without an injector.
   * The calls that only look at containers and signal their inits ({@code state}, {@code list},
   * {@code kill}) use it instead of building the whole runtime, which costs a short-lived CLI call
   * more than its own work. Empty, the default, when it needs the injector: those calls then build
   * the runtime as every other call does.
   */
  default java.util.Optional<io.burrow.api.spi.ProcessControl> processControl() {
    return java.util.Optional.empty();
  }

  /** The binding key of the {@code FileAccess} a {@link Kind#FILE_ACCESS} plugin called {@code name} binds. */
  static com.google.inject.Key<io.burrow.api.spi.FileAccess> fileAccessKey(String name) {
    return com.google.inject.Key.get(io.burrow.api.spi.FileAccess.class, com.google.inject.name.Names.named(name));
  }
}
