package io.burrow.cli;

import io.burrow.api.spi.Signals;
import java.util.ArrayList;
import java.util.List;
import sun.misc.Signal;

/**
 * Forwards the signals a user sends burrow to end or steer a program (TERM, INT, HUP, USR1, USR2,
 * WINCH) to that program's pid. The handlers are installed at construction, before the program
 * exists: a signal that arrives before {@link #target} is known is kept and delivered then,
 * instead of killing burrow and leaving the program running unseen. One per process;
 * thread-safe (handlers run on the JVM's signal thread).
 */
final class SignalForwarder {
  private static final List<String> FORWARDED = List.of("TERM", "INT", "HUP", "USR1", "USR2", "WINCH");

  private final List<Integer> pending = new ArrayList<>();
  private int pid;

  SignalForwarder() {
    for (String name : FORWARDED) {
      int number = Signals.parse(name);
      try {
        Signal.handle(new Signal(name), s -> deliver(number));
      } catch (IllegalArgumentException reservedByTheJvm) {
        // e.g. SIGQUIT and, on some JVMs, SIGUSR2: the program does not get these from us
      }
    }
  }

  /** From now on signals go to {@code target}; those that came before go now, in order. */
  synchronized void target(int target) {
    pid = target;
    pending.forEach(this::send);
    pending.clear();
  }

  private synchronized void deliver(int signal) {
    if (pid == 0) {
      pending.add(signal);
    } else {
      send(signal);
    }
  }

  private void send(int signal) {
    io.burrow.linux.sys.Native.kill(pid, signal);
  }
}
