package io.burrow.cli;

import io.burrow.core.Container;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code burrow pause}: freezes every process of a running container (runc's pause). */
@Command(name = "pause", description = "Suspend all processes of a running container.")
final class PauseCommand implements Callable<Integer> {
  @ParentCommand BurrowCommand burrow;

  @Parameters(index = "0", paramLabel = "ID")
  String id;

  @Override
  public Integer call() throws Exception {
    try (Container container = burrow.containers().load(id)) {
      container.pause();
    }
    return 0;
  }
}
