package io.burrow.api.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where burrow's executables are: the launcher that re-runs burrow for its helper processes (the
 * gofer, the sandbox's {@code boot}) and the native exec helper {@code burrow-init}. The build puts
 * both in {@code cli/target}; the launcher script tells the JVM it starts with
 * {@code -Dburrow.self} and {@code -Dburrow.init}. Immutable and thread-safe.
 *
 * @param burrowCommand the argv prefix that runs burrow itself; empty when no helper process can be
 *     started (then only file accesses without helper processes work)
 * @param execHelper the {@code burrow-init} binary; empty when unknown (then nothing can be launched)
 */
public record Installation(List<String> burrowCommand, Optional<Path> execHelper) {
  public static final String SELF_PROPERTY = "burrow.self";
  public static final String EXEC_HELPER_PROPERTY = "burrow.init";

  public Installation {
    burrowCommand = List.copyOf(burrowCommand);
    Objects.requireNonNull(execHelper, "execHelper");
  }

  /** The installation in {@code dir}: {@code dir/burrow} and {@code dir/burrow-init}, as the build lays them out. */
  public static Installation in(Path dir) {
    Path launcher = dir.resolve("burrow");
    Path helper = dir.resolve("burrow-init");
    for (Path p : List.of(launcher, helper)) {
      if (!Files.isExecutable(p)) {
        throw new IllegalArgumentException("not a burrow installation: " + p + " is missing or not executable");
      }
    }
    return new Installation(List.of(launcher.toString()), Optional.of(helper));
  }

  /**
   * The installation the launcher script names in {@value #SELF_PROPERTY} and
   * {@value #EXEC_HELPER_PROPERTY}; what a property does not name stays unknown.
   */
  public static Installation fromSystemProperties() {
    String helper = System.getProperty(EXEC_HELPER_PROPERTY);
    String self = System.getProperty(SELF_PROPERTY);
    return new Installation(self == null || self.isBlank() ? List.of() : List.of(self),
        helper == null || helper.isBlank() ? Optional.empty() : Optional.of(Path.of(helper)));
  }

  /** The exec helper; an error saying how to name one when it is unknown. */
  public Path requireExecHelper() {
    return execHelper.orElseThrow(() -> new IllegalStateException("no burrow-init helper is known: set the system"
        + " property " + EXEC_HELPER_PROPERTY + " or build the runtime with Installation.in(DIR)"));
  }
}
