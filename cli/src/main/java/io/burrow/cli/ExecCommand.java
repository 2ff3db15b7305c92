package io.burrow.cli;

import io.burrow.api.spi.ProcessId;
import io.burrow.core.ExecRequest;
import io.burrow.core.plan.ExecOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code burrow exec}: runs a process in a running container, with runc's flags. Either a
 * process.json ({@code --process}, what containerd's shim, dockerd and conmon send) or the
 * inline form ({@code exec ID COMMAND...} with overrides of the container's process). Detached,
 * it returns once the program runs and leaves the process to the caller's subreaper; otherwise
 * it waits for it, forwards signals to it, and exits with its status (128+N after signal N).
 * Options end at the container id, as runc's, so {@code exec c1 sh -c CMD} passes {@code -c} on.
 * A failure to start exits 255, as runc's.
 */
@Command(name = "exec", description = "Run a process in a running container.")
final class ExecCommand implements Callable<Integer> {
  @ParentCommand BurrowCommand burrow;

  @Option(names = {"--process", "-p"}, description = "an OCI process.json; the other process flags are then ignored")
  Path process;

  @Option(names = {"--detach", "-d"}, description = "return once the process runs")
  boolean detach;

  @Option(names = "--pid-file", description = "write the process's host pid here")
  Path pidFile;

  @Option(names = "--console-socket", description = "unix socket that receives the pty master of a process with a terminal (SCM_RIGHTS, as runc)")
  Path consoleSocket;

  @Option(names = {"--tty", "-t"}, description = "allocate a pseudo-terminal (with --detach and --console-socket)")
  boolean tty;

  @Option(names = "--cwd", description = "working directory in the container")
  String cwd;

  @Option(names = {"--env", "-e"}, description = "NAME=VALUE added to the container's environment; repeatable")
  List<String> env = new ArrayList<>();

  @Option(names = {"--user", "-u"}, description = "UID[:GID], numeric")
  String user;

  @Option(names = {"--additional-gids", "-g"}, split = ",", description = "additional group ids; repeatable")
  List<Long> additionalGids = new ArrayList<>();

  @Option(names = {"--cap", "-c"}, description = "a capability added to the container's; repeatable")
  List<String> caps = new ArrayList<>();

  @Option(names = "--no-new-privs", arity = "0..1", fallbackValue = "true", description = "set no_new_privs")
  Boolean noNewPrivs;

  @Option(names = "--preserve-fds", defaultValue = "0", description = "pass fds 3 .. 3+N-1 on to the process")
  int preserveFds;

  // Accepted as runc's, applied nowhere: this host has neither AppArmor nor SELinux, and the
  // container's init is not confined by either.
  @Option(names = "--process-label", description = "SELinux label (accepted; no SELinux here)")
  String processLabel;

  @Option(names = "--apparmor", description = "AppArmor profile (accepted; no AppArmor here)")
  String apparmor;

  @Option(names = "--ignore-paused", hidden = true, description = "accepted for runc compatibility")
  boolean ignorePaused;

  @Option(names = "--cgroup", hidden = true,
      description = "accepted for runc compatibility and ignored: the process joins the container's own cgroup")
  List<String> cgroups = new ArrayList<>();

  @Parameters(index = "0", paramLabel = "ID")
  String id;

  @Parameters(index = "1..*", paramLabel = "COMMAND", description = "the program and its arguments")
  List<String> command = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    List<String> args = new ArrayList<>(command);
    if (!args.isEmpty() && args.get(0).equals("--")) {
      args.remove(0);
    }
    ExecOptions options = new ExecOptions(args, cwd, env, tty, user, additionalGids, caps, noNewPrivs, apparmor,
        processLabel);
    ExecRequest request = new ExecRequest(Optional.ofNullable(process), options, preserveFds, Optional.ofNullable(pidFile),
        detach, Optional.ofNullable(consoleSocket));
    // In the foreground, forward from before the start: the program runs before start returns.
    SignalForwarder forwarder = detach ? null : new SignalForwarder();
    ProcessId started = burrow.containers().exec(id, request);
    if (detach) {
      return 0;
    }
    forwarder.target(started.pid());
    return burrow.containers().waitForProcess(started);
  }
}
