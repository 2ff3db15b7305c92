package io.burrow.api.spi;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Observes and signals host processes by {@link ProcessId}. Thread-safe. */
public interface ProcessControl {
  /** The identity of a live process, or empty when there is none with that pid. */
  Optional<ProcessId> identify(int pid);

  /** True when the process exists, is not a zombie, and is the same process (same start time). */
  boolean isAlive(ProcessId process);

  /**
   * Sends {@code signal}; a process that is gone (or was replaced) is not an error.
   *
   * @return true when the signal was delivered
   */
  boolean signal(ProcessId process, int signal) throws IOException;

  /** Waits for a child of this process to exit and reaps it; returns its exit status (128+N after signal N). */
  int waitForExit(ProcessId child) throws IOException;

  /** Every live process in the same pid namespace as {@code process}, itself included. */
  List<ProcessId> pidNamespaceMembers(ProcessId process);

  /**
   * Confines the calling process to {@code emptyRoot} (chroot, chdir "/") and sets no_new_privs,
   * so that it reaches no host file by path any more. Fds it holds keep working.
   */
  void confine(java.nio.file.Path emptyRoot) throws IOException;

  /**
   * Points fds 0-2 of the calling process at /dev/null. A sandbox calls it once its init has
   * its own copies of the container's stdio, so that it neither writes into the container's
   * output nor keeps the client's pipes open.
   */
  void releaseStdio() throws IOException;

  /** Polls with backoff until the process is gone or a zombie; returns false on timeout. */
  boolean awaitDeath(ProcessId process, Duration timeout);
}
