package io.burrow.core;

import io.burrow.api.spec.Hooks;
import io.burrow.api.spec.Spec;
import io.burrow.api.spec.SpecIo;
import io.burrow.api.spi.FileAccess;
import io.burrow.api.spi.FileAccessContext;
import io.burrow.api.spi.IoFiles;
import io.burrow.api.spi.ProcessId;
import io.burrow.api.spi.Signals;
import io.burrow.api.state.ContainerState;
import io.burrow.api.state.Status;
import io.burrow.core.bundle.Bundle;
import io.burrow.core.bundle.BundleLoader;
import io.burrow.core.store.ContainerRecord;
import io.burrow.core.store.ContainerStore.ContainerLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One container, held under its lock: the orchestrator of start, kill, delete and destroy (create
 * lives in {@link Containers}). Mirrors runsc's Container: the sandbox (in direct mode, the init
 * itself) and the file server are the processes it owns. Obtain it from {@link Containers};
 * close it to release the lock. A container read without the lock can only report its state
 * or wait. Used by one thread.
 */
public final class Container implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Container.class);
  static final String START_GATE = "exec.fifo";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

  private final RuntimeServices services;
  private final ContainerLock lock;
  private ContainerRecord record;

  Container(RuntimeServices services, ContainerLock lock, ContainerRecord record) {
    this.services = services;
    this.lock = lock;
    this.record = record;
  }

  public String id() {
    return record.id();
  }

  ContainerRecord record() {
    return record;
  }

  Path startGate() {
    return lock.dir().resolve(START_GATE);
  }

  /** The status now: the recorded one, unless the init has died since (then stopped). */
  public Status status() {
    if (record.status() == Status.STOPPED) {
      return Status.STOPPED;
    }
    boolean sandboxAlive = record.sandbox() == null || services.processes().isAlive(record.sandbox());
    if (record.init() == null) {
      // A pod's child has no init until it starts; it lives with its pod's sandbox.
      return record.podSandboxId() != null && record.status() == Status.CREATED && sandboxAlive
          ? Status.CREATED : Status.STOPPED;
    }
    if (!services.processes().isAlive(record.init())) {
      return Status.STOPPED;
    }
    // The init cannot reach its files without its sandbox: the container is over.
    if (!sandboxAlive) {
      return Status.STOPPED;
    }
    return record.status();
  }

  /** The state {@code burrow state} prints, with whether the file server (if any) still runs. */
  public ContainerState state() {
    Status status = status();
    int pid = status == Status.STOPPED || record.init() == null ? 0 : record.init().pid();
    String fileServer = record.fileServer() == null ? null
        : services.processes().isAlive(record.fileServer()) ? "running" : "exited";
    return new ContainerState(ContainerState.OCI_VERSION, record.id(), status, pid, record.bundle(), record.rootfs(),
        record.created(), record.owner(), record.annotations(), fileServer);
  }

  /** Lets the init run the program, as {@code burrow start}. Only a created container can start. */
  public void start() throws ContainerException {
    Status status = status();
    if (status != Status.CREATED) {
      throw new ContainerException("cannot start container '" + id() + "': it is " + status.specName()
          + ", not created");
    }
    if (record.fileServer() != null && !services.processes().isAlive(record.fileServer())) {
      throw new ContainerException("cannot start container '" + id() + "': its file server (pid "
          + record.fileServer().pid() + ") has exited, so it could reach no file; delete it");
    }
    Spec spec = loadSpec();
    if (record.init() == null) {
      startInPod(spec);
    }
    runHooks("startContainer", spec, true);
    try {
      services.launcher().release(startGate(), record.init(), START_TIMEOUT);
    } catch (IOException e) {
      throw new ContainerException("cannot start container '" + id() + "': " + e.getMessage(), e);
    }
    try {
      Files.deleteIfExists(startGate());
    } catch (IOException e) {
      LOG.warn("container {}: cannot remove the start fifo: {}", id(), e.getMessage());
    }
    save(record.withStatus(Status.RUNNING));
    runHooks("poststart", spec, false);
  }

  /**
   * Start of a pod's child, as the seed's: create its gofer now and hand its io files to the
   * running sandbox with the start request; the sandbox mounts them and starts the init, which
   * then waits on the start gate like any other.
   */
  private void startInPod(Spec spec) throws ContainerException {
    FileAccess fileAccess = services.fileAccess().select(record.fileAccess());
    Bundle bundle = BundleLoader.load(Path.of(record.bundle()));
    FileAccessContext context = new FileAccessContext(id(), spec, bundle.dir(), bundle.rootfs(), lock.dir(),
        services.config(), services.burrowCommand(), services.launcher());
    try (IoFiles ioFiles = fileAccess.createIoFiles(context)) {
      ProcessId server = ioFiles.serverPid().isPresent()
          ? services.processes().identify(ioFiles.serverPid().getAsInt()).orElse(null) : null;
      save(record.withProcesses(Status.CREATED, null, record.sandbox(), server));
      Path socket = lock.dir().resolveSibling(record.podSandboxId()).resolve(Sandbox.POD_SOCKET);
      String reply = services.control().request(socket, "START " + id() + " " + bundle.dir(), ioFiles.files(),
          START_TIMEOUT);
      if (!reply.startsWith("PID ")) {
        throw new ContainerException("the sandbox of container '" + record.podSandboxId() + "' could not start '"
            + id() + "': " + reply.replaceFirst("^ERR ", ""));
      }
      int pid = Integer.parseInt(reply.substring(4).trim());
      ProcessId init = services.processes().identify(pid)
          .orElseThrow(() -> new ContainerException("the init of container '" + id() + "' exited at once"));
      save(record.withProcesses(Status.CREATED, init, record.sandbox(), server));
    } catch (IOException | RuntimeException e) {
      destroy();
      throw new ContainerException("cannot start container '" + id() + "' in its pod: " + e.getMessage(), e);
    } catch (ContainerException e) {
      destroy();
      throw e;
    }
  }

  /** Sends {@code signal} to the init, or with {@code all} to every process of the container. */
  public void kill(int signal, boolean all) throws ContainerException {
    Status status = status();
    if (status == Status.STOPPED) {
      // containerd maps a kill failure to "not found" only for runc's words: "container not running".
      throw new ContainerException("cannot kill container '" + id() + "': container not running (it is stopped)");
    }
    try {
      List<ProcessId> targets = all ? services.processes().pidNamespaceMembers(record.init()) : List.of(record.init());
      for (ProcessId p : targets) {
        services.processes().signal(p, signal);
      }
    } catch (IOException e) {
      throw new ContainerException("cannot kill container '" + id() + "': " + e.getMessage(), e);
    }
  }

  /**
   * Removes the container, as {@code burrow delete}: a stopped or created container always, a
   * running one only with {@code force} (it is killed first).
   */
  public void delete(boolean force) throws ContainerException {
    Status status = status();
    List<String> children = runningChildren();
    if (!children.isEmpty()) {
      // Burrow refuses rather than deleting a pod's children behind the caller's back.
      throw new ContainerException("cannot delete container '" + id() + "': its sandbox still runs containers "
          + String.join(", ", children) + "; delete them first");
    }
    if ((status == Status.RUNNING || status == Status.PAUSED) && !force) {
      throw new ContainerException("cannot delete container '" + id() + "': it is " + status.specName()
          + " (stop it first or use --force)");
    }
    List<String> errors = destroy();
    runHooks("poststop", null, false);
    lock.deleteDirectory();
    if (!errors.isEmpty()) {
      throw new ContainerException("container '" + id() + "' was deleted, but clean-up reported: " + String.join("; ", errors));
    }
  }

  /** The ids of the pod's children that share this container's sandbox and are not stopped. */
  private List<String> runningChildren() throws ContainerException {
    List<String> ids = new ArrayList<>();
    if (record.sandbox() == null || record.podSandboxId() != null) {
      return ids;
    }
    for (ContainerRecord other : services.store().list()) {
      if (id().equals(other.podSandboxId()) && new Container(services, null, other).status() != Status.STOPPED) {
        ids.add(other.id());
      }
    }
    return ids;
  }

  /**
   * Kills the sandbox (here the init) and the file server, waits for both, and records the
   * container as stopped. Keeps going past individual failures and returns them; calling it
   * again is harmless.
   */
  List<String> destroy() {
    List<String> errors = new ArrayList<>();
    stop("init", record.init(), errors);
    if (record.podSandboxId() == null) {
      stop("sandbox", record.sandbox(), errors);
    }
    stop("file server", record.fileServer(), errors);
    if (record.status() != Status.STOPPED) {
      try {
        save(record.withStatus(Status.STOPPED));
      } catch (ContainerException e) {
        errors.add(e.getMessage());
      }
    }
    return errors;
  }

  private void stop(String what, ProcessId process, List<String> errors) {
    if (process == null) {
      return;
    }
    try {
      services.processes().signal(process, Signals.SIGKILL);
      if (!services.processes().awaitDeath(process, STOP_TIMEOUT)) {
        errors.add(what + " (pid " + process.pid() + ") still alive " + STOP_TIMEOUT.toSeconds() + " s after SIGKILL");
      }
    } catch (IOException e) {
      errors.add("cannot kill the " + what + ": " + e.getMessage());
    }
  }

  /**
   * Waits for the container's program to exit; only the process that created the container can
   * do this. With a sandbox, the init is the sandbox's child and the sandbox exits with its status.
   */
  public int waitForExit() throws ContainerException {
    try {
      boolean ownsSandbox = record.sandbox() != null && record.podSandboxId() == null;
      return services.processes().waitForExit(ownsSandbox ? record.sandbox() : record.init());
    } catch (IOException e) {
      throw new ContainerException("cannot wait for container '" + id() + "': " + e.getMessage(), e);
    }
  }

  void save(ContainerRecord newRecord) throws ContainerException {
    lock.write(newRecord);
    record = newRecord;
  }

  private Spec loadSpec() throws ContainerException {
    try {
      return SpecIo.read(Path.of(record.bundle(), "config.json"), Spec.class);
    } catch (io.burrow.api.spec.SpecException e) {
      throw new ContainerException("container '" + id() + "': " + e.getMessage(), e);
    }
  }

  /**
   * Runs one list of hooks with the state on stdin. Failing hooks fail the operation when
   * {@code fatal}; otherwise they are logged, as the runtime-spec asks for poststart and poststop.
   */
  void runHooks(String phase, Spec spec, boolean fatal)
      throws ContainerException {
    if (spec == null) {
      try {
        spec = loadSpec();
      } catch (ContainerException e) {
        LOG.warn("{} hooks of container {} skipped: {}", phase, id(), e.getMessage());
        return;
      }
    }
    List<Hooks.Hook> hooks = spec.hooks == null ? null : switch (phase) {
      case "prestart" -> spec.hooks.prestart;
      case "createRuntime" -> spec.hooks.createRuntime;
      case "createContainer" -> spec.hooks.createContainer;
      case "startContainer" -> spec.hooks.startContainer;
      case "poststart" -> spec.hooks.poststart;
      case "poststop" -> spec.hooks.poststop;
      default -> throw new IllegalArgumentException(phase);
    };
    if (hooks == null || hooks.isEmpty()) {
      return;
    }
    byte[] state = SpecIo.toBytes(state().forHooks());
    for (Hooks.Hook hook : hooks) {
      try {
        services.hooks().run(hook, state);
      } catch (IOException e) {
        String msg = phase + " " + e.getMessage();
        if (fatal) {
          throw new ContainerException("container '" + id() + "': " + msg, e);
        }
        LOG.warn("container {}: {}", id(), msg);
      }
    }
  }

  @Override
  public void close() {
    if (lock != null) {
      lock.close();
    }
  }
}
