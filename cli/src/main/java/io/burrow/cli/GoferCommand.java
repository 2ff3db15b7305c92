package io.burrow.cli;

import io.burrow.fs.gofer.GoferMain;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code burrow gofer}: internal. The gofer process {@code GoferFileAccess} starts: it serves the
 * bundle's root and served bind mounts over 9P2000.L, one inherited socket per mount, until every
 * connection has ended ({@link GoferMain}).
 */
@Command(name = "gofer", hidden = true, mixinStandardHelpOptions = true,
    description = "Serve a bundle's root and bind mounts over 9P2000.L, one socket per mount (internal).")
final class GoferCommand implements Callable<Integer> {
  @ParentCommand BurrowCommand burrow;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--bundle", paramLabel = "DIR", description = "the bundle whose files are served")
  Path bundle;

  @Option(names = "--io-fds", paramLabel = "FD",
      description = "an inherited socket serving one mount; repeated in mount order, the root first")
  List<Integer> ioFds = new ArrayList<>();

  @Option(names = "--panic-on-write", arity = "1", paramLabel = "BOOL",
      description = "refuse every write (the read-only lower layer under --overlay)")
  boolean panicOnWrite;

  @Option(names = "--serve-unix", paramLabel = "PATH",
      description = "instead of --io-fds: listen here and serve the root on every connection (tests, benchmarks)")
  String serveUnix;

  @Option(names = "--served", paramLabel = "ro:PATH|rw:PATH",
      description = "a host directory to serve, repeated in io-fd order, the root first; none: read the bundle's spec")
  List<String> served = new ArrayList<>();

  @Option(names = "--make-devices", arity = "1", paramLabel = "BOOL",
      description = "with --served: let the container make device nodes (CAP_MKNOD, no user namespace)")
  boolean makeDevices;

  @Override
  public Integer call() {
    GoferMain.Args args;
    try {
      args = new GoferMain.Args(bundle, ioFds, panicOnWrite, serveUnix,
          served.stream().map(GoferMain.Served::parse).toList(), makeDevices);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    return GoferMain.run(burrow.config(), args);
  }
}
