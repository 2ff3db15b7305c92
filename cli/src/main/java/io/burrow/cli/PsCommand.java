package io.burrow.cli;

import io.burrow.api.spi.ProcessId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code burrow ps}: the container's processes, as runc prints them. {@code --format json} is
 * the JSON array of their host pids (what containerd's go-runc parses); {@code table} runs the
 * host's {@code ps} with the given options (default {@code -ef}) and keeps its header and the
 * rows of the container's pids. Options end at the container id, so {@code ps ID -o pid,comm}
 * goes to ps.
 */
@Command(name = "ps", description = "List the processes of a container.")
final class PsCommand implements Callable<Integer> {
  @ParentCommand BurrowCommand burrow;

  @Option(names = {"--format", "-f"}, defaultValue = "table", description = "table or json (default ${DEFAULT-VALUE})")
  String format;

  @Parameters(index = "0", paramLabel = "ID")
  String id;

  @Parameters(index = "1..*", paramLabel = "PS-OPTION", description = "options for ps(1) (default -ef)")
  List<String> psOptions = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    if (!format.equals("table") && !format.equals("json")) {
      throw new IllegalArgumentException("invalid format option '" + format + "': expected table or json");
    }
    List<Integer> pids = burrow.containers().processes(id).stream().map(ProcessId::pid).sorted()
        .collect(Collectors.toList());
    if (format.equals("json")) {
      System.out.println(pids.stream().map(String::valueOf).collect(Collectors.joining(",", "[", "]")));
      return 0;
    }
    List<String> cmd = new ArrayList<>(List.of("ps"));
    cmd.addAll(psOptions.isEmpty() ? List.of("-ef") : psOptions);
    String output = runPs(cmd);
    String[] lines = output.split("\n");
    int pidColumn = List.of(lines[0].trim().split("\\s+")).indexOf("PID");
    if (pidColumn < 0) {
      throw new IllegalStateException("couldn't find PID field in ps output of `" + String.join(" ", cmd) + "`");
    }
    Set<Integer> ours = Set.copyOf(pids);
    System.out.println(lines[0]);
    for (int i = 1; i < lines.length; i++) {
      String[] fields = lines[i].trim().split("\\s+");
      if (lines[i].isBlank() || fields.length <= pidColumn) {
        continue;
      }
      try {
        if (ours.contains(Integer.parseInt(fields[pidColumn]))) {
          System.out.println(lines[i]);
        }
      } catch (NumberFormatException e) {
        throw new IllegalStateException("unable to parse pid '" + fields[pidColumn] + "' in ps output: " + lines[i], e);
      }
    }
    return 0;
  }

  private static String runPs(List<String> cmd) throws IOException, InterruptedException {
    java.lang.Process ps = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    String output = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int status = ps.waitFor();
    if (status != 0) {
      throw new IllegalStateException("`" + String.join(" ", cmd) + "` exited " + status + ": " + output.trim());
    }
    return output;
  }
}
