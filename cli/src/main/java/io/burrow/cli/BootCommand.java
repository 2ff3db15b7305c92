package io.burrow.cli;

import io.burrow.api.spi.IoFile;
import io.burrow.core.Sandbox;
import io.burrow.linux.sys.Fd;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code burrow boot}: internal. The sandbox process {@code create} starts for a file access that
 * needs one; it owns the io files it inherits as fds 3.. (and the console socket after them)
 * from the moment it starts.
 */
@Command(name = "boot", hidden = true, description = "Run a container's sandbox (internal).")
final class BootCommand implements Callable<Integer> {
  @ParentCommand BurrowCommand burrow;

  @Option(names = "--bundle", required = true)
  Path bundle;

  @Option(names = "--id", required = true)
  String id;

  @Option(names = "--control", required = true, description = "unix socket on which create waits for the init's pid")
  Path control;

  @Option(names = "--io-fds", description = "an inherited io file, in mount order (repeated)")
  List<Integer> ioFds = new ArrayList<>();

  @Option(names = "--console-fd", description = "an inherited connection to the client's console socket")
  Integer consoleFd;

  @Override
  public Integer call() throws Exception {
    List<IoFile> files = new ArrayList<>();
    for (int i = 0; i < ioFds.size(); i++) {
      files.add(new Fd(ioFds.get(i), "io file " + i + " of container " + id));
    }
    Optional<IoFile> console = Optional.ofNullable(consoleFd)
        .map(fd -> new Fd(fd, "console socket of container " + id));
    return Sandbox.boot(burrow.services(), id, bundle, control, files, console);
  }
}
