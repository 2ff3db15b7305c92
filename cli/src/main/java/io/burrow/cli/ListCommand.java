package io.burrow.cli;

import io.burrow.api.state.ContainerState;
import io.burrow.api.state.StateJson;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code burrow list}: the containers under {@code --root}, as runc prints them. */
@Command(name = "list", aliases = "ls", description = "List containers.")
final class ListCommand implements Callable<Integer> {
  @ParentCommand BurrowCommand burrow;

  @Option(names = {"--format", "-f"}, description = "table or json (default ${DEFAULT-VALUE})", defaultValue = "table")
  String format;

  @Option(names = {"--quiet", "-q"}, description = "print ids only")
  boolean quiet;

  @Override
  public Integer call() throws Exception {
    List<ContainerState> states = burrow.inspector().list();
    if (quiet) {
      states.forEach(s -> System.out.println(s.id()));
    } else if ("json".equals(format)) {
      System.out.println(StateJson.pretty(states));
    } else if ("table".equals(format)) {
      String row = "%-12s %-8s %-10s %-40s %-30s %s%n";
      System.out.printf(row, "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
      for (ContainerState s : states) {
        System.out.printf(row, s.id(), s.pid(), s.status().specName(), s.bundle(), s.created(), s.owner());
      }
    } else {
      throw new IllegalArgumentException("unknown format '" + format + "': expected table or json");
    }
    return 0;
  }
}
