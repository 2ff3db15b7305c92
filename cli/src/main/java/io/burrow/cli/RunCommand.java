package io.burrow.cli;

import io.burrow.api.state.ContainerState;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code burrow run}: create, start and wait; exits with the program's status and deletes the
 * container, as {@code runc run} does. Signals burrow receives meanwhile go to the container.
 */
@Command(name = "run", description = "Create and start a container, wait for it, and delete it.")
final class RunCommand implements Callable<Integer> {
  @ParentCommand BurrowCommand burrow;

  @Option(names = {"--bundle", "-b"}, description = "bundle directory (default: current directory)", defaultValue = ".")
  Path bundle;

  @Option(names = "--pid-file", description = "write the init's pid here")
  Path pidFile;

  @Option(names = {"--detach", "-d"}, description = "return once the program runs")
  boolean detach;

  @Option(names = "--console-socket", description = "unix socket that receives the pty master of a process.terminal container (SCM_RIGHTS, as runc)")
  Path consoleSocket;

  @Parameters(index = "0", paramLabel = "ID")
  String id;

  @Override
  public Integer call() throws Exception {
    return burrow.containers().run(id, bundle, Optional.ofNullable(pidFile), detach, Optional.ofNullable(consoleSocket),
        RunCommand::forwardSignals);
  }

  private static void forwardSignals(ContainerState state) {
    forwardSignalsTo(state.pid());
  }

  /** From now on, the signals a user sends burrow to end or steer a program go to {@code pid}. */
  static void forwardSignalsTo(int pid) {
    new SignalForwarder().target(pid);
  }
}
