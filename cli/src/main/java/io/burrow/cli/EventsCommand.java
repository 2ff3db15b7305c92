package io.burrow.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.burrow.api.spec.SpecIo;
import io.burrow.api.state.Status;
import io.burrow.core.Container;
import io.burrow.core.ContainerException;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code burrow events}: runc's event stream, one JSON object a line:
 * {@code {"type":"stats","id":ID,"data":{...}}} every interval, and {@code {"type":"oom","id":ID}}
 * whenever the OOM killer strikes in the container's cgroup; with {@code --stats}, one stats
 * event and exit. The stream ends when the container stops.
 */
@Command(name = "events", description = "Print container events (stats, oom) as JSON lines.")
final class EventsCommand implements Callable<Integer> {
  private static final long OOM_POLL_MILLIS = 100;

  @ParentCommand BurrowCommand burrow;

  @Parameters(index = "0", paramLabel = "ID")
  String id;

  @Option(names = "--stats", description = "print the container's statistics once and exit")
  boolean stats;

  @Option(names = "--interval", defaultValue = "5s", description = "how often stats are printed (default ${DEFAULT-VALUE})")
  String interval;

  @Override
  public Integer call() throws Exception {
    Duration every = duration(interval);
    if (stats) {
      print(burrow.containers().load(id), true);
      return 0;
    }
    long oomSeen = -1;
    long nextStats = 0;
    while (true) {
      try (Container container = burrow.containers().load(id)) {
        if (container.status() == Status.STOPPED) {
          return 0;
        }
        long oom = container.oomKills();
        if (oomSeen >= 0 && oom > oomSeen) {
          ObjectNode event = SpecIo.MAPPER.createObjectNode().put("type", "oom").put("id", id);
          System.out.println(SpecIo.MAPPER.writeValueAsString(event));
          System.out.flush();
        }
        oomSeen = oom;
        if (System.nanoTime() >= nextStats) {
          try {
            print(container, false);
          } catch (ContainerException e) {
            // The container may stop between the status check and the read; like runc, a failed
            // read is reported and the stream goes on until the next look sees it stopped.
            System.err.println("burrow: events: " + e.getMessage());
          }
          nextStats = System.nanoTime() + every.toNanos();
        }
      }
      Thread.sleep(Math.min(OOM_POLL_MILLIS, every.toMillis()));
    }
  }

  private void print(Container container, boolean close) throws Exception {
    try {
      ObjectNode event = SpecIo.MAPPER.createObjectNode().put("type", "stats").put("id", id);
      event.set("data", container.stats());
      System.out.println(SpecIo.MAPPER.writeValueAsString(event));
      System.out.flush();
    } finally {
      if (close) {
        container.close();
      }
    }
  }

  /** Go's time.ParseDuration for the forms runc's users write: 5s, 500ms, 1m, 1h. */
  static Duration duration(String text) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]+)(ms|s|m|h)").matcher(text.trim());
    if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
      throw new IllegalArgumentException("--interval: '" + text + "' is not a positive duration such as 5s or 500ms");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }
}
