package io.burrow.linux.cgroup;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real process that waits on stdin until the test has put it in a cgroup, then tries device
 * accesses there and reports each: {@code r PATH}, {@code w PATH}, {@code rw PATH} open the node
 * for reading, writing or both; {@code m PATH TYPE MAJOR MINOR} is mknod (then removes the node).
 * The answer per check is {@code ok} or the shell's error (e.g. "... Operation not permitted").
 */
final class DeviceProbe {
  private static final String SCRIPT = """
      probe() {
        case $1 in
          r) { : <"$2"; } 2>&1 ;;
          w) { : >"$2"; } 2>&1 ;;
          rw) { : <>"$2"; } 2>&1 ;;
          m) mknod "$2" "$3" "$4" "$5" 2>&1 && rm -f "$2" ;;
        esac
      }
      read go || exit 3
      for c in "$@"; do
        out=$(probe $c)
        echo "$c => ${out:-ok}"
      done
      """;

  /** Where the test puts the probe's pid (FsCgroupManager.addProcess, or a write of cgroup.procs). */
  interface Placement {
    void place(int pid) throws Exception;
  }

  private DeviceProbe() {}

  /** Runs {@code checks} in a process that {@code placement} has moved; the result per check, in order. */
  static Map<String, String> run(Placement placement, String... checks) throws Exception {
    List<String> command = new ArrayList<>(List.of("sh", "-c", SCRIPT, "probe"));
    command.addAll(List.of(checks));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      placement.place((int) p.pid());
      try (OutputStream in = p.getOutputStream()) {
        in.write("go\n".getBytes(StandardCharsets.UTF_8));
      }
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError("probe did not finish cleanly: " + output);
      }
      Map<String, String> results = new LinkedHashMap<>();
      for (String line : output.split("\n")) {
        int arrow = line.indexOf(" => ");
        if (arrow < 0) {
          throw new AssertionError("unexpected probe output '" + line + "' in:\n" + output);
        }
        results.put(line.substring(0, arrow), line.substring(arrow + 4));
      }
      if (results.size() != checks.length) {
        throw new AssertionError("probe answered " + results.size() + " of " + checks.length + " checks:\n" + output);
      }
      return results;
    } finally {
      p.destroyForcibly().waitFor();
    }
  }
}
