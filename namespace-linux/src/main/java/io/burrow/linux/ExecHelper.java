package io.burrow.linux;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the native exec helper ({@code burrow-init}, built from src/main/c) is installed. The
 * launcher script passes it as {@code -Dburrow.init=PATH}. Immutable.
 */
public record ExecHelper(Path path) {
  public static final String PROPERTY = "burrow.init";

  /** The helper named by the {@value #PROPERTY} system property; a clear error when unset or missing. */
  public static ExecHelper fromSystemProperty() {
    String value = System.getProperty(PROPERTY);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException("system property " + PROPERTY + " must name the burrow-init helper binary");
    }
    Path path = Path.of(value);
    if (!Files.isExecutable(path)) {
      throw new IllegalStateException("the burrow-init helper " + path + " does not exist or is not executable");
    }
    return new ExecHelper(path);
  }
}
