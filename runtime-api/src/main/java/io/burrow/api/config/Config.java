package io.burrow.api.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The runtime configuration shared by every burrow process: the global flags of the CLI. It reaches
 * child processes (gofer, sandbox) as flags: {@link #toFlags()} and {@link #fromFlags(List)} are
 * exact inverses. Immutable and thread-safe.
 *
 * @param root state directory, one sub-directory per container (runc's {@code --root})
 * @param fileAccess name of the {@code FileAccess} plugin that serves container files
 * @param overlay whether a writable tmpfs upper is laid over a read-only root
 * @param multiContainer whether pod annotations may put several containers in one sandbox
 * @param debug whether debug messages are logged
 * @param logFile where log records go; empty for standard error
 * @param logFormat how log records are written
 * @param namespaces name of the namespaces plugin that launches and controls container processes
 * @param idMapping name of the id-mapping plugin that writes user namespaces' maps
 */
public record Config(
    Path root,
    String fileAccess,
    boolean overlay,
    boolean multiContainer,
    boolean debug,
    String logFile,
    LogFormat logFormat,
    String namespaces,
    String idMapping) {

  public static final Path DEFAULT_ROOT = Path.of("/run/burrow");
  public static final String DEFAULT_FILE_ACCESS = "gofer";
  public static final String DEFAULT_NAMESPACES = "linux";
  public static final String DEFAULT_ID_MAPPING = "procfs";

  /** How log records are written: runc's {@code --log-format}. */
  public enum LogFormat {
    TEXT,
    JSON;

    public static LogFormat parse(String s) {
      try {
        return valueOf(s.toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown log format '" + s + "': expected text or json");
      }
    }
  }

  public Config {
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(fileAccess, "fileAccess");
    Objects.requireNonNull(logFile, "logFile");
    Objects.requireNonNull(logFormat, "logFormat");
    Objects.requireNonNull(namespaces, "namespaces");
    Objects.requireNonNull(idMapping, "idMapping");
    if (fileAccess.isBlank() || namespaces.isBlank() || idMapping.isBlank()) {
      throw new IllegalArgumentException("plugin names (file access, namespaces, id mapping) must not be empty");
    }
  }

  /** A configuration with the default namespaces and id-mapping plugins. */
  public Config(Path root, String fileAccess, boolean overlay, boolean multiContainer, boolean debug, String logFile,
      LogFormat logFormat) {
    this(root, fileAccess, overlay, multiContainer, debug, logFile, logFormat, DEFAULT_NAMESPACES, DEFAULT_ID_MAPPING);
  }

  public static Config defaults() {
    return new Config(DEFAULT_ROOT, DEFAULT_FILE_ACCESS, false, true, false, "", LogFormat.TEXT);
  }

  /** Every field as {@code --name=value}, in a fixed order. */
  public List<String> toFlags() {
    List<String> flags = new ArrayList<>();
    flags.add("--root=" + root);
    flags.add("--file-access=" + fileAccess);
    flags.add("--overlay=" + overlay);
    flags.add("--multi-container=" + multiContainer);
    flags.add("--debug=" + debug);
    flags.add("--log=" + logFile);
    flags.add("--log-format=" + logFormat.name().toLowerCase(java.util.Locale.ROOT));
    flags.add("--namespaces=" + namespaces);
    flags.add("--id-mapping=" + idMapping);
    return flags;
  }

  /**
   * Parses flags as {@link #toFlags()} writes them. Missing flags keep their defaults; an unknown
   * flag or a malformed value is an error naming it.
   */
  public static Config fromFlags(List<String> flags) {
    Config c = defaults();
    Path root = c.root;
    String fileAccess = c.fileAccess;
    boolean overlay = c.overlay;
    boolean multi = c.multiContainer;
    boolean debug = c.debug;
    String log = c.logFile;
    LogFormat format = c.logFormat;
    String namespaces = c.namespaces;
    String idMapping = c.idMapping;
    for (String flag : flags) {
      int eq = flag.indexOf('=');
      if (!flag.startsWith("--") || eq < 0) {
        throw new IllegalArgumentException("malformed config flag '" + flag + "': expected --name=value");
      }
      String name = flag.substring(2, eq);
      String value = flag.substring(eq + 1);
      switch (name) {
        case "root" -> root = Path.of(value);
        case "file-access" -> fileAccess = value;
        case "overlay" -> overlay = parseBoolean(name, value);
        case "multi-container" -> multi = parseBoolean(name, value);
        case "debug" -> debug = parseBoolean(name, value);
        case "log" -> log = value;
        case "log-format" -> format = parseLogFormat(value);
        case "namespaces" -> namespaces = value;
        case "id-mapping" -> idMapping = value;
        default -> throw new IllegalArgumentException("unknown config flag '--" + name + "'");
      }
    }
    return new Config(root, fileAccess, overlay, multi, debug, log, format, namespaces, idMapping);
  }

  private static LogFormat parseLogFormat(String value) {
    try {
      return LogFormat.parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("config flag --log-format: " + e.getMessage(), e);
    }
  }

  private static boolean parseBoolean(String name, String value) {
    return switch (value) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(
          "config flag --" + name + " takes true or false, not '" + value + "'");
    };
  }

  public Config withRoot(Path newRoot) {
    return new Config(newRoot, fileAccess, overlay, multiContainer, debug, logFile, logFormat, namespaces, idMapping);
  }

  public Config withFileAccess(String name) {
    return new Config(root, name, overlay, multiContainer, debug, logFile, logFormat, namespaces, idMapping);
  }

  public Config withOverlay(boolean on) {
    return new Config(root, fileAccess, on, multiContainer, debug, logFile, logFormat, namespaces, idMapping);
  }
}
