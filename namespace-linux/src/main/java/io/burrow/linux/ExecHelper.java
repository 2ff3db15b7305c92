package io.burrow.linux;

import io.burrow.api.config.Installation;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the native exec helper ({@code burrow-init}, built from src/main/c) is installed: the
 * {@link Installation}'s. Immutable.
 */
public record ExecHelper(Path path) {
  /** The helper at {@code path}; a clear error when it is missing. */
  public static ExecHelper at(Path path) {
    if (!Files.isExecutable(path)) {
      throw new IllegalStateException("the burrow-init helper " + path + " does not exist or is not executable");
    }
    return new ExecHelper(path);
  }

  /** The helper the launcher script (or a test's build) names in {@code -Dburrow.init}. */
  public static ExecHelper fromSystemProperty() {
    return at(Installation.fromSystemProperties().requireExecHelper());
  }
}
