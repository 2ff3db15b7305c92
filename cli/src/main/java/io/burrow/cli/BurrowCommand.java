package io.burrow.cli;

import com.google.inject.Guice;
import com.google.inject.Injector;
import io.burrow.api.config.Config;
import io.burrow.cli.logging.LogSink;
import io.burrow.core.Containers;
import io.burrow.core.CoreModule;
import io.burrow.core.RuntimeServices;
import io.burrow.linux.LinuxNamespaceModule;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code burrow}: the top-level command and its global flags, runc's names and meanings. Builds
 * the {@link Config} and the Guice injector the subcommands work with. One instance per process.
 */
@Command(
    name = "burrow",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "An OCI container runtime in Java, built the way gVisor's runsc is.",
    subcommands = {
      CreateCommand.class, StartCommand.class, StateCommand.class, KillCommand.class, DeleteCommand.class,
      RunCommand.class, ExecCommand.class, PsCommand.class, ListCommand.class, SpecCommand.class,
      FeaturesCommand.class, GoferCommand.class, BootCommand.class, PauseCommand.class, ResumeCommand.class,
      UpdateCommand.class, EventsCommand.class
    })
public final class BurrowCommand {
  @Option(names = "--root", description = "state directory (default ${DEFAULT-VALUE})", defaultValue = "/run/burrow")
  Path root;

  @Option(names = "--log", description = "log file (default: standard error)", defaultValue = "")
  String log;

  @Option(names = "--log-format", description = "text or json (default ${DEFAULT-VALUE})", defaultValue = "text")
  String logFormat;

  @Option(names = "--file-access", description = "how containers reach files: direct or gofer (default ${DEFAULT-VALUE})",
      defaultValue = Config.DEFAULT_FILE_ACCESS)
  String fileAccess;

  // Booleans take an optional value so that Config.toFlags() (--overlay=false) parses back.
  @Option(names = "--overlay", arity = "0..1", description = "lay a writable tmpfs over a read-only root")
  boolean overlay;

  @Option(names = "--debug", arity = "0..1", description = "log debug messages")
  boolean debug;

  @Option(names = "--multi-container", arity = "0..1", hidden = true, defaultValue = "true",
      description = "let pod annotations share a sandbox (default true)")
  boolean multiContainer;

  @Option(names = "--systemd-cgroup", hidden = true, description = "cgroupsPath is systemd's slice:prefix:name (needs a running systemd)")
  boolean systemdCgroup;

  @Option(names = "--rootless", hidden = true, arity = "0..1", description = "accepted for runc compatibility; ignored")
  String rootless;

  private Injector injector;

  Config config() {
    return new Config(root.toAbsolutePath(), fileAccess, overlay, multiContainer, debug, log,
        Config.LogFormat.parse(logFormat));
  }

  void configureLogging() throws IOException {
    LogSink.configure(log, "json".equals(logFormat), debug);
  }

  /** The orchestrator, wired on first use so that commands that need none (spec) stay fast. */
  Containers containers() {
    return injector().getInstance(Containers.class).withSystemdCgroup(systemdCgroup);
  }

  RuntimeServices services() {
    return injector().getInstance(RuntimeServices.class);
  }

  private Injector injector() {
    if (injector == null) {
      injector = Guice.createInjector(new CoreModule(config(), burrowCommand()), new LinuxNamespaceModule());
    }
    return injector;
  }

  /** How a child process re-runs this burrow: the launcher script named by {@code burrow.self}. */
  static List<String> burrowCommand() {
    String self = System.getProperty("burrow.self");
    return self == null ? List.of() : List.of(self);
  }
}
