package io.burrow.it;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the command-line clients that drive burrow (ctr, podman) for one test. stdout and stderr go
 * to files under {@code OUT} (never pipes: a container's stdio may be handed down to processes that
 * outlive the client), stdin is /dev/null unless a file is given, every call has a hard timeout
 * after which the client and its descendants are SIGKILLed and the test fails with the command and
 * what it printed so far. Every call carries {@link Burrow#MARK_ENV} so leaked processes are found.
 * Thread-safe.
 */
final class ClientCommand {
  private final Path outDir;
  private final String mark;
  private final Map<String, String> env;
  private final Duration timeout;
  private final AtomicInteger seq;

  ClientCommand(Path outDir, String mark, Map<String, String> env, Duration timeout) {
    this(outDir, mark, env, timeout, new AtomicInteger());
  }

  private ClientCommand(Path outDir, String mark, Map<String, String> env, Duration timeout, AtomicInteger seq) {
    this.outDir = outDir;
    this.mark = mark;
    this.env = Map.copyOf(env);
    this.timeout = timeout;
    this.seq = seq;
  }

  /** This runner with another hard timeout per call. */
  ClientCommand withTimeout(Duration t) {
    return new ClientCommand(outDir, mark, env, t, seq);
  }

  /** Runs {@code command} with stdin from /dev/null. */
  Result run(List<String> command) {
    return run(null, command);
  }

  /** Runs {@code command} with stdin from {@code stdin} (null: /dev/null). */
  Result run(Path stdin, List<String> command) {
    String tag = String.format("c%03d-%s", seq.incrementAndGet(), Path.of(command.get(0)).getFileName());
    Path out = outDir.resolve(tag + ".stdout");
    Path err = outDir.resolve(tag + ".stderr");
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.redirectOutput(out.toFile());
    pb.redirectError(err.toFile());
    pb.redirectInput(ProcessBuilder.Redirect.from(stdin == null ? new File("/dev/null") : stdin.toFile()));
    pb.environment().putAll(env);
    pb.environment().put(Burrow.MARK_ENV, mark);
    long start = System.nanoTime();
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new AssertionError("cannot start " + String.join(" ", command) + ": " + e.getMessage(), e);
    }
    boolean finished;
    try {
      finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      Host.killTree(p.toHandle());
      throw new AssertionError("interrupted while running " + String.join(" ", command), e);
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    if (!finished) {
      List<Long> killed = new ArrayList<>();
      p.toHandle().descendants().forEach(h -> killed.add(h.pid()));
      Host.killTree(p.toHandle());
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new AssertionError("TIMEOUT: `" + String.join(" ", command) + "` did not finish within " + timeout.toSeconds()
          + " s; killed it (pid " + p.pid() + ") and its descendants " + killed + "\n"
          + new Result(command, -1, out, err, elapsed).outputs());
    }
    return new Result(command, p.exitValue(), out, err, elapsed);
  }

  /** The environment every call gets (besides the mark). */
  Map<String, String> env() {
    return new HashMap<>(env);
  }

  /** One finished call. */
  record Result(List<String> command, int exitCode, Path stdoutFile, Path stderrFile, Duration elapsed) {
    String stdout() {
      return read(stdoutFile);
    }

    String stderr() {
      return read(stderrFile);
    }

    /** Asserts exit code 0 and returns this. */
    Result ok() {
      if (exitCode != 0) {
        throw new AssertionError("expected exit 0 from `" + commandLine() + "` but got " + exitCode + "\n" + outputs());
      }
      return this;
    }

    String commandLine() {
      return String.join(" ", command);
    }

    /** A description of this call for assertion messages. */
    String outputs() {
      return "command: " + commandLine() + "\nexit: " + exitCode + " after " + elapsed.toMillis() + " ms\n--- stdout ---\n"
          + clip(stdout()) + "\n--- stderr ---\n" + clip(stderr()) + "\n---";
    }

    @Override
    public String toString() {
      return outputs();
    }

    private static String clip(String s) {
      return s.length() > 6000 ? s.substring(0, 6000) + "\n[... " + (s.length() - 6000) + " more chars]" : s;
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
