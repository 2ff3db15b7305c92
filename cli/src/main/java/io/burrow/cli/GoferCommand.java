package io.burrow.cli;

import io.burrow.fs.gofer.GoferMain;
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
  public Integer call() {
    return GoferMain.run(burrow.config(), args);
  }
}
