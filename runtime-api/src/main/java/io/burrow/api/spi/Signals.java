package io.burrow.api.spi;

import java.util.Locale;
import java.util.Map;

/** Linux signal names and numbers (x86_64 and arm64 agree on these), as {@code kill} accepts them. */
public final class Signals {
  public static final int SIGKILL = 9;
  public static final int SIGTERM = 15;
  private static final int SIGRTMIN = 34;
  private static final int SIGRTMAX = 64;

  private static final Map<String, Integer> BY_NAME = Map.ofEntries(
      Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4),
      Map.entry("TRAP", 5), Map.entry("ABRT", 6), Map.entry("IOT", 6), Map.entry("BUS", 7),
      Map.entry("FPE", 8), Map.entry("KILL", 9), Map.entry("USR1", 10), Map.entry("SEGV", 11),
      Map.entry("USR2", 12), Map.entry("PIPE", 13), Map.entry("ALRM", 14), Map.entry("TERM", 15),
      Map.entry("STKFLT", 16), Map.entry("CHLD", 17), Map.entry("CONT", 18), Map.entry("STOP", 19),
      Map.entry("TSTP", 20), Map.entry("TTIN", 21), Map.entry("TTOU", 22), Map.entry("URG", 23),
      Map.entry("XCPU", 24), Map.entry("XFSZ", 25), Map.entry("VTALRM", 26), Map.entry("PROF", 27),
      Map.entry("WINCH", 28), Map.entry("IO", 29), Map.entry("POLL", 29), Map.entry("PWR", 30),
      Map.entry("SYS", 31));

  private Signals() {}

  /** Parses "9", "KILL", "SIGKILL" or "sigkill"; throws naming the bad value. */
  public static int parse(String text) {
    String s = text.trim().toUpperCase(Locale.ROOT);
    if (s.matches("\\d+")) {
      // Leading zeros are fine ("09"); anything too long for an int is not a signal.
      int n = s.replaceFirst("^0+(?=\\d)", "").length() > 2 ? -1 : Integer.parseInt(s);
      if (n >= 1 && n <= SIGRTMAX) {
        return n;
      }
    } else {
      if (s.startsWith("SIG")) {
        s = s.substring(3);
      }
      Integer n = BY_NAME.get(s);
      if (n != null) {
        return n;
      }
      if (s.matches("RTMIN(\\+\\d{1,2})?")) {
        int rt = SIGRTMIN + (s.length() > 5 ? Integer.parseInt(s.substring(6)) : 0);
        if (rt <= SIGRTMAX) {
          return rt;
        }
      }
    }
    throw new IllegalArgumentException("invalid signal '" + text + "'");
  }
}
