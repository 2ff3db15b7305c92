package io.burrow.cli;

import io.burrow.core.Container;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code burrow start}: runs the program of a created container. */
@Command(name = "start", description = "Start a created container.")
final class StartCommand implements Callable<Integer> {
  @ParentCommand BurrowCommand burrow;

  @Parameters(index = "0", paramLabel = "ID")
  String id;

  @Override
  public Integer call() throws Exception {
    try (Container container = burrow.containers().load(id)) {
      container.start();
    }
    return 0;
  }
}
