package io.burrow.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Small host-side helpers: running host commands and reading /proc. */
final class Host {
  private Host() {}

  /** The result of a host command. */
  record Cmd(List<String> command, int exitCode, String output) {
    Cmd ok() {
      if (exitCode != 0) {
        throw new AssertionError("host command " + command + " exited " + exitCode + ":\n" + output);
      }
      return this;
    }
  }

  /** Runs a host command (stdout and stderr merged) with a hard timeout. */
  static Cmd sh(Duration timeout, String... command) {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Path out;
    try {
      out = Files.createTempFile("burrow-it-host", ".out");
    } catch (IOException e) {
      throw new AssertionError("cannot create temp file", e);
    }
    pb.redirectOutput(out.toFile());
    try {
      Process p = pb.start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        killTree(p.toHandle());
        throw new AssertionError("host command " + Arrays.toString(command) + " did not finish within " + timeout.toSeconds() + " s; killed");
      }
      return new Cmd(List.of(command), p.exitValue(), Files.readString(out));
    } catch (IOException e) {
      throw new AssertionError("cannot run " + Arrays.toString(command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted running " + Arrays.toString(command), e);
    } finally {
      try {
        Files.deleteIfExists(out);
      } catch (IOException ignored) {
        // a temp file left behind is harmless
      }
    }
  }

  static Cmd sh(String... command) {
    return sh(Duration.ofSeconds(60), command);
  }

  /** SIGKILLs a process and all its descendants, deepest first. */
  static void killTree(ProcessHandle handle) {
    List<ProcessHandle> all = new ArrayList<>();
    handle.descendants().forEach(all::add);
    all.add(handle);
    handle.destroyForcibly();
    for (ProcessHandle h : all) {
      h.destroyForcibly();
    }
  }

  static boolean isRoot() {
    try {
      return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    } catch (IOException e) {
      throw new AssertionError("cannot read the uid of /proc/self", e);
    }
  }

  /** Fields of /proc/PID/stat after the command name; index 0 is the state letter (field 3 of proc(5)). */
  static Optional<String[]> statFields(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      int close = stat.lastIndexOf(')');
      return Optional.of(stat.substring(close + 2).trim().split(" "));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The process's start time in clock ticks since boot (field 22), identifying it against pid reuse. */
  static Optional<Long> startTime(long pid) {
    return statFields(pid).map(f -> Long.parseLong(f[19]));
  }

  /** The parent's pid (field 4), or empty when there is no such process. */
  static Optional<Long> ppid(long pid) {
    return statFields(pid).map(f -> Long.parseLong(f[1]));
  }

  /** The process state letter (R, S, D, Z, ...) or empty when there is no such process. */
  static Optional<String> state(long pid) {
    return statFields(pid).map(f -> f[0]);
  }

  /** True when the process exists and is not a zombie (zombies are dead; pid 1 here never reaps them). */
  static boolean alive(long pid) {
    return state(pid).map(s -> !s.equals("Z") && !s.equals("X")).orElse(false);
  }

  static boolean aliveSame(long pid, long startTime) {
    return alive(pid) && startTime(pid).map(t -> t == startTime).orElse(false);
  }

  static String cmdline(long pid) {
    try {
      byte[] b = Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"));
      return new String(b, StandardCharsets.UTF_8).replace('\0', ' ').trim();
    } catch (IOException e) {
      return "";
    }
  }

  /** The target of /proc/PID/ns/NAME, e.g. {@code net:[4026531840]}, or empty. */
  static Optional<String> ns(long pid, String name) {
    try {
      return Optional.of(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + name)).toString());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  static String selfNs(String name) {
    return ns(ProcessHandle.current().pid(), name).orElseThrow(() -> new AssertionError("no /proc/self/ns/" + name));
  }

  /** Every numeric entry of /proc. */
  static List<Long> allPids() {
    List<Long> pids = new ArrayList<>();
    try (var dir = Files.newDirectoryStream(Path.of("/proc"))) {
      for (Path p : dir) {
        String name = p.getFileName().toString();
        if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
          pids.add(Long.parseLong(name));
        }
      }
    } catch (IOException e) {
      throw new AssertionError("cannot list /proc", e);
    }
    return pids;
  }

  /** Mount points of the host (this JVM's) mount namespace, in mountinfo order. */
  static List<String> mountPoints() {
    List<String> points = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String[] f = line.split(" ");
        if (f.length > 4) {
          points.add(unescapeOctal(f[4]));
        }
      }
    } catch (IOException e) {
      throw new AssertionError("cannot read /proc/self/mountinfo", e);
    }
    return points;
  }

  /** mountinfo escapes space, tab, newline and backslash as \ooo. */
  static String unescapeOctal(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 4 <= s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  static boolean under(String path, Path dir) {
    String d = dir.toString();
    return path.equals(d) || path.startsWith(d.endsWith("/") ? d : d + "/");
  }

  /** Polls {@code condition} until true or the deadline passes; a guard against hangs, not a timing assertion. */
  static boolean eventually(Duration deadline, java.util.function.BooleanSupplier condition) {
    long end = System.nanoTime() + deadline.toNanos();
    long sleep = 10;
    while (true) {
      if (condition.getAsBoolean()) {
        return true;
      }
      if (System.nanoTime() > end) {
        return false;
      }
      try {
        Thread.sleep(sleep);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      sleep = Math.min(sleep * 2, 200);
    }
  }
}
