package io.burrow.api.spi;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Starts container inits in new or joined namespaces, and later lets them run. Implementations are
 * thread-safe; each launch owns its own helper process and sync channel.
 */
public interface NamespaceLauncher {
  /**
   * Runs the plan in a fresh exec helper until the init reports ready (blocked before exec on its
   * start gate). On failure every process the launch started is killed and reaped, and the
   * exception carries the failing step.
   *
   * @return the init's pid in the caller's pid namespace; the init is a child of the caller
   */
  ProcessId launch(LaunchRequest request) throws LaunchException;

  /**
   * Creates the start gate (a fifo) the plan's OPEN_FIFO op refers to, writable by the host
   * {@code uid}/{@code gid} that the container's root maps to.
   */
  void createStartGate(Path gate, long uid, long gid) throws IOException;

  /**
   * Opens the start gate so that the init blocked on it executes its program. Fails, rather than
   * hangs, when the init is dead or does not answer within {@code timeout}.
   */
  void release(Path gate, ProcessId init, Duration timeout) throws IOException;
}
