package io.burrow.cli;

import io.burrow.core.Container;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code burrow create}: creates a container whose init waits for {@code start}. */
@Command(name = "create", description = "Create a container; its program runs on start.")
final class CreateCommand implements Callable<Integer> {
  @ParentCommand BurrowCommand burrow;

  @Option(names = {"--bundle", "-b"}, description = "bundle directory (default: current directory)", defaultValue = ".")
  Path bundle;

  @Option(names = "--pid-file", description = "write the init's pid here")
  Path pidFile;

  @Option(names = "--console-socket", description = "unix socket that receives the pty master of a process.terminal container (SCM_RIGHTS, as runc)")
  Path consoleSocket;

  @Option(names = "--no-pivot", hidden = true, description = "accepted for runc compatibility; ignored")
  boolean noPivot;

  @Option(names = "--no-new-keyring", hidden = true, description = "accepted for runc compatibility; ignored")
  boolean noNewKeyring;

  @picocli.CommandLine.Parameters(index = "0", paramLabel = "ID")
  String id;

  @Override
  public Integer call() throws Exception {
    try (Container ignored = burrow.containers().create(id, bundle, Optional.ofNullable(pidFile),
        Optional.ofNullable(consoleSocket))) {
      return 0;
    }
  }
}
