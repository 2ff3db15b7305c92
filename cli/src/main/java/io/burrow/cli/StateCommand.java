package io.burrow.cli;

import io.burrow.api.state.StateJson;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code burrow state}: prints a container's OCI state as JSON. */
@Command(name = "state", description = "Print the state of a container as JSON.")
final class StateCommand implements Callable<Integer> {
  @ParentCommand BurrowCommand burrow;

  @Parameters(index = "0", paramLabel = "ID")
  String id;

  @Override
  public Integer call() throws Exception {
    System.out.println(StateJson.pretty(burrow.inspector().state(id)));
    return 0;
  }
}
