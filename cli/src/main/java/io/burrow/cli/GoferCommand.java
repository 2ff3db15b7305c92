package io.burrow.cli;

import io.burrow.fs.gofer.GoferMain;
import io.burrow.linux.ProcfsProcessControl;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Unmatched;

/**
 * {@code burrow gofer}: internal. The gofer process {@code GoferFileAccess} starts; its arguments
 * ({@code --bundle}, {@code --io-fds}, ...) belong to {@link GoferMain}.
 */
@Command(name = "gofer", hidden = true, description = "Serve a bundle's files over 9P2000.L (internal).")
final class GoferCommand implements Callable<Integer> {
  @ParentCommand BurrowCommand burrow;

  @Unmatched List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws java.io.IOException {
    if (args.stream().anyMatch(a -> a.startsWith("--io-fds"))) {
      // Serving a container: its stdio (a client's pipes) is the container's, not ours to hold.
      new ProcfsProcessControl().releaseStdio();
    }
    return GoferMain.run(burrow.config(), args);
  }
}
