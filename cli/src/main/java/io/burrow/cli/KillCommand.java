package io.burrow.cli;

import io.burrow.api.spi.Signals;
import io.burrow.core.Container;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code burrow kill}: signals a container's init (SIGTERM unless told otherwise). */
@Command(name = "kill", description = "Send a signal to a container's init.")
final class KillCommand implements Callable<Integer> {
  @ParentCommand BurrowCommand burrow;

  @Option(names = {"--all", "-a"}, description = "signal every process of the container")
  boolean all;

  @Parameters(index = "0", paramLabel = "ID")
  String id;

  @Parameters(index = "1", arity = "0..1", paramLabel = "SIGNAL", description = "name or number (default TERM)")
  String signal = "TERM";

  @Override
  public Integer call() throws Exception {
    int sig = Signals.parse(signal);
    if (!all) {
      burrow.inspector().kill(id, sig);
      return 0;
    }
    try (Container container = burrow.containers().load(id)) {
      container.kill(sig, true);
    }
    return 0;
  }
}
