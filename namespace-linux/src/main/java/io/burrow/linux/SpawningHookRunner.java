package io.burrow.linux;

import io.burrow.linux.sys.Fd;

import io.burrow.linux.sys.Native;

import io.burrow.api.spec.Hooks;
import io.burrow.api.spi.HookRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs hooks with {@link PosixSpawner}, because a hook's argv[0] may differ from its path (Docker's
 * {@code /proc/PID/exe libnetwork-setkey ...} depends on that) and ProcessBuilder cannot do it.
 * The hook's output goes to a temporary file that is quoted in the error when the hook fails.
 * Thread-safe.
 */
public final class SpawningHookRunner implements HookRunner {
  private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);
  private static final int WNOHANG = 1;

  @Override
  public void run(Hooks.Hook hook, byte[] stateJson) throws IOException {
    String name = "hook " + hook.path;
    List<String> argv = hook.args == null || hook.args.isEmpty() ? List.of(hook.path) : hook.args;
    List<String> env = hook.env == null ? List.of() : hook.env;
    Duration timeout = hook.timeout == null ? DEFAULT_TIMEOUT : Duration.ofSeconds(hook.timeout);
    Path output = Files.createTempFile("burrow-hook", ".out");
    int[] pipe = new int[2];
    if (Native.posix().pipe(pipe) < 0) {
      throw new IOException(Native.error("pipe for " + name));
    }
    Fd stdinRead = new Fd(pipe[0], "stdin of " + name);
    Fd stdinWrite = new Fd(pipe[1], "state pipe of " + name);
    int out = Native.posix().open(output.toString(), Native.O_WRONLY | Native.O_CLOEXEC, 0);
    try (Fd outFd = new Fd(out, "output of " + name)) {
      int pid;
      try {
        pid = PosixSpawner.spawn(hook.path, argv, env, List.of(stdinRead.fd(), outFd.fd(), outFd.fd()));
      } catch (RuntimeException e) {
        throw new IOException(name + ": " + e.getMessage(), e);
      } finally {
        stdinRead.close();
      }
      // The state fits in the pipe buffer; a hook that never reads it still gets EOF.
      Native.posix().write(stdinWrite.fd(), stateJson, stateJson.length);
      stdinWrite.close();
      int status = awaitExit(pid, timeout, name);
      if (status != 0) {
        String printed = Files.readString(output, StandardCharsets.UTF_8).strip();
        throw new IOException(name + " failed (" + ExecHelperLauncher.describeExit(status) + ")"
            + (printed.isEmpty() ? "" : ": " + printed));
      }
    } finally {
      stdinWrite.close();
      Files.deleteIfExists(output);
    }
  }

  private static int awaitExit(int pid, Duration timeout, String name) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int[] status = new int[1];
    long sleep = 1;
    while (true) {
      int rc = Native.posix().waitpid(pid, status, WNOHANG);
      if (rc == pid) {
        return status[0];
      }
      if (rc < 0 && Native.errno() != Native.EINTR) {
        throw new IOException(Native.error("wait for " + name));
      }
      if (System.nanoTime() > deadline) {
        Native.kill(pid, 9);
        Native.posix().waitpid(pid, status, 0);
        throw new IOException(name + " timed out after " + timeout.toSeconds() + " s and was killed");
      }
      try {
        Thread.sleep(sleep);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(name + ": interrupted");
      }
      sleep = Math.min(sleep * 2, 50);
    }
  }
}
