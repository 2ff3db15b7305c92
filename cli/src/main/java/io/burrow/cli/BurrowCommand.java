package io.burrow.cli;

import io.burrow.api.config.Config;
import io.burrow.api.config.Installation;
import io.burrow.cli.logging.LogSink;
import io.burrow.core.BurrowRuntime;
import io.burrow.core.ContainerInspector;
import io.burrow.core.Containers;
import io.burrow.core.RuntimeServices;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code burrow}: the top-level command and its global flags, runc's names and meanings. Builds
 * the {@link Config} and the {@link BurrowRuntime} the subcommands work with, with the plugins on
 * the launcher's class path (its {@code plugins} directory and {@code BURROW_PLUGIN_PATH}). One
 * instance per process.
 */
@Command(
    name = "burrow",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "An OCI container runtime in Java, built the way gVisor's runsc is.")
public final class BurrowCommand {
  /** The subcommands, in the order help lists them; {@link Main} registers only those a call needs. */
  static final List<Class<?>> SUBCOMMANDS = List.of(
      CreateCommand.class, StartCommand.class, StateCommand.class, KillCommand.class, DeleteCommand.class,
      RunCommand.class, ExecCommand.class, PsCommand.class, ListCommand.class, SpecCommand.class,
      FeaturesCommand.class, GoferCommand.class, BootCommand.class, PauseCommand.class, ResumeCommand.class,
      UpdateCommand.class, EventsCommand.class);

  // Defaults are initial values, not picocli's defaultValue, so that HotPath's commands get them too.
  @Option(names = "--root", description = "state directory (default ${DEFAULT-VALUE})")
  Path root = Path.of("/run/burrow");

  @Option(names = "--log", description = "log file (default: standard error)")
  String log = "";

  @Option(names = "--log-format", description = "text or json (default ${DEFAULT-VALUE})")
  String logFormat = "text";

  @Option(names = "--file-access", description = "how containers reach files: a file-access plugin, such as direct or gofer"
      + " (default ${DEFAULT-VALUE})")
  String fileAccess = Config.DEFAULT_FILE_ACCESS;

  @Option(names = "--namespaces", hidden = true,
      description = "the namespaces plugin that launches container processes (default ${DEFAULT-VALUE})")
  String namespaces = Config.DEFAULT_NAMESPACES;

  @Option(names = "--id-mapping", hidden = true,
      description = "the id-mapping plugin that writes user namespace maps (default ${DEFAULT-VALUE})")
  String idMapping = Config.DEFAULT_ID_MAPPING;

  // Booleans take an optional value so that Config.toFlags() (--overlay=false) parses back.
  @Option(names = "--overlay", arity = "0..1", description = "lay a writable tmpfs over a read-only root")
  boolean overlay;

  @Option(names = "--debug", arity = "0..1", description = "log debug messages")
  boolean debug;

  @Option(names = "--multi-container", arity = "0..1", hidden = true,
      description = "let pod annotations share a sandbox (default true)")
  boolean multiContainer = true;

  @Option(names = "--systemd-cgroup", hidden = true, description = "cgroupsPath is systemd's slice:prefix:name (needs a running systemd)")
  boolean systemdCgroup;

  @Option(names = "--rootless", hidden = true, arity = "0..1", description = "accepted for runc compatibility; ignored")
  String rootless;

  private BurrowRuntime runtime;

  Config config() {
    return new Config(root.toAbsolutePath(), fileAccess, overlay, multiContainer, debug, log,
        Config.LogFormat.parse(logFormat), namespaces, idMapping);
  }

  void configureLogging() throws IOException {
    LogSink.configure(log, "json".equals(logFormat), debug);
  }

  /** The runtime, built on first use so that commands that need none (spec) stay fast. */
  BurrowRuntime runtime() {
    if (runtime == null) {
      runtime = builder().build();
    }
    return runtime;
  }

  /** State and signals of the containers, without building the runtime where the plugins allow. */
  ContainerInspector inspector() {
    return runtime != null ? runtime.containers().inspector() : builder().buildInspector();
  }

  private BurrowRuntime.Builder builder() {
    return BurrowRuntime.builder(config()).installation(Installation.fromSystemProperties()).systemdCgroup(systemdCgroup);
  }

  Containers containers() {
    return runtime().containers();
  }

  RuntimeServices services() {
    return runtime().services();
  }
}
