package io.burrow.cli;

import io.burrow.core.Container;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code burrow delete}: removes a container and everything it left (processes, state). */
@Command(name = "delete", description = "Delete a container.")
final class DeleteCommand implements Callable<Integer> {
  @ParentCommand BurrowCommand burrow;

  @Option(names = {"--force", "-f"}, description = "kill a running container first")
  boolean force;

  @Parameters(index = "0", paramLabel = "ID")
  String id;

  @Override
  public Integer call() throws Exception {
    try (Container container = burrow.containers().load(id)) {
      container.delete(force);
    }
    return 0;
  }
}
