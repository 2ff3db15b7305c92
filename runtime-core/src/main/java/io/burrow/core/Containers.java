package io.burrow.core;

import io.burrow.api.launch.InitPlan;
import io.burrow.api.spec.IdMapping;
import io.burrow.api.spec.Spec;
import io.burrow.api.spi.CgroupManager.Hierarchies;
import io.burrow.api.spi.FileAccess;
import io.burrow.api.spi.FileAccessContext;
import io.burrow.api.spi.IoFile;
import io.burrow.api.spi.IoFiles;
import io.burrow.api.spi.LaunchException;
import io.burrow.api.spi.LaunchRequest;
import io.burrow.api.spi.MountSources;
import io.burrow.api.spi.ProcessId;
import io.burrow.api.spi.SeccompProgram;
import io.burrow.api.state.ContainerState;
import io.burrow.api.state.Status;
import io.burrow.core.bundle.Bundle;
import io.burrow.core.bundle.BundleLoader;
import io.burrow.core.plan.InitPlanner;
import io.burrow.core.store.ContainerRecord;
import io.burrow.core.store.ContainerStore;
import io.burrow.core.store.ContainerStore.ContainerLock;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Creates containers and finds existing ones: the entry point of runtime-core. {@link #create}
 * follows the seed's order: the file server first, then the sandbox with the server's io files;
 * any error once something runs destroys the container so that nothing is left behind.
 * Thread-safe; each container is guarded by its own lock.
 */
public final class Containers {
  private final RuntimeServices services;
  private final boolean systemdCgroup;

  @Inject
  public Containers(RuntimeServices services) {
    this(services, false);
  }

  private Containers(RuntimeServices services, boolean systemdCgroup) {
    this.services = services;
    this.systemdCgroup = systemdCgroup;
  }

  /** These containers with runc's {@code --systemd-cgroup}: cgroupsPath is {@code slice:prefix:name}. */
  public Containers withSystemdCgroup(boolean systemd) {
    return new Containers(services, systemd);
  }

  /** Creates a container from {@code bundleDir}; the init waits for {@link Container#start()}. The caller closes it. */
  public Container create(String id, Path bundleDir, Optional<Path> pidFile) throws ContainerException {
    return create(id, bundleDir, pidFile, Optional.empty());
  }

  /**
   * Creates a container whose init waits for {@link Container#start()}; the caller closes it.
   * With {@code process.terminal}, {@code consoleSocket} (the client's {@code --console-socket})
   * must be given and receives the pty master before this returns, as with runc; without a
   * terminal it must not be given ({@link #checkTerminal}).
   */
  public Container create(String id, Path bundleDir, Optional<Path> pidFile, Optional<Path> consoleSocket)
      throws ContainerException {
    ContainerStore.validateId(id);
    Bundle bundle = BundleLoader.load(bundleDir);
    checkTerminal(id, bundle.spec(), consoleSocket, true);
    // Bad seccomp input fails here, before anything exists. A sandbox compiles it again where it runs.
    Optional<SeccompProgram> seccomp = seccompProgram(services, bundle);
    FileAccess fileAccess = services.fileAccess().select(services.config().fileAccess());
    ContainerLock lock = services.store().create(id);
    Spec spec = bundle.spec();
    ContainerRecord record = new ContainerRecord(id, bundle.dir().toString(), bundle.rootfs().toString(),
        Status.CREATING, null, null, null, null, fileAccess.name(),
        OffsetDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME), System.getProperty("user.name"),
        spec.annotations == null ? Map.of() : spec.annotations);
    Container container = new Container(services, lock, record);
    boolean created = false;
    try {
      // A state before anything exists to clean up: a create killed from here on leaves a
      // container that state reports and delete --force removes.
      container.save(record);
      Optional<String> pod = Pod.sandboxToJoin(spec)
          .filter(p -> fileAccess.needsSandboxProcess() && services.config().multiContainer());
      if (pod.isPresent()) {
        if (Boolean.TRUE.equals(spec.process.terminal)) {
          // The init starts only at start, but a console-socket client waits for the master during create.
          throw new ContainerException(bundle.dir().resolve("config.json") + ": process.terminal: a container that"
              + " joins the sandbox of container '" + pod.get() + "' cannot have a terminal yet");
        }
        joinPod(container, pod.get(), spec, pidFile);
        created = true;
        return container;
      }
      FileAccessContext context = new FileAccessContext(id, spec, bundle.dir(), bundle.rootfs(), lock.dir(), services.config(),
          services.burrowCommand(), services.launcher());
      // The cgroup before any process: bad resources fail here, and nothing runs unconfined.
      String cgroup = container.createCgroup(spec, systemdCgroup);
      LaunchRequest.Placement placement = cgroup == null ? null : pid -> container.placeInCgroup(cgroup, pid);
      // The console socket first, so that a wrong path fails before anything runs. As the seed's
      // Create: the file server, then the sandbox with the server's io files.
      try (IoFile console = connectConsole(id, consoleSocket.orElse(null));
          IoFiles ioFiles = fileAccess.createIoFiles(context)) {
        ProcessId server = ioFiles.serverPid().isPresent()
            ? services.processes().identify(ioFiles.serverPid().getAsInt()).orElseThrow(
                () -> new ContainerException("the file server of container '" + id + "' exited at once"))
            : null;
        container.save(record.withProcesses(Status.CREATING, null, null, server));
        services.launcher().createStartGate(container.startGate(), IdMapping.hostIdOf(spec.linux.uidMappings, 0),
            IdMapping.hostIdOf(spec.linux.gidMappings, 0));
        if (fileAccess.needsSandboxProcess()) {
          Sandbox.Started started = Sandbox.start(services, bundle, lock.dir(), ioFiles, Optional.ofNullable(console),
              sandbox -> container.save(record.withProcesses(Status.CREATING, null, sandbox, server)), placement);
          container.save(record.withProcesses(Status.CREATED, started.init(), started.sandbox(), server));
        } else {
          ProcessId init = startInit(services, bundle, fileAccess, context, ioFiles, Optional.ofNullable(console),
              container.startGate(), false, placement, seccomp);
          container.save(record.withProcesses(Status.CREATED, init, null, server));
        }
      }
      container.runHooks("prestart", spec, true);
      container.runHooks("createRuntime", spec, true);
      container.runHooks("createContainer", spec, true);
      if (pidFile.isPresent()) {
        writePidFile(pidFile.get(), pidFileProcess(container.record()).pid());
      }
      created = true;
      return container;
    } catch (IOException | LaunchException | RuntimeException e) {
      throw new ContainerException("cannot create container '" + id + "': " + e.getMessage(), e);
    } finally {
      // Whatever went wrong, even an Error: nothing of a failed create is left behind.
      if (!created) {
        container.destroy();
        lock.deleteDirectory();
        lock.close();
      }
    }
  }

  /**
   * The process a client (containerd's shim, conmon) waits for as the container: the one that
   * exits with the program's status and becomes the client's child once {@code create} exits.
   * In direct mode that is the init itself, as with runc. With a sandbox, the init is the
   * sandbox's child and is reaped by it, so it is the sandbox, which exits with the init's
   * status, as runsc's pid file names its sandbox. The state's pid stays the init's.
   */
  private static ProcessId pidFileProcess(ContainerRecord record) {
    return record.sandbox() != null ? record.sandbox() : record.init();
  }

  /**
   * Create of a child container, as the seed's: join the pod's running sandbox and start no gofer
   * yet; {@link Container#start()} creates the gofer and hands its io files to the sandbox. Until
   * then the container's pid (in the pid file too) is its sandbox's, as with runsc. Its cgroup is
   * made here as a single container's ({@link Container#createCgroup}: its own cgroupsPath or the
   * default one, with its resources, recorded in the state directory), so that bad input fails
   * the create; the sandbox forks the init at start, and start has it placed there before its go.
   */
  private void joinPod(Container container, String podId, Spec spec, Optional<Path> pidFile)
      throws ContainerException, IOException {
    ContainerRecord owner = services.store().read(podId).orElseThrow(() -> new ContainerException(
        "container '" + container.id() + "' joins the sandbox of container '" + podId + "', which does not exist"));
    if (owner.sandbox() == null || owner.podSandboxId() != null || !services.processes().isAlive(owner.sandbox())) {
      throw new ContainerException("container '" + container.id() + "' joins container '" + podId
          + "', which has no running pod sandbox");
    }
    container.createCgroup(spec, systemdCgroup);
    services.launcher().createStartGate(container.startGate(), IdMapping.hostIdOf(spec.linux.uidMappings, 0),
        IdMapping.hostIdOf(spec.linux.gidMappings, 0));
    container.save(container.record().inPod(podId, owner.sandbox()).withStatus(Status.CREATED));
    container.runHooks("prestart", spec, true);
    container.runHooks("createRuntime", spec, true);
    if (pidFile.isPresent()) {
      writePidFile(pidFile.get(), owner.sandbox().pid());
    }
  }

  /**
   * runc's rules for {@code process.terminal} and {@code --console-socket} (its checkTerminal),
   * with its wording: a process that detaches from burrow ({@code create}, {@code run -d}) and has
   * a terminal needs a console socket to send the master to; a console socket without a terminal
   * or without detaching is an error. Called before anything is created.
   */
  public static void checkTerminal(String id, Spec spec, Optional<Path> consoleSocket, boolean detach)
      throws ContainerException {
    boolean terminal = Boolean.TRUE.equals(spec.process.terminal);
    if (detach && terminal && consoleSocket.isEmpty()) {
      throw new ContainerException("cannot create container '" + id + "': process.terminal is true: cannot allocate"
          + " tty if burrow will detach without setting console socket (--console-socket)");
    }
    if ((!detach || !terminal) && consoleSocket.isPresent()) {
      throw new ContainerException("cannot create container '" + id + "': --console-socket " + consoleSocket.get()
          + ": cannot use console socket if burrow will not detach or allocate tty (process.terminal is "
          + terminal + ")");
    }
  }

  /** The connection to the client's console socket, owned by the caller; null without one. */
  private IoFile connectConsole(String id, Path consoleSocket) throws ContainerException {
    if (consoleSocket == null) {
      return null;
    }
    try {
      return services.control().connect(consoleSocket);
    } catch (IOException e) {
      throw new ContainerException("cannot create container '" + id + "': --console-socket " + consoleSocket + ": "
          + e.getMessage(), e);
    }
  }

  /**
   * The sandbox side of create: makes the files reachable, plans the init and launches it. Runs
   * in the runtime for a file access without a sandbox process, in the sandbox otherwise.
   *
   * @param console the connection to the client's console socket when the process has a
   *     terminal; still the caller's, who closes it once this returns
   * @param placement moves the forked init into the container's cgroup; null for none
   * @param seccomp the container's compiled {@code linux.seccomp} ({@link #seccompProgram})
   */
  static ProcessId startInit(RuntimeServices services, Bundle bundle, FileAccess fileAccess,
      FileAccessContext context, IoFiles ioFiles, Optional<IoFile> console, Path startGate, boolean sandboxed,
      LaunchRequest.Placement placement, Optional<SeccompProgram> seccomp)
      throws IOException, ContainerException, LaunchException {
    Spec spec = bundle.spec();
    MountSources sources = fileAccess.mountSources(context, ioFiles);
    InitPlan plan = InitPlanner.plan(bundle, sources, context.stateDir(), startGate, sandboxed, seccomp,
        cgroupHierarchies(services, context.stateDir()));
    // In a sandbox the io files belong to the file access, which serves them; the init gets none.
    return services.launcher().launch(new LaunchRequest("container init", plan, nullToEmpty(spec.linux.uidMappings),
        nullToEmpty(spec.linux.gidMappings), sandboxed ? List.of() : ioFiles.files(), console,
        SeccompAgent.listener(seccomp, context.containerId(), "creating", bundle.dir(), spec.annotations))
        .withPlacement(placement));
  }

  /**
   * Where the container's cgroup is in each hierarchy, for its cgroup mount: the path {@code create}
   * recorded in the state directory before it launched anything (so a sandbox finds it there too),
   * as the cgroup manager lays it out; {@link Hierarchies#NONE} for a container without a cgroup.
   */
  static Hierarchies cgroupHierarchies(RuntimeServices services, Path stateDir) throws IOException {
    Path file = stateDir.resolve(Container.CGROUP_FILE);
    if (!Files.exists(file)) {
      return Hierarchies.NONE;
    }
    try {
      return services.cgroups().hierarchies(Files.readString(file).trim());
    } catch (IOException e) {
      throw new IOException("cannot read the container's cgroup path from " + file + ": " + e.getMessage(), e);
    }
  }

  /** The container's compiled {@code linux.seccomp}, if it has one. */
  static Optional<SeccompProgram> seccompProgram(RuntimeServices services, Bundle bundle) throws ContainerException {
    try {
      return services.seccomp().compile(bundle.spec().linux.seccomp);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new ContainerException(bundle.dir().resolve("config.json") + ": " + e.getMessage(), e);
    }
  }

  /** Locks and loads an existing container; the caller closes it. */
  public Container load(String id) throws ContainerException {
    ContainerLock lock = services.store().lock(id);
    try {
      ContainerRecord record = lock.read().orElseThrow(() -> ContainerStore.notFound(id));
      return new Container(services, lock, record);
    } catch (ContainerException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  /** The state of one container, read without taking its lock. */
  public ContainerState state(String id) throws ContainerException {
    return inspector().state(id);
  }

  /** State and kill of these containers' inits, as a runtime built without an injector has them. */
  public ContainerInspector inspector() {
    return new ContainerInspector(services.store(), services.processes());
  }

  /** The live processes of one container ({@link Container#processes()}), read without taking its lock. */
  public List<ProcessId> processes(String id) throws ContainerException {
    ContainerRecord record = services.store().read(id).orElseThrow(() -> ContainerStore.notFound(id));
    return new Container(services, null, record).processes();
  }

  /**
   * Waits for the program of a container this process created and returns its exit status. The
   * lock is not held while waiting, so that state, kill and delete work meanwhile.
   */
  public int waitForExit(String id) throws ContainerException {
    ContainerRecord record = services.store().read(id).orElseThrow(() -> ContainerStore.notFound(id));
    return new Container(services, null, record).waitForExit();
  }

  /**
   * Starts a process in a running container, as {@code burrow exec} ({@link Exec}); the caller
   * may wait for it with {@link #waitForProcess} unless the request detaches.
   */
  public ProcessId exec(String id, ExecRequest request) throws ContainerException {
    return new Exec(services, this).start(id, request);
  }

  /** Waits for a process this process started ({@link #exec}) and returns its exit status. */
  public int waitForProcess(ProcessId process) throws ContainerException {
    try {
      return services.processes().waitForExit(process);
    } catch (IOException e) {
      throw new ContainerException("cannot wait for process " + process.pid() + ": " + e.getMessage(), e);
    }
  }

  /** The cgroup versions this host's containers get ({@code v1}, {@code v2}), as {@code features} reports them. */
  public List<String> cgroupVersions() {
    return services.cgroups().versions();
  }

  /** Whether a container called {@code id} exists under the root. */
  public boolean exists(String id) throws ContainerException {
    return services.store().read(id).isPresent();
  }

  /** The state of every container under the root. */
  public List<ContainerState> list() throws ContainerException {
    return inspector().list();
  }

  /**
   * {@code burrow run}: create, start, and unless {@code detach}, wait for the program and delete
   * the container, returning the program's exit status. {@code onStarted} sees the init once it
   * runs (the CLI forwards signals to it).
   */
  public int run(String id, Path bundleDir, Optional<Path> pidFile, boolean detach,
      java.util.function.Consumer<ContainerState> onStarted) throws ContainerException {
    return run(id, bundleDir, pidFile, detach, Optional.empty(), onStarted);
  }

  /**
   * {@code burrow run} with a console socket: as runc, only with {@code detach} and
   * {@code process.terminal} ({@link #checkTerminal}). A terminal in the foreground, where runc
   * makes its own stdio the console, is refused for now.
   */
  public int run(String id, Path bundleDir, Optional<Path> pidFile, boolean detach, Optional<Path> consoleSocket,
      java.util.function.Consumer<ContainerState> onStarted) throws ContainerException {
    ContainerStore.validateId(id);
    Spec spec = BundleLoader.load(bundleDir).spec();
    checkTerminal(id, spec, consoleSocket, detach);
    if (!detach && Boolean.TRUE.equals(spec.process.terminal)) {
      throw new ContainerException("cannot create container '" + id + "': process.terminal is true: burrow run"
          + " cannot make its own stdio the container's console yet; use --detach with --console-socket, or set"
          + " process.terminal to false");
    }
    try (Container container = create(id, bundleDir, pidFile, consoleSocket)) {
      try {
        container.start();
        if (!detach) {
          onStarted.accept(container.state());
        }
      } catch (ContainerException | RuntimeException e) {
        try {
          container.delete(true);
        } catch (ContainerException cleanup) {
          e.addSuppressed(cleanup);
        }
        throw e;
      }
      if (detach) {
        return 0;
      }
    }
    int status = waitForExit(id);
    try (Container container = load(id)) {
      container.delete(true);
    } catch (ContainerException e) {
      if (services.store().read(id).isPresent()) {
        throw e;
      }
    }
    return status;
  }

  static <T> List<T> nullToEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }

  static void writePidFile(Path pidFile, int pid) throws IOException {
    Path tmp = pidFile.resolveSibling(pidFile.getFileName() + ".tmp");
    Files.writeString(tmp, Integer.toString(pid));
    Files.move(tmp, pidFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
