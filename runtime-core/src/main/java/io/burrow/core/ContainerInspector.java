package io.burrow.core;

import io.burrow.api.spi.ProcessControl;
import io.burrow.api.spi.ProcessId;
import io.burrow.api.state.ContainerState;
import io.burrow.api.state.Status;
import io.burrow.core.store.ContainerRecord;
import io.burrow.core.store.ContainerStore;
import io.burrow.core.store.ContainerStore.ContainerLock;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a container's state is and how its init is signalled: all that {@code state}, {@code list}
 * and {@code kill} need, from the store and the process control alone. {@link Container} answers
 * the same questions through it, so a runtime built without an injector ({@link
 * BurrowRuntime.Builder#buildInspector()}) and a full one agree. Immutable and thread-safe; it
 * owns nothing (each {@link #kill} takes and releases the container's lock).
 */
public final class ContainerInspector {
  private final ContainerStore store;
  private final ProcessControl processes;

  public ContainerInspector(ContainerStore store, ProcessControl processes) {
    this.store = store;
    this.processes = processes;
  }

  /** The state of one container, read without taking its lock. */
  public ContainerState state(String id) throws ContainerException {
    return state(store.read(id).orElseThrow(() -> ContainerStore.notFound(id)));
  }

  /** The state of every container under the root, by id. */
  public List<ContainerState> list() throws ContainerException {
    List<ContainerState> states = new ArrayList<>();
    for (ContainerRecord record : store.list()) {
      states.add(state(record));
    }
    return states;
  }

  /** Signals a container's init under its lock, as {@code burrow kill} without {@code --all}. */
  public void kill(String id, int signal) throws ContainerException {
    try (ContainerLock lock = store.lock(id)) {
      ContainerRecord record = lock.read().orElseThrow(() -> ContainerStore.notFound(id));
      kill(lock, record, signal, List.of());
    }
  }

  /**
   * The live status: the recorded one while the init (and the sandbox serving its files, if any)
   * still runs, otherwise stopped.
   */
  Status status(ContainerRecord record) {
    if (record.status() == Status.STOPPED) {
      return Status.STOPPED;
    }
    boolean sandboxAlive = record.sandbox() == null || processes.isAlive(record.sandbox());
    if (record.init() == null) {
      // A pod's child has no init until it starts; it lives with its pod's sandbox.
      return record.podSandboxId() != null && record.status() == Status.CREATED && sandboxAlive
          ? Status.CREATED : Status.STOPPED;
    }
    if (!processes.isAlive(record.init())) {
      return Status.STOPPED;
    }
    // The init cannot reach its files without its sandbox: the container is over.
    return sandboxAlive ? record.status() : Status.STOPPED;
  }

  /** The state {@code burrow state} prints, with whether the file server (if any) still runs. */
  ContainerState state(ContainerRecord record) {
    Status status = status(record);
    int pid = status == Status.STOPPED || record.init() == null ? 0 : record.init().pid();
    String fileServer = record.fileServer() == null ? null
        : processes.isAlive(record.fileServer()) ? "running" : "exited";
    return new ContainerState(ContainerState.OCI_VERSION, record.id(), status, pid, record.bundle(), record.rootfs(),
        record.created(), record.owner(), record.annotations(), fileServer);
  }

  /**
   * Sends {@code signal} to {@code targets}, or to the init when that is empty, of the container
   * whose lock the caller holds; returns the record as it now is.
   */
  ContainerRecord kill(ContainerLock lock, ContainerRecord record, int signal, List<ProcessId> targets)
      throws ContainerException {
    if (status(record) == Status.STOPPED) {
      // containerd maps a kill failure to "not found" only for runc's words: "container not running".
      throw new ContainerException("cannot kill container '" + record.id() + "': container not running (it is stopped)");
    }
    if (record.init() == null) {
      // A pod's child before its start has no process to take the signal, as runc's init waiting
      // at its fifo would (and die of it): the child is over before it ran.
      ContainerRecord stopped = record.withStatus(Status.STOPPED);
      lock.write(stopped);
      return stopped;
    }
    try {
      for (ProcessId p : targets.isEmpty() ? List.of(record.init()) : targets) {
        processes.signal(p, signal);
      }
    } catch (IOException e) {
      throw new ContainerException("cannot kill container '" + record.id() + "': " + e.getMessage(), e);
    }
    return record;
  }
}
