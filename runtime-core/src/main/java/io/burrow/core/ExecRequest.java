package io.burrow.core;

import io.burrow.core.plan.ExecOptions;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@code burrow exec} asks for. Immutable.
 *
 * @param processFile a process.json ({@code --process}); when present {@code options} are ignored, as by runc
 * @param options the inline form: the program and runc's overrides of the container's process
 * @param preserveFds how many fds from 3 up the caller passes on to the process ({@code --preserve-fds})
 * @param pidFile where the process's host pid is written once it runs
 * @param detach whether {@code burrow exec} returns once the process runs ({@code --detach})
 * @param consoleSocket the client's {@code --console-socket}, which gets the pty master of a
 *     process with a terminal
 */
public record ExecRequest(Optional<Path> processFile, ExecOptions options, int preserveFds, Optional<Path> pidFile,
    boolean detach, Optional<Path> consoleSocket) {
  public ExecRequest {
    if (preserveFds < 0) {
      throw new IllegalArgumentException("--preserve-fds " + preserveFds + ": must not be negative");
    }
  }
}
