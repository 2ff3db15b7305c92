package io.burrow.cli;

import io.burrow.cli.logging.LogSink;
import io.burrow.core.ContainerException;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;

/**
 * The {@code burrow} executable. Errors become one line on standard error starting with
 * {@code burrow: }, an error record in the log, and exit status 1; usage errors exit 2.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  static int execute(String... args) {
    Optional<HotPath.Call> hot = HotPath.parse(args);
    if (hot.isPresent()) {
      return run(hot.get().top(), hot.get().command());
    }
    CommandLine cli = new CommandLine(new BurrowCommand());
    for (Class<?> command : subcommandsFor(cli, args)) {
      cli.addSubcommand(command);
    }
    // "--file-access gofer": a value may be spelled like a (hidden) subcommand.
    cli.setAllowSubcommandsAsOptionParameters(true);
    // As runc's: exec's and ps's options end at the container id; what follows is the program's or ps's.
    for (String name : List.of("exec", "ps")) {
      CommandLine sub = cli.getSubcommands().get(name);
      if (sub != null) {
        sub.setStopAtPositional(true);
      }
    }
    cli.setExecutionStrategy(parsed -> {
      BurrowCommand top = parsed.asCommandLineList().get(0).getCommand();
      try {
        top.configureLogging();
      } catch (java.io.IOException e) {
        throw new CommandLine.ExecutionException(parsed.commandSpec().commandLine(),
            "cannot open log file " + top.log + ": " + e.getMessage(), e);
      }
      return new CommandLine.RunLast().execute(parsed);
    });
    cli.setExecutionExceptionHandler((e, commandLine, parsed) -> failed(e, commandLine.getCommand()));
    cli.setParameterExceptionHandler((e, a) -> {
      System.err.println("burrow: " + e.getMessage());
      e.getCommandLine().usage(System.err);
      return 2;
    });
    return cli.execute(args);
  }

  /** Runs a {@link HotPath} call as picocli's execution strategy would. */
  private static int run(BurrowCommand top, java.util.concurrent.Callable<Integer> command) {
    try {
      top.configureLogging();
    } catch (java.io.IOException e) {
      return failed(new IllegalStateException("cannot open log file " + top.log + ": " + e.getMessage(), e), command);
    }
    try {
      return command.call();
    } catch (Exception e) {
      return failed(e, command);
    }
  }

  /** Reports a command's failure and returns the exit status it calls for. */
  private static int failed(Exception e, Object command) {
    boolean expected = e instanceof ContainerException || e instanceof IllegalArgumentException
        || e instanceof IllegalStateException;
    String message = expected ? e.getMessage() : e.toString();
    // An unexpected exception is a bug: keep its stack trace in the log. An expected one is
    // recorded only in a log file; on standard error the line below says it once.
    if (!expected || LogSink.toFile()) {
      LogSink.log(LogSink.Level.ERROR, "burrow", message, expected ? null : e);
    }
    System.err.println("burrow: " + message);
    // runc exits 255 when exec cannot start the process, so callers can tell it from the program's status.
    return command instanceof ExecCommand ? 255 : 1;
  }

  /**
   * The subcommand {@code args} name, or all of them when the call names none (help, a typo): picocli
   * builds each registered command's model by reflection, and building all seventeen is a good part
   * of a short call's time. The first word that is neither a global option nor its value is the
   * command, as picocli itself will read it; anything unclear gets every command, so the answer is
   * always picocli's own.
   */
  static List<Class<?>> subcommandsFor(CommandLine top, String... args) {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--")) {
        break;
      }
      if (arg.startsWith("-")) {
        int eq = arg.indexOf('=');
        CommandLine.Model.OptionSpec option = top.getCommandSpec().findOption(eq < 0 ? arg : arg.substring(0, eq));
        if (option != null && eq < 0 && option.arity().min() > 0) {
          i++;
        }
        continue;
      }
      for (Class<?> command : BurrowCommand.SUBCOMMANDS) {
        CommandLine.Command c = command.getAnnotation(CommandLine.Command.class);
        if (c.name().equals(arg) || List.of(c.aliases()).contains(arg)) {
          return List.of(command);
        }
      }
      break;
    }
    return BurrowCommand.SUBCOMMANDS;
  }
}
