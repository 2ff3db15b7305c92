package io.burrow.core;

import io.burrow.api.launch.InitPlan;
import io.burrow.api.spec.IdMapping;
import io.burrow.api.spec.Spec;
import io.burrow.api.spi.FileAccess;
import io.burrow.api.spi.FileAccessContext;
import io.burrow.api.spi.IoFiles;
import io.burrow.api.spi.LaunchException;
import io.burrow.api.spi.LaunchRequest;
import io.burrow.api.spi.MountSources;
import io.burrow.api.spi.ProcessId;
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

  @Inject
  public Containers(RuntimeServices services) {
    this.services = services;
  }

  /** Creates a container from {@code bundleDir}; the init waits for {@link Container#start()}. The caller closes it. */
  public Container create(String id, Path bundleDir, Optional<Path> pidFile) throws ContainerException {
    ContainerStore.validateId(id);
    Bundle bundle = BundleLoader.load(bundleDir);
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
      Optional<String> pod = Pod.sandboxToJoin(spec)
          .filter(p -> fileAccess.needsSandboxProcess() && services.config().multiContainer());
      if (pod.isPresent()) {
        joinPod(container, pod.get(), spec, pidFile);
        created = true;
        return container;
      }
      FileAccessContext context = new FileAccessContext(id, spec, bundle.dir(), bundle.rootfs(), lock.dir(), services.config(),
          services.burrowCommand(), services.launcher());
      // As the seed's Create: the file server first, then the sandbox with the server's io files.
      try (IoFiles ioFiles = fileAccess.createIoFiles(context)) {
        ProcessId server = ioFiles.serverPid().isPresent()
            ? services.processes().identify(ioFiles.serverPid().getAsInt()).orElseThrow(
                () -> new ContainerException("the file server of container '" + id + "' exited at once"))
            : null;
        container.save(record.withProcesses(Status.CREATING, null, null, server));
        services.launcher().createStartGate(container.startGate(), IdMapping.hostIdOf(spec.linux.uidMappings, 0),
            IdMapping.hostIdOf(spec.linux.gidMappings, 0));
        if (fileAccess.needsSandboxProcess()) {
          Sandbox.Started started = Sandbox.start(services, bundle, lock.dir(), ioFiles,
              sandbox -> container.save(record.withProcesses(Status.CREATING, null, sandbox, server)));
          container.save(record.withProcesses(Status.CREATED, started.init(), started.sandbox(), server));
        } else {
          ProcessId init = startInit(services, bundle, fileAccess, context, ioFiles, container.startGate(), false);
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
   * then the container's pid (in the pid file too) is its sandbox's, as with runsc.
   */
  private void joinPod(Container container, String podId, Spec spec, Optional<Path> pidFile)
      throws ContainerException, IOException {
    ContainerRecord owner = services.store().read(podId).orElseThrow(() -> new ContainerException(
        "container '" + container.id() + "' joins the sandbox of container '" + podId + "', which does not exist"));
    if (owner.sandbox() == null || owner.podSandboxId() != null || !services.processes().isAlive(owner.sandbox())) {
      throw new ContainerException("container '" + container.id() + "' joins container '" + podId
          + "', which has no running pod sandbox");
    }
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
   * The sandbox side of create: makes the files reachable, plans the init and launches it. Runs
   * in the runtime for a file access without a sandbox process, in the sandbox otherwise.
   */
  static ProcessId startInit(RuntimeServices services, Bundle bundle, FileAccess fileAccess,
      FileAccessContext context, IoFiles ioFiles, Path startGate, boolean sandboxed)
      throws IOException, ContainerException, LaunchException {
    Spec spec = bundle.spec();
    MountSources sources = fileAccess.mountSources(context, ioFiles);
    InitPlan plan = InitPlanner.plan(bundle, sources, startGate, sandboxed);
    // In a sandbox the io files belong to the file access, which serves them; the init gets none.
    return services.launcher().launch(new LaunchRequest("container init", plan, nullToEmpty(spec.linux.uidMappings),
        nullToEmpty(spec.linux.gidMappings), sandboxed ? List.of() : ioFiles.files()));
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
    ContainerRecord record = services.store().read(id).orElseThrow(() -> ContainerStore.notFound(id));
    return new Container(services, null, record).state();
  }

  /** The state of every container under the root. */
  public List<ContainerState> list() throws ContainerException {
    List<ContainerState> states = new ArrayList<>();
    for (ContainerRecord record : services.store().list()) {
      states.add(new Container(services, null, record).state());
    }
    return states;
  }

  /**
   * {@code burrow run}: create, start, and unless {@code detach}, wait for the program and delete
   * the container, returning the program's exit status. {@code onStarted} sees the init once it
   * runs (the CLI forwards signals to it).
   */
  public int run(String id, Path bundleDir, Optional<Path> pidFile, boolean detach,
      java.util.function.Consumer<ContainerState> onStarted) throws ContainerException {
    try (Container container = create(id, bundleDir, pidFile)) {
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
    // The lock is not held while waiting, so that state, kill and delete work meanwhile.
    ContainerRecord record = services.store().read(id).orElseThrow(() -> ContainerStore.notFound(id));
    int status = new Container(services, null, record).waitForExit();
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

  private static void writePidFile(Path pidFile, int pid) throws IOException {
    Path tmp = pidFile.resolveSibling(pidFile.getFileName() + ".tmp");
    Files.writeString(tmp, Integer.toString(pid));
    Files.move(tmp, pidFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
