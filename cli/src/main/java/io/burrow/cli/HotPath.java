package io.burrow.cli;

import io.burrow.fs.gofer.GoferMain;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * The calls made most, parsed by hand: {@code create}, {@code state}, {@code kill}, {@code start}
 * and {@code delete} of one container, as containerd's go-runc and Docker's shim send them, and the internal
 * {@code gofer} and {@code boot} that every gofer-mode container starts. Global flags are those
 * engines pass ({@code --root}, {@code --log}, {@code --log-format}, {@code --debug}, {@code
 * --systemd-cgroup}) and the {@code --name=value} config flags burrow passes its own processes
 * ({@code Config.toFlags}). picocli's own start-up (its annotation proxies and converters) costs a
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
        case "--root", "--log", "--log-format", "--file-access", "--namespaces", "--id-mapping" -> {
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
            case "--log-format" -> top.logFormat = value;
            case "--file-access" -> top.fileAccess = value;
            case "--namespaces" -> top.namespaces = value;
            default -> top.idMapping = value;
          }
        }
        case "--debug", "--systemd-cgroup", "--overlay", "--multi-container" -> {
          // A bare flag, or the --name=true|false that Config.toFlags writes.
          String value = eq < 0 ? "true" : arg.substring(eq + 1);
          if (!value.equals("true") && !value.equals("false")) {
            return Optional.empty();
          }
          boolean on = value.equals("true");
          switch (name) {
            case "--debug" -> top.debug = on;
            case "--systemd-cgroup" -> top.systemdCgroup = on;
            case "--overlay" -> top.overlay = on;
            default -> top.multiContainer = on;
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
    String command = args[i];
    List<String> rest = List.of(args).subList(i + 1, args.length);
    return switch (command) {
      case "gofer", "boot" -> internal(top, command, rest);
      case "create" -> create(top, rest);
      case "state", "start", "kill", "delete" -> ofOne(top, command, rest);
      default -> Optional.empty();
    };
  }

  /** {@code state|start ID}, {@code kill [--all|-a] ID [SIGNAL]}, {@code delete [--force|-f] ID}. */
  private static Optional<Call> ofOne(BurrowCommand top, String command, List<String> rest) {
    Set<String> flags = switch (command) {
      case "kill" -> Set.of("--all", "-a");
      case "delete" -> Set.of("--force", "-f");
      default -> Set.of();
    };
    Optional<Options> o = Options.parse(rest, Set.of(), flags);
    int positionals = o.map(p -> p.positionals().size()).orElse(0);
    if (positionals < 1 || positionals > (command.equals("kill") ? 2 : 1)) {
      return Optional.empty();
    }
    String id = o.get().positionals().get(0);
    boolean flag = !o.get().flags().isEmpty();
    Callable<Integer> call = switch (command) {
      case "state" -> {
        StateCommand c = new StateCommand();
        c.burrow = top;
        c.id = id;
        yield c;
      }
      case "start" -> {
        StartCommand c = new StartCommand();
        c.burrow = top;
        c.id = id;
        yield c;
      }
      case "kill" -> {
        KillCommand c = new KillCommand();
        c.burrow = top;
        c.all = flag;
        c.id = id;
        if (positionals == 2) {
          c.signal = o.get().positionals().get(1);
        }
        yield c;
      }
      default -> {
        DeleteCommand c = new DeleteCommand();
        c.burrow = top;
        c.force = flag;
        c.id = id;
        yield c;
      }
    };
    return Optional.of(new Call(top, call));
  }

  /** {@code gofer} (its own parser, {@code GoferMain.Args}) or {@code boot}; help goes to picocli. */
  private static Optional<Call> internal(BurrowCommand top, String command, List<String> rest) {
    if (command.equals("gofer")) {
      if (asksForHelp(rest)) {
        return Optional.empty();
      }
      GoferMain.Args gofer;
      try {
        gofer = GoferMain.Args.parse(rest);
      } catch (IllegalArgumentException e) {
        return Optional.empty(); // picocli's usage error
      }
      return Optional.of(new Call(top, () -> GoferMain.run(top.config(), gofer)));
    }
    Optional<Options> o = Options.parse(rest, Set.of("--bundle", "--id", "--control", "--io-fds", "--console-fd"), Set.of());
    if (o.isEmpty() || !o.get().positionals().isEmpty()) {
      return Optional.empty();
    }
    BootCommand boot = new BootCommand();
    boot.burrow = top;
    try {
      boot.bundle = o.get().path("--bundle", null);
      boot.id = o.get().one("--id");
      boot.control = o.get().path("--control", null);
      for (String fd : o.get().all("--io-fds")) {
        boot.ioFds.add(Integer.parseInt(fd));
      }
      String console = o.get().one("--console-fd");
      boot.consoleFd = console == null ? null : Integer.parseInt(console);
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    if (boot.bundle == null || boot.id == null || boot.control == null) {
      return Optional.empty();
    }
    return Optional.of(new Call(top, boot));
  }

  /** {@code create} with the options go-runc and Docker's shim pass, and one id. */
  private static Optional<Call> create(BurrowCommand top, List<String> rest) {
    Optional<Options> o = Options.parse(rest, Set.of("--bundle", "-b", "--pid-file", "--console-socket"),
        Set.of("--no-pivot", "--no-new-keyring"));
    if (o.isEmpty() || o.get().positionals().size() != 1 || o.get().all("--bundle").size() + o.get().all("-b").size() > 1) {
      return Optional.empty();
    }
    CreateCommand c = new CreateCommand();
    c.burrow = top;
    c.id = o.get().positionals().get(0);
    c.bundle = o.get().path("--bundle", o.get().path("-b", Path.of(".")));
    c.pidFile = o.get().path("--pid-file", null);
    c.consoleSocket = o.get().path("--console-socket", null);
    c.noPivot = o.get().flags().contains("--no-pivot");
    c.noNewKeyring = o.get().flags().contains("--no-new-keyring");
    return Optional.of(new Call(top, c));
  }

  private static boolean asksForHelp(List<String> rest) {
    return rest.contains("--help") || rest.contains("-h") || rest.contains("--version") || rest.contains("-V");
  }

  /**
   * One command's arguments: options that take a value ({@code --name value} or {@code
   * --name=value}), bare flags, and positionals. Empty for anything else, for picocli to judge: an
   * unknown option, a missing value, a flag given a value, a value option given twice but for
   * those that repeat, help.
   */
  private record Options(Map<String, List<String>> values, Set<String> flags, List<String> positionals) {
    private static final Set<String> REPEATED = Set.of("--io-fds");

    static Optional<Options> parse(List<String> args, Set<String> valued, Set<String> flagNames) {
      if (asksForHelp(args)) {
        return Optional.empty();
      }
      Map<String, List<String>> values = new java.util.HashMap<>();
      Set<String> flags = new java.util.HashSet<>();
      List<String> positionals = new java.util.ArrayList<>();
      for (int i = 0; i < args.size(); i++) {
        String arg = args.get(i);
        if (!arg.startsWith("-")) {
          if (arg.isEmpty()) {
            return Optional.empty();
          }
          positionals.add(arg);
          continue;
        }
        int eq = arg.indexOf('=');
        String name = eq < 0 ? arg : arg.substring(0, eq);
        if (flagNames.contains(name) && eq < 0) {
          flags.add(name);
          continue;
        }
        if (!valued.contains(name)) {
          return Optional.empty();
        }
        String value;
        if (eq >= 0) {
          value = arg.substring(eq + 1);
        } else if (i + 1 < args.size()) {
          value = args.get(++i);
        } else {
          return Optional.empty();
        }
        List<String> seen = values.computeIfAbsent(name, k -> new java.util.ArrayList<>());
        if (!seen.isEmpty() && !REPEATED.contains(name)) {
          return Optional.empty();
        }
        seen.add(value);
      }
      return Optional.of(new Options(values, flags, positionals));
    }

    List<String> all(String name) {
      return values.getOrDefault(name, List.of());
    }

    String one(String name) {
      List<String> v = all(name);
      return v.isEmpty() ? null : v.get(0);
    }

    Path path(String name, Path otherwise) {
      String v = one(name);
      return v == null ? otherwise : Path.of(v);
    }
  }
}
