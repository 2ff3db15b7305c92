package io.burrow.cli;

import io.burrow.core.Container;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code burrow resume}: thaws a paused container (runc's resume). */
@Command(name = "resume", description = "Resume all processes of a paused container.")
final class ResumeCommand implements Callable<Integer> {
  @ParentCommand BurrowCommand burrow;

  @Parameters(index = "0", paramLabel = "ID")
  String id;

  @Override
  public Integer call() throws Exception {
    try (Container container = burrow.containers().load(id)) {
      container.resume();
    }
    return 0;
  }
}
