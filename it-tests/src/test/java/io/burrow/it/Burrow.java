package io.burrow.it;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Runs the burrow executable with a fixed {@code --root}. Every invocation's stdout and stderr go
 * to files (never pipes: a container inherits the stdio of {@code create}, so a pipe would stay
 * open as long as the container runs), stdin is /dev/null unless given, and every invocation has
 * a hard timeout after which burrow and its descendants are killed and the test fails.
 * Thread-safe.
 */
public final class Burrow {
  /** The environment variable every burrow process of a test carries, so a leaked one can be found. */
  static final String MARK_ENV = "BURROW_IT_MARK";

  private final Path executable;
  private final Path root;
  private final Path outDir;
  private final Duration timeout;
  private final String mark;
  private final List<String> globalFlags;
  private final AtomicInteger seq;
  private final Consumer<List<String>> observer;

  /**
   * @param mark the value of {@link #MARK_ENV} for every invocation
   * @param observer sees the arguments (after the global flags) of every invocation before it starts
   */
  Burrow(Path executable, Path root, Path outDir, Duration timeout, String mark, Consumer<List<String>> observer) {
    this(executable, root, outDir, timeout, mark, List.of(), new AtomicInteger(), observer);
  }

  private Burrow(Path executable, Path root, Path outDir, Duration timeout, String mark, List<String> globalFlags,
      AtomicInteger seq, Consumer<List<String>> observer) {
    this.observer = observer;
    this.executable = executable;
    this.root = root;
    this.outDir = outDir;
    this.timeout = timeout;
    this.mark = mark;
    this.globalFlags = List.copyOf(globalFlags);
    this.seq = seq;
  }

  /** The configured executable: system property {@code burrow.executable}, default {@code ../cli/target/burrow}. */
  static Path configuredExecutable() {
    return Path.of(System.getProperty("burrow.executable", "../cli/target/burrow")).toAbsolutePath().normalize();
  }

  /** The configured per-invocation timeout: system property {@code burrow.it.timeout} in seconds, default 60. */
  static Duration configuredTimeout() {
    return Duration.ofSeconds(Long.getLong("burrow.it.timeout", 60));
  }

  /**
   * Extra global flags for every invocation, from the system property {@code burrow.it.globalFlags}
   * (space-separated, e.g. {@code "--file-access gofer"}), so the whole suite can run in another
   * mode. A flag a test gives itself wins over the same flag here.
   */
  static List<String> defaultFlags(List<String> explicit) {
    String prop = System.getProperty("burrow.it.globalFlags", "").trim();
    if (prop.isEmpty()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    String[] parts = prop.split("\\s+");
    for (int i = 0; i < parts.length; i++) {
      String flag = parts[i];
      boolean takesValue = i + 1 < parts.length && !parts[i + 1].startsWith("-");
      String name = flag.contains("=") ? flag.substring(0, flag.indexOf('=')) : flag;
      boolean overridden = explicit.stream().anyMatch(e -> e.equals(name) || e.startsWith(name + "="));
      if (!overridden) {
        out.add(flag);
        if (takesValue) {
          out.add(parts[i + 1]);
        }
      }
      if (takesValue) {
        i++;
      }
    }
    return out;
  }

  public Path root() {
    return root;
  }

  /** This runner with extra global flags (placed after {@code --root}, before the command). */
  public Burrow withGlobalFlags(String... flags) {
    List<String> all = new ArrayList<>(globalFlags);
    all.addAll(Arrays.asList(flags));
    return new Burrow(executable, root, outDir, timeout, mark, all, seq, observer);
  }

  /** This runner with another per-invocation timeout. */
  public Burrow withTimeout(Duration t) {
    return new Burrow(executable, root, outDir, t, mark, globalFlags, seq, observer);
  }

  /** Runs {@code burrow --root ROOT [flags] ARGS...} with stdin from /dev/null. */
  public Result run(String... args) {
    return invoke(null, true, args);
  }

  /** Runs burrow with stdin from {@code stdin}. */
  public Result runWithStdin(Path stdin, String... args) {
    return invoke(stdin, true, args);
  }

  /** Runs burrow without the {@code --root} flag (for {@code --version}). */
  public Result runWithoutRoot(String... args) {
    return invoke(null, false, args);
  }

  /**
   * Runs burrow and sends SIGKILL to the burrow process alone (not its children, as a harness's
   * timeout or the OOM killer would) once {@code delay} has passed, unless it ended before.
   * The result's exit code is -9 when it was killed.
   */
  public Result runKilledAfter(Duration delay, String... args) {
    return invoke(null, true, delay, args);
  }

  private Result invoke(Path stdin, boolean withRoot, String... args) {
    return invoke(stdin, withRoot, null, args);
  }

  private Result invoke(Path stdin, boolean withRoot, Duration killAfter, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(executable.toString());
    if (withRoot) {
      cmd.add("--root");
      cmd.add(root.toString());
    }
    cmd.addAll(defaultFlags(globalFlags));
    cmd.addAll(globalFlags);
    cmd.addAll(Arrays.asList(args));
    observer.accept(List.of(args));
    int n = seq.incrementAndGet();
    String tag = String.format("%03d-%s", n, args.length > 0 ? args[0].replaceAll("[^A-Za-z0-9-]", "") : "none");
    Path out = outDir.resolve(tag + ".stdout");
    Path err = outDir.resolve(tag + ".stderr");
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.redirectOutput(out.toFile());
    pb.redirectError(err.toFile());
    pb.redirectInput(ProcessBuilder.Redirect.from(stdin == null ? new File("/dev/null") : stdin.toFile()));
    Map<String, String> env = pb.environment();
    env.put(MARK_ENV, mark);
    long start = System.nanoTime();
    Process p;
    try {
      if (!Files.isExecutable(executable)) {
        throw new AssertionError("burrow executable " + executable + " does not exist or is not executable; "
            + "build the cli module first (mvn -B install -DskipTests) or set -Dburrow.executable=PATH");
      }
      p = pb.start();
    } catch (IOException e) {
      throw new AssertionError("cannot start " + cmd + ": " + e.getMessage(), e);
    }
    boolean finished;
    try {
      if (killAfter != null && !p.waitFor(killAfter.toNanos(), TimeUnit.NANOSECONDS)) {
        p.destroyForcibly(); // SIGKILL
        p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Result killed = new Result(cmd, -9, out, err, Duration.ofNanos(System.nanoTime() - start));
        logInvocation(killed);
        return killed;
      }
      finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      Host.killTree(p.toHandle());
      throw new AssertionError("interrupted while running " + String.join(" ", cmd), e);
    }
    if (!finished) {
      List<Long> killed = new ArrayList<>();
      p.toHandle().descendants().forEach(h -> killed.add(h.pid()));
      Host.killTree(p.toHandle());
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      Result partial = new Result(cmd, -1, out, err, Duration.ofNanos(System.nanoTime() - start));
      throw new AssertionError("TIMEOUT: `" + String.join(" ", cmd) + "` did not finish within " + timeout.toSeconds()
          + " s; killed it (pid " + p.pid() + ") and its descendants " + killed + "\n" + partial.outputs());
    }
    Result result = new Result(cmd, p.exitValue(), out, err, Duration.ofNanos(System.nanoTime() - start));
    logInvocation(result);
    return result;
  }

  /** Appends one line per invocation (elapsed ms, exit code, command) to target/burrow-it-invocations.log. */
  private static boolean logStarted;

  private static synchronized void logInvocation(Result r) {
    try {
      Path log = Path.of(System.getProperty("burrow.it.invocationLog", "target/burrow-it-invocations.log"));
      if (log.getParent() != null && Files.isDirectory(log.getParent())) {
        if (!logStarted) {
          Files.writeString(log, "# burrow invocations of the test run started " + java.time.Instant.now() + "\n");
          logStarted = true;
        }
        Files.writeString(log, String.format("%6d ms  exit %3d  %s%n", r.elapsed().toMillis(), r.exitCode(), r.commandLine()),
            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
      }
    } catch (IOException e) {
      // the log is a diagnostic only
    }
  }

  /** One finished invocation. The output files stay valid (and may keep growing, for create). */
  public static final class Result {
    private final List<String> command;
    private final int exitCode;
    private final Path stdoutFile;
    private final Path stderrFile;
    private final Duration elapsed;

    Result(List<String> command, int exitCode, Path stdoutFile, Path stderrFile, Duration elapsed) {
      this.command = List.copyOf(command);
      this.exitCode = exitCode;
      this.stdoutFile = stdoutFile;
      this.stderrFile = stderrFile;
      this.elapsed = elapsed;
    }

    public int exitCode() {
      return exitCode;
    }

    public List<String> command() {
      return command;
    }

    /** The current content of the invocation's stdout file (a container started by create keeps writing to it). */
    public String stdout() {
      return read(stdoutFile);
    }

    public String stderr() {
      return read(stderrFile);
    }

    public Path stdoutFile() {
      return stdoutFile;
    }

    public Path stderrFile() {
      return stderrFile;
    }

    public Duration elapsed() {
      return elapsed;
    }

    /** Asserts exit code 0 and returns this. */
    public Result ok() {
      if (exitCode != 0) {
        throw new AssertionError("expected exit 0 from `" + commandLine() + "` but got " + exitCode + "\n" + outputs());
      }
      return this;
    }

    /**
     * Asserts a failure as the CLI contract describes it: a non-zero exit and a message on stderr
     * starting with {@code burrow: }. Returns this.
     */
    public Result failed() {
      if (exitCode == 0) {
        throw new AssertionError("expected `" + commandLine() + "` to fail but it exited 0\n" + outputs());
      }
      if (!stderr().startsWith("burrow: ") && !stderr().contains("\nburrow: ")) {
        throw new AssertionError("`" + commandLine() + "` failed (exit " + exitCode + ") but stderr has no line starting with 'burrow: '\n" + outputs());
      }
      return this;
    }

    /** The first stderr line that starts with {@code burrow: }, or all of stderr. */
    public String errorMessage() {
      for (String line : stderr().split("\n")) {
        if (line.startsWith("burrow: ")) {
          return line;
        }
      }
      return stderr();
    }

    public String commandLine() {
      return String.join(" ", command);
    }

    /** A description of this invocation for assertion messages. */
    public String outputs() {
      return "command: " + commandLine() + "\nexit: " + exitCode + "\n--- stdout ---\n" + clip(stdout())
          + "\n--- stderr ---\n" + clip(stderr()) + "\n---";
    }

    @Override
    public String toString() {
      return outputs();
    }

    private static String clip(String s) {
      return s.length() > 8000 ? s.substring(0, 8000) + "\n[... " + (s.length() - 8000) + " more chars]" : s;
    }

    private static String read(Path f) {
      try {
        return Files.readString(f);
      } catch (IOException e) {
        return "<cannot read " + f + ": " + e.getMessage() + ">";
      }
    }
  }
}
