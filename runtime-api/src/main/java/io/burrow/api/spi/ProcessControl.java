package io.burrow.api.spi;

import io.burrow.api.spec.NamespaceType;
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

  /**
   * Reaps {@code process} if it is an exited child of this process that nobody waited for (an
   * embedding application that deletes a container it never waited for); otherwise does nothing.
   */
  default void reapIfChild(ProcessId process) {}

  /** Every live process in the same pid namespace as {@code process}, itself included. */
  List<ProcessId> pidNamespaceMembers(ProcessId process);

  /** True when the live {@code process} is pid 1 of its own pid namespace (the last field of NSpid is 1). */
  boolean leadsPidNamespace(ProcessId process);

  /** The live {@code process} and its live descendants (by parent pid), or nothing when it is gone. */
  List<ProcessId> processTree(ProcessId process);

  /**
   * Opens {@code /proc/PID/ns/NAME} of the live {@code process} for each type, in order, and checks
   * afterwards that the pid still names that process, so the files are its namespaces even if
   * it has exited and its pid been reused meanwhile. The caller owns and closes the files; on
   * failure none stays open.
   */
  List<IoFile> openNamespaces(ProcessId process, List<NamespaceType> types) throws IOException;

  /**
   * Confines the calling sandbox process for good once its init runs, as runsc's sandbox is
   * confined: chroot to {@code emptyRoot} (chdir "/"), so that it reaches no host file by path;
   * then, with {@code unprivilegedId}, every uid and gid of every thread set to that id, which
   * clears every thread's capabilities but CAP_KILL on the calling thread, which started the init
   * and must be able to deliver its parent-death signal; no_new_privs; and a seccomp allowlist of what a sandbox
   * does from then on (serve its mounts over the fds it holds, wait for its init) on every
   * thread. Fds it holds keep working.
   *
   * @param unprivilegedId a non-zero id its user namespace maps as a uid and a gid; empty to
   *     keep root's ids (and capabilities) when no such id is mapped
   */
  void confine(java.nio.file.Path emptyRoot, java.util.OptionalInt unprivilegedId) throws IOException;

  /**
   * Points fds 0-2 of the calling process at /dev/null. A sandbox calls it once its init has
   * its own copies of the container's stdio, so that it neither writes into the container's
   * output nor keeps the client's pipes open.
   */
  void releaseStdio() throws IOException;

  /** Polls with backoff until the process is gone or a zombie; returns false on timeout. */
  boolean awaitDeath(ProcessId process, Duration timeout);
}
