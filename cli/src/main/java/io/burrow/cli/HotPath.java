package io.burrow.cli;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The calls container engines make most, parsed by hand: {@code state}, {@code kill},
 * {@code start} and {@code delete} of one container, after the global flags containerd's go-runc
 * and Docker's shim pass ({@code --root}, {@code --log}, {@code --log-format}, {@code --debug},
 * {@code --systemd-cgroup}). picocli's own start-up (its annotation proxies and converters) costs a
 * short call over 100 ms before it parses anything. Anything else, a flag it does not know or
 * {@code --help} included, is left to picocli, which then gives the answer it always gave.
 * Stateless.
 */
final class HotPath {
  private HotPath() {}

  /** A parsed call: the global flags and the command that uses them. */
  record Call(BurrowCommand top, Callable<Integer> command) {}

  /** The call {@code args} ask for; empty when picocli must parse them. */
  static Optional<Call> parse(String... args) {
    BurrowCommand top = new BurrowCommand();
    int i = 0;
    for (; i < args.length && args[i].startsWith("-"); i++) {
      String arg = args[i];
      int eq = arg.indexOf('=');
      String name = eq < 0 ? arg : arg.substring(0, eq);
      switch (name) {
        case "--root", "--log", "--log-format" -> {
          String value;
          if (eq >= 0) {
            value = arg.substring(eq + 1);
          } else if (i + 1 < args.length) {
            value = args[++i];
          } else {
            return Optional.empty();
          }
          switch (name) {
            case "--root" -> top.root = Path.of(value);
            case "--log" -> top.log = value;
            default -> top.logFormat = value;
          }
        }
        case "--debug", "--systemd-cgroup" -> {
          if (eq >= 0) {
            return Optional.empty();
          }
          if (name.equals("--debug")) {
            top.debug = true;
          } else {
            top.systemdCgroup = true;
          }
        }
        default -> {
          return Optional.empty();
        }
      }
    }
    if (i == args.length) {
      return Optional.empty();
    }
    String command = args[i++];
    boolean flag = false;
    if (i < args.length && args[i].startsWith("-")) {
      String f = args[i++];
      boolean known = switch (command) {
        case "kill" -> f.equals("--all") || f.equals("-a");
        case "delete" -> f.equals("--force") || f.equals("-f");
        default -> false;
      };
      if (!known) {
        return Optional.empty();
      }
      flag = true;
    }
    int rest = args.length - i;
    if (rest < 1 || rest > (command.equals("kill") ? 2 : 1)) {
      return Optional.empty();
    }
    for (int j = i; j < args.length; j++) {
      if (args[j].startsWith("-") || args[j].isEmpty()) {
        return Optional.empty();
      }
    }
    String id = args[i];
    Callable<Integer> call;
    switch (command) {
      case "state" -> {
        StateCommand c = new StateCommand();
        c.burrow = top;
        c.id = id;
        call = c;
      }
      case "start" -> {
        StartCommand c = new StartCommand();
        c.burrow = top;
        c.id = id;
        call = c;
      }
      case "kill" -> {
        KillCommand c = new KillCommand();
        c.burrow = top;
        c.all = flag;
        c.id = id;
        if (rest == 2) {
          c.signal = args[i + 1];
        }
        call = c;
      }
      case "delete" -> {
        DeleteCommand c = new DeleteCommand();
        c.burrow = top;
        c.force = flag;
        c.id = id;
        call = c;
      }
      default -> {
        return Optional.empty();
      }
    }
    return Optional.of(new Call(top, call));
  }
}
