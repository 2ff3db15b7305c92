package io.burrow.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.burrow.api.spec.Hooks;
import io.burrow.api.spec.HooksProbe;
import io.burrow.api.spec.Spec;
import io.burrow.api.spec.SpecIo;
import io.burrow.api.spi.CgroupManager.CgroupException;
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
import java.util.Optional;
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
  /** The container's resolved cgroup path, in its state directory; absent when it has none. */
  static final String CGROUP_FILE = "cgroup";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration REAP_GRACE = Duration.ofSeconds(5);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

  private final RuntimeServices services;
  private final ContainerInspector inspector;
  private final ContainerLock lock;
  private ContainerRecord record;

  Container(RuntimeServices services, ContainerLock lock, ContainerRecord record) {
    this.services = services;
    this.lock = lock;
    this.record = record;
    this.inspector = new ContainerInspector(services.store(), services.processes());
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
    return inspector.status(record);
  }

  /** The state {@code burrow state} prints, with whether the file server (if any) still runs. */
  public ContainerState state() {
    return inspector.state(record);
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
    // Without start hooks and outside a pod the spec is not needed: binding it costs start ~200 ms.
    boolean hooks = HooksProbe.mayName(bundleConfig(), "startContainer", "poststart");
    Spec spec = record.init() == null || hooks ? loadSpec() : null;
    if (record.init() == null) {
      startInPod(spec);
    }
    if (hooks) {
      runHooks("startContainer", spec, true);
    }
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
    if (hooks) {
      runHooks("poststart", spec, false);
    }
  }

  /**
   * Start of a pod's child, as the seed's: create its gofer now and hand its io files to the
   * running sandbox with the start request; the sandbox mounts them and starts the init, which
   * then waits on the start gate like any other. The sandbox forks the init, but only the host
   * can write the child's cgroup: while the request is out, this listens on the child's
   * {@link Sandbox#REPORT_SOCKET} and moves the forked init into the child's cgroup before its
   * go, as {@code create} does for a single container's. Any failure destroys the child (gofer,
   * init, cgroup).
   */
  private void startInPod(Spec spec) throws ContainerException {
    FileAccess fileAccess = services.fileAccess().select(record.fileAccess());
    Bundle bundle = BundleLoader.load(Path.of(record.bundle()));
    FileAccessContext context = new FileAccessContext(id(), spec, bundle.dir(), bundle.rootfs(), lock.dir(),
        services.config(), services.burrowCommand(), services.launcher());
    Optional<String> cgroup = cgroupPath();
    // The listener first: once the gofer runs, nothing may fail before its pid is recorded.
    try (Placer placer = cgroup.isPresent() ? new Placer(cgroup.get()) : null;
        IoFiles ioFiles = fileAccess.createIoFiles(context)) {
      ProcessId server = ioFiles.serverPid().isPresent()
          ? services.processes().identify(ioFiles.serverPid().getAsInt()).orElse(null) : null;
      save(record.withProcesses(Status.CREATED, null, record.sandbox(), server));
      Path socket = lock.dir().resolveSibling(record.podSandboxId()).resolve(Sandbox.POD_SOCKET);
      String reply = services.control().request(socket, "START " + id() + " "
          + (placer != null ? Sandbox.PLACE_IN_CGROUP : Sandbox.NO_PLACEMENT) + " " + bundle.dir(), ioFiles.files(),
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

  /**
   * Answers the pod sandbox's placement request for this child's init on the child's
   * {@link Sandbox#REPORT_SOCKET} while open; closing stops listening and removes the socket.
   */
  private final class Placer implements AutoCloseable {
    private final AutoCloseable server;

    Placer(String cgroup) throws IOException {
      // The sandbox runs as the container's root, which may be any host uid (as create's report socket).
      server = services.control().serve(lock.dir().resolve(Sandbox.REPORT_SOCKET), 0666,
          Sandbox.placementHandler(pid -> {
            try {
              placeInCgroup(cgroup, pid);
            } catch (IOException e) {
              throw new IOException("cannot move the init of container '" + id() + "' into its cgroup " + cgroup
                  + ": " + e.getMessage(), e);
            }
          }, line -> "ERR unknown request '" + line + "'"));
    }

    @Override
    public void close() throws IOException {
      try {
        server.close();
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        throw new IOException("cannot stop listening on " + lock.dir().resolve(Sandbox.REPORT_SOCKET) + ": "
            + e.getMessage(), e);
      }
    }
  }

  /** Sends {@code signal} to the init, or with {@code all} to every process of the container. */
  public void kill(int signal, boolean all) throws ContainerException {
    record = inspector.kill(lock, record, signal, all ? processes() : List.of());
  }

  /**
   * The container's live processes, as {@code ps} and {@code kill --all} see them: the members
   * of its cgroup when it has one (the init, its descendants and processes started by
   * {@code exec}; in gofer mode the sandbox and the gofer are outside it, see docs/architecture.md),
   * for a pod's child as for any other container. Without a cgroup (a host with no cgroup file
   * system, or a cgroup that cannot be read): every member of the init's pid namespace when the
   * init is pid 1 of its own, otherwise the init and its descendants, never the host's pid
   * namespace. Empty once the container has stopped.
   */
  public List<ProcessId> processes() {
    if (status() == Status.STOPPED || record.init() == null) {
      return List.of();
    }
    ProcessId init = record.init();
    Optional<String> cgroup = cgroupPath();
    if (cgroup.isPresent()) {
      try {
        List<ProcessId> members = new ArrayList<>();
        for (int pid : services.cgroups().pids(cgroup.get())) {
          services.processes().identify(pid).ifPresent(members::add);
        }
        return members;
      } catch (CgroupException e) {
        LOG.warn("container {}: {}; listing its pid namespace instead", id(), e.getMessage());
      }
    }
    return services.processes().leadsPidNamespace(init)
        ? services.processes().pidNamespaceMembers(init) : services.processes().processTree(init);
  }

  /**
   * The helper processes the runtime started for this container and destroys with it: the file
   * server a file-access plugin recorded ({@code IoFiles.serverPid}), then the sandbox, each if it
   * still runs. What a TCK kills to see a plugin cope with a dead helper.
   */
  public List<ProcessId> helpers() {
    List<ProcessId> helpers = new ArrayList<>();
    for (ProcessId p : java.util.Arrays.asList(record.fileServer(), record.podSandboxId() == null ? record.sandbox() : null)) {
      if (p != null && services.processes().isAlive(p)) {
        helpers.add(p);
      }
    }
    return helpers;
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
    Optional<String> cgroup = cgroupPath();
    // A frozen process cannot die: thaw first, as runc's delete --force of a paused container.
    if (cgroup.isPresent() && services.cgroups().isFrozen(cgroup.get())) {
      try {
        services.cgroups().setFrozen(cgroup.get(), false);
      } catch (CgroupException e) {
        errors.add(e.getMessage());
      }
    }
    stop("init", record.init(), errors);
    if (record.podSandboxId() == null) {
      awaitReapedBySandbox();
      stop("sandbox", record.sandbox(), errors);
    }
    stop("file server", record.fileServer(), errors);
    releaseFiles(errors);
    cgroup.ifPresent(path -> removeCgroup(path, errors));
    if (record.status() != Status.STOPPED) {
      try {
        save(record.withStatus(Status.STOPPED));
      } catch (ContainerException e) {
        errors.add(e.getMessage());
      }
    }
    return errors;
  }

  /**
   * Lets the file access undo what it holds in this namespace for the container: in direct mode
   * the root of a container that shares the runtime's mount namespace. A pod's child is the
   * sandbox's to release.
   */
  private void releaseFiles(List<String> errors) {
    if (record.podSandboxId() != null || lock == null) {
      return;
    }
    Spec spec;
    try {
      spec = loadSpec();
    } catch (ContainerException e) {
      spec = new Spec(); // the bundle is gone; release needs only the state directory
    }
    try {
      FileAccess fileAccess = services.fileAccess().select(record.fileAccess());
      fileAccess.release(new FileAccessContext(id(), spec, Path.of(record.bundle()), Path.of(record.rootfs()), lock.dir(),
          services.config(), services.burrowCommand(), services.launcher()));
    } catch (IOException | ContainerException | RuntimeException e) {
      errors.add("cannot release the container's files: " + e.getMessage());
    }
  }

  /** Kills what is left in the cgroup (the init's orphans outside a pid namespace of its own) and removes it. */
  private void removeCgroup(String path, List<String> errors) {
    try {
      for (int pid : services.cgroups().pids(path)) {
        Optional<ProcessId> p = services.processes().identify(pid);
        if (p.isPresent()) {
          stop("process", p.get(), errors);
        }
      }
      services.cgroups().destroy(path);
      Files.deleteIfExists(stateDir().resolve(CGROUP_FILE));
    } catch (CgroupException | IOException e) {
      errors.add("cgroup " + path + ": " + e.getMessage());
    }
  }

  private Path stateDir() {
    return lock != null ? lock.dir() : services.store().root().resolve(id());
  }

  /** The container's cgroup path, if it has one. */
  public Optional<String> cgroupPath() {
    try {
      Path file = stateDir().resolve(CGROUP_FILE);
      // Blank: an older burrow's create was killed while it wrote the record.
      return Files.exists(file) ? Optional.of(Files.readString(file).trim()).filter(p -> !p.isEmpty()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Creates the container's cgroup with {@code linux.resources} applied and records its path;
   * null when the host has no cgroup file system. Failing, it leaves no cgroup behind.
   */
  String createCgroup(Spec spec, boolean systemd) throws ContainerException {
    if (services.cgroups().versions().isEmpty()) {
      if (spec.linux.resources != null && !spec.linux.resources.isEmpty()) {
        throw new ContainerException("linux.resources: this host mounts no cgroup file system");
      }
      return null;
    }
    try {
      String path = services.cgroups().resolve(defaultCgroupName(), spec.linux.cgroupsPath, systemd);
      // Recorded before it is made, and by a rename: a create killed at any point leaves either
      // nothing or a record that delete acts on (removing a cgroup that was never made is a no-op),
      // never an empty record and a cgroup no one knows of.
      Path file = stateDir().resolve(CGROUP_FILE);
      try {
        Path tmp = stateDir().resolve(CGROUP_FILE + ".tmp");
        Files.writeString(tmp, path);
        // World-readable whatever the umask: a sandbox that runs as another host uid reads it too.
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new ContainerException("cannot record the cgroup of container '" + id() + "': " + e.getMessage(), e);
      }
      try {
        services.cgroups().create(path, withDefaultDevices(spec.linux.resources, spec));
      } catch (CgroupException e) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException ignored) {
          // delete finds the record and removes the (absent) cgroup
        }
        throw e;
      }
      return path;
    } catch (CgroupException e) {
      throw new ContainerException(e.getMessage(), e);
    }
  }

  /**
   * runc's device rules: the spec's {@code linux.resources.devices}, then runc's AllowedDevices
   * (mknod of any node; null, zero, full, random, urandom, tty, ptmx, pts, tun), then every
   * {@code linux.devices} node; without these a deny-all rule list would forbid the init's own
   * mknod of /dev/null. Only when {@code resources} has device rules at all. The same list serves
   * v1's devices.allow/deny and v2's eBPF program; {@link #update} appends it too, since on v2 an
   * update's rules replace the whole program.
   */
  static JsonNode withDefaultDevices(JsonNode resources, Spec spec) {
    if (resources == null || !resources.isObject() || !resources.path("devices").isArray()) {
      return resources;
    }
    ObjectNode copy = ((ObjectNode) resources).deepCopy();
    com.fasterxml.jackson.databind.node.ArrayNode rules = (com.fasterxml.jackson.databind.node.ArrayNode) copy.get("devices");
    String[][] allowed = {
      {"c", null, null, "m"}, {"b", null, null, "m"}, {"c", "1", "3", "rwm"}, {"c", "1", "8", "rwm"},
      {"c", "1", "7", "rwm"}, {"c", "5", "0", "rwm"}, {"c", "1", "5", "rwm"}, {"c", "1", "9", "rwm"},
      {"c", "136", null, "rwm"}, {"c", "5", "2", "rwm"}, {"c", "10", "200", "rwm"},
    };
    for (String[] a : allowed) {
      ObjectNode rule = rules.addObject().put("allow", true).put("type", a[0]).put("access", a[3]);
      if (a[1] != null) {
        rule.put("major", Long.parseLong(a[1]));
      }
      if (a[2] != null) {
        rule.put("minor", Long.parseLong(a[2]));
      }
    }
    if (spec.linux.devices != null) {
      for (io.burrow.api.spec.Linux.Device d : spec.linux.devices) {
        if (d.type != null && d.major != null && d.minor != null && !d.type.equals("p")) {
          rules.addObject().put("allow", true).put("type", d.type.equals("u") ? "c" : d.type).put("major", d.major)
              .put("minor", d.minor).put("access", "rwm");
        }
      }
    }
    return copy;
  }

  /**
   * The name of a container's cgroup when the spec gives no cgroupsPath: its id, and for a state
   * root other than the default also a hash of the root, since ids are unique only within a root
   * (two roots' "c1" must not share a cgroup).
   */
  private String defaultCgroupName() {
    Path root = services.store().root().toAbsolutePath().normalize();
    if (root.equals(io.burrow.api.config.Config.DEFAULT_ROOT)) {
      return id();
    }
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(root.toString().getBytes(
          java.nio.charset.StandardCharsets.UTF_8));
      return id() + "-" + java.util.HexFormat.of().formatHex(digest, 0, 4);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Moves {@code pid} into the container's cgroup {@code path}: the init, before it runs anything. */
  void placeInCgroup(String path, int pid) throws IOException {
    try {
      services.cgroups().addProcess(path, pid);
    } catch (CgroupException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  private String requireCgroup(String what) throws ContainerException {
    return cgroupPath().orElseThrow(() -> new ContainerException("cannot " + what + " container '" + id()
        + "': it has no cgroup"));
  }

  /** Freezes every process of a running container, as {@code runc pause}. */
  public void pause() throws ContainerException {
    setFrozen("pause", Status.RUNNING, Status.PAUSED);
  }

  /** Thaws a paused container, as {@code runc resume}. */
  public void resume() throws ContainerException {
    setFrozen("resume", Status.PAUSED, Status.RUNNING);
  }

  private void setFrozen(String what, Status from, Status to) throws ContainerException {
    Status status = status();
    if (status != from) {
      throw new ContainerException("cannot " + what + " container '" + id() + "': it is " + status.specName() + ", not "
          + from.specName());
    }
    try {
      services.cgroups().setFrozen(requireCgroup(what), to == Status.PAUSED);
    } catch (CgroupException e) {
      throw new ContainerException("cannot " + what + " container '" + id() + "': " + e.getMessage(), e);
    }
    save(record.withStatus(to));
  }

  /** Applies the fields of an OCI {@code LinuxResources} object to the live cgroup, as {@code runc update}. */
  public void update(JsonNode resources) throws ContainerException {
    Status status = status();
    if (status == Status.STOPPED) {
      throw new ContainerException("cannot update container '" + id() + "': container not running (it is stopped)");
    }
    String path = requireCgroup("update");
    if (resources != null && resources.path("devices").isArray()) {
      // Device rules are a whole list, as at create: the update's, then runc's defaults and linux.devices.
      resources = withDefaultDevices(resources, loadSpec());
    }
    try {
      services.cgroups().update(path, resources);
    } catch (CgroupException e) {
      throw new ContainerException("cannot update container '" + id() + "': " + e.getMessage(), e);
    }
  }

  /** runc's {@code events --stats} data of the container's cgroup. */
  public ObjectNode stats() throws ContainerException {
    if (status() == Status.STOPPED) {
      throw new ContainerException("container '" + id() + "': container not running (it is stopped)");
    }
    try {
      return services.cgroups().stats(requireCgroup("read the statistics of"));
    } catch (CgroupException e) {
      throw new ContainerException("container '" + id() + "': " + e.getMessage(), e);
    }
  }

  /** How often the OOM killer struck in the container's cgroup so far. */
  public long oomKills() {
    return cgroupPath().map(services.cgroups()::oomKills).orElse(0L);
  }

  /** The host pids in the container's cgroup, empty when it has none: what {@code ps} lists. */
  public List<Integer> cgroupProcesses() throws ContainerException {
    Optional<String> path = cgroupPath();
    if (path.isEmpty()) {
      return List.of();
    }
    try {
      return services.cgroups().pids(path.get());
    } catch (CgroupException e) {
      throw new ContainerException("container '" + id() + "': " + e.getMessage(), e);
    }
  }

  /**
   * Gives a live sandbox a moment to reap its dead init, which it waits for: killed before that,
   * it would leave the init a zombie until the host's pid 1 reaps it. Bounded; a sandbox that
   * does not reap in time is killed all the same.
   */
  private void awaitReapedBySandbox() {
    ProcessId sandbox = record.sandbox(), init = record.init();
    if (sandbox == null || init == null) {
      return;
    }
    long deadline = System.nanoTime() + REAP_GRACE.toNanos();
    long sleep = 1;
    while (services.processes().isAlive(sandbox) && services.processes().identify(init.pid()).filter(init::equals).isPresent()
        && System.nanoTime() < deadline) {
      try {
        Thread.sleep(sleep);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      sleep = Math.min(sleep * 2, 50);
    }
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
      services.processes().reapIfChild(process);
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

  private Path bundleConfig() {
    return Path.of(record.bundle(), "config.json");
  }

  private Spec loadSpec() throws ContainerException {
    try {
      return SpecIo.read(bundleConfig(), Spec.class);
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
    if (spec == null && !HooksProbe.mayName(bundleConfig(), phase)) {
      return;
    }
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
