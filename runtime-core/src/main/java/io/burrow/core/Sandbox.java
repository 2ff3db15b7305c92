package io.burrow.core;

import io.burrow.api.spec.Spec;
import io.burrow.api.spi.ControlChannel;
import io.burrow.api.spi.FileAccess;
import io.burrow.api.spi.FileAccessContext;
import io.burrow.api.spi.IoFile;
import io.burrow.api.spi.IoFiles;
import io.burrow.api.spi.LaunchException;
import io.burrow.api.spi.LaunchRequest;
import io.burrow.api.spi.ProcessId;
import io.burrow.core.bundle.Bundle;
import io.burrow.core.bundle.BundleLoader;
import io.burrow.core.plan.InitPlanner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The sandbox process ({@code burrow boot}) of a container whose file access needs one: it runs
 * in the container's user namespace and a mount namespace of its own, holds the sandbox ends of
 * the io files, makes them reachable (FUSE over 9P for the gofer), and starts the init there.
 * It lives as long as the init and exits with its status.
 *
 * <p>{@link #start} runs in {@code create}; {@link #boot} runs in the sandbox. They meet on a
 * unix socket in the container's state directory, where the sandbox reports one line: the
 * init's pid, or the error that stopped it. Stateless; each call owns the sockets it opens.
 */
public final class Sandbox {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Sandbox.class);
  /**
   * Where {@code create} waits for the sandbox's report (removed once it came). In a pod child's
   * state directory, where {@code start} answers the pod's sandbox's {@link #PLACE_REQUEST} for
   * the child's init while it waits for the sandbox's reply.
   */
  static final String REPORT_SOCKET = "boot.sock";
  /** Where a pod's sandbox takes requests to start the pod's other containers. */
  static final String POD_SOCKET = "pod.sock";
  /** An empty directory the sandbox confines itself to once the init runs. */
  static final String EMPTY_ROOT = "sandbox-root";
  /**
   * The sandbox's request on its report socket, before the report, that the host move a
   * just-forked init into the container's cgroup; answered {@code OK} or {@code ERR text}.
   */
  static final String PLACE_REQUEST = "CGROUP ";
  /** The START request's word for a child whose init the host must place ({@link #PLACE_REQUEST}), or not. */
  static final String PLACE_IN_CGROUP = "cgroup";
  static final String NO_PLACEMENT = "none";
  // Generous: on a loaded machine two JVMs (gofer, sandbox) must start before the init runs.
  private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(180);
  private static final Duration REPORT_TIMEOUT = Duration.ofSeconds(30);

  /** The sandbox process and the container init it started. */
  public record Started(ProcessId sandbox, ProcessId init) {}

  /** Called with the sandbox as soon as it runs, so that a failure after it can destroy it. */
  @FunctionalInterface
  interface Recorder {
    void record(ProcessId sandbox) throws ContainerException;
  }

  private Sandbox() {}

  /**
   * Host side: spawns the sandbox with the io files as fds 3.. (and the console socket after
   * them) and waits for its report. The sandbox gets its own copy of {@code console}, which it
   * hands to the init's launch and closes; the caller still closes this one.
   */
  static Started start(RuntimeServices services, Bundle bundle, Path stateDir, IoFiles ioFiles,
      Optional<IoFile> console, Recorder recorder, LaunchRequest.Placement placement)
      throws ContainerException, IOException, LaunchException {
    Spec spec = bundle.spec();
    Path control = stateDir.resolve(REPORT_SOCKET);
    Files.createDirectories(stateDir.resolve(EMPTY_ROOT));
    CompletableFuture<String> report = new CompletableFuture<>();
    // The sandbox runs as the container's root, which may be any host uid.
    try (AutoCloseable server = services.control().serve(control, 0666, placementHandler(placement, line -> {
      report.complete(line);
      return "OK";
    }))) {
      List<String> argv = new ArrayList<>(services.burrowCommand());
      argv.addAll(services.config().toFlags());
      argv.addAll(List.of("boot", "--bundle", bundle.dir().toString(), "--id", stateDir.getFileName().toString(),
          "--control", control.toString()));
      List<IoFile> inherited = new ArrayList<>(ioFiles.files());
      for (int i = 0; i < ioFiles.files().size(); i++) {
        argv.add("--io-fds=" + (3 + i));
      }
      if (console.isPresent()) {
        argv.add("--console-fd=" + (3 + inherited.size()));
        inherited.add(console.get());
      }
      ProcessId sandbox = services.launcher().launch(new LaunchRequest("sandbox",
          InitPlanner.sandboxPlan(spec, argv, List.of("PATH=" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"))),
          Containers.nullToEmpty(spec.linux.uidMappings), Containers.nullToEmpty(spec.linux.gidMappings),
          inherited));
      recorder.record(sandbox);
      String line = awaitReport(services, report, sandbox);
      if (line.startsWith("PID ")) {
        int pid = Integer.parseInt(line.substring(4).trim());
        ProcessId init = services.processes().identify(pid)
            .orElseThrow(() -> new ContainerException("the container init (pid " + pid + ") exited at once"));
        return new Started(sandbox, init);
      }
      throw new ContainerException("the sandbox failed: " + (line.startsWith("ERR ") ? line.substring(4) : line));
    } catch (ContainerException | IOException | LaunchException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("cannot stop listening on " + control + ": " + e.getMessage(), e);
    }
  }

  /**
   * The host's side of {@link #PLACE_REQUEST}: the sandbox's just-forked init waits for its go
   * until the host has moved it into the container's cgroup with {@code placement} (null: nothing
   * to do); the reply is {@code OK} or {@code ERR text}. Any other line goes to {@code other}.
   * Closes every fd it receives.
   */
  static ControlChannel.Handler placementHandler(LaunchRequest.Placement placement,
      java.util.function.UnaryOperator<String> other) {
    return (line, fds) -> {
      fds.forEach(IoFile::close);
      if (!line.startsWith(PLACE_REQUEST)) {
        return other.apply(line);
      }
      try {
        int pid = Integer.parseInt(line.substring(PLACE_REQUEST.length()).trim());
        if (placement != null) {
          placement.place(pid);
        }
        return "OK";
      } catch (IOException | RuntimeException e) {
        return "ERR " + e.getMessage();
      }
    };
  }

  /** The sandbox's side of {@link #PLACE_REQUEST}: asks the host listening at {@code socket} to place the init. */
  private static LaunchRequest.Placement askHost(RuntimeServices services, Path socket) {
    return pid -> {
      String reply = services.control().request(socket, PLACE_REQUEST + pid, List.of(), REPORT_TIMEOUT);
      if (!reply.equals("OK")) {
        throw new IOException(reply.replaceFirst("^ERR ", ""));
      }
    };
  }

  private static String awaitReport(RuntimeServices services, CompletableFuture<String> report, ProcessId sandbox)
      throws ContainerException {
    long deadline = System.nanoTime() + BOOT_TIMEOUT.toNanos();
    long sleep = 1;
    while (true) {
      try {
        return report.get(sleep, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        // not yet
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ContainerException("interrupted while waiting for the sandbox (pid " + sandbox.pid() + ")");
      }
      if (!services.processes().isAlive(sandbox)) {
        throw new ContainerException("the sandbox (pid " + sandbox.pid() + ") exited before it started the init");
      }
      if (System.nanoTime() > deadline) {
        throw new ContainerException("the sandbox (pid " + sandbox.pid() + ") did not start the init within "
            + BOOT_TIMEOUT.toSeconds() + " s");
      }
      sleep = Math.min(sleep * 2, 20);
    }
  }

  /**
   * Sandbox side ({@code burrow boot}): mounts the container's files from the io files, starts
   * the init, reports its pid to {@code create}, and waits for it. A pod's sandbox then also
   * starts the pod's other containers on request ({@link #POD_SOCKET}); it needs host paths for
   * their bundles and state, so it does not confine itself the way a single container's does.
   *
   * @param ioFiles the sandbox ends, owned by this process from now on
   * @param console the connection to the client's console socket, when the init has a terminal;
   *     owned by this process, which closes it once the init's launch has its own copy
   * @return the init's exit status, the sandbox's own exit status
   */
  public static int boot(RuntimeServices services, String id, Path bundleDir, Path control, List<IoFile> ioFiles,
      Optional<IoFile> console) throws ContainerException {
    Bundle bundle = BundleLoader.load(bundleDir);
    Path stateDir = services.store().root().resolve(id);
    FileAccess fileAccess = services.fileAccess().select(services.config().fileAccess());
    ProcessId init;
    AutoCloseable podServer = null;
    try {
      try {
        init = startInit(services, fileAccess, id, bundle, ioFiles, console, askHost(services, control));
      } finally {
        console.ifPresent(IoFile::close);
      }
      if (Pod.isPodSandbox(bundle.spec())) {
        podServer = services.control().serve(stateDir.resolve(POD_SOCKET),
            (request, fds) -> startChild(services, fileAccess, request, fds));
      }
    } catch (ContainerException | IOException | RuntimeException e) {
      report(services, control, "ERR " + e.getMessage(), id);
      throw new ContainerException("sandbox of container '" + id + "': " + e.getMessage(), e);
    }
    // The init, if any, dies with us (PDEATHSIG) when the report fails.
    report(services, control, "PID " + init.pid(), id);
    try {
      services.processes().releaseStdio();
      if (podServer == null) {
        // From here the sandbox reaches files only through the fds it holds: the io files.
        services.processes().confine(stateDir.resolve(EMPTY_ROOT), unprivilegedId(bundle.spec()));
      }
      return services.processes().waitForExit(init);
    } catch (IOException e) {
      throw new ContainerException("sandbox of container '" + id + "': " + e.getMessage(), e);
    }
  }

  /** What nobody is on Debian and in most images: the sandbox's ids once it is confined. */
  static final int NOBODY = 65534;

  /**
   * The id the confined sandbox drops to: nobody, as runsc's sandbox runs, when the sandbox has
   * the host's user namespace or its own maps nobody as a uid and a gid; otherwise the highest
   * non-zero id mapped as both; empty when the namespace maps root alone or is joined.
   */
  static OptionalInt unprivilegedId(Spec spec) {
    if (spec.linux == null || Containers.nullToEmpty(spec.linux.namespaces).stream()
        .noneMatch(ns -> io.burrow.api.spec.NamespaceType.USER.specName().equals(ns.type))) {
      return OptionalInt.of(NOBODY);
    }
    // A joined user namespace has no mappings in the spec: nothing known to be mapped.
    List<io.burrow.api.spec.IdMapping> uids = Containers.nullToEmpty(spec.linux.uidMappings);
    List<io.burrow.api.spec.IdMapping> gids = Containers.nullToEmpty(spec.linux.gidMappings);
    if (maps(uids, NOBODY) && maps(gids, NOBODY)) {
      return OptionalInt.of(NOBODY);
    }
    long best = 0;
    for (io.burrow.api.spec.IdMapping m : uids) {
      long top = m.containerId + m.size - 1;
      for (long id = top; id > best && id >= m.containerId; id--) {
        if (maps(gids, id)) {
          best = id;
          break;
        }
      }
    }
    return best > 0 ? OptionalInt.of((int) best) : OptionalInt.empty();
  }

  private static boolean maps(List<io.burrow.api.spec.IdMapping> mappings, long id) {
    return mappings.stream().anyMatch(m -> id >= m.containerId && id < m.containerId + m.size);
  }

  private static ProcessId startInit(RuntimeServices services, FileAccess fileAccess, String id, Bundle bundle,
      List<IoFile> ioFiles, Optional<IoFile> console, LaunchRequest.Placement placement)
      throws ContainerException, IOException {
    Path stateDir = services.store().root().resolve(id);
    FileAccessContext context = new FileAccessContext(id, bundle.spec(), bundle.dir(), bundle.rootfs(), stateDir,
        services.config(), services.burrowCommand(), services.launcher());
    try {
      return Containers.startInit(services, bundle, fileAccess, context, new IoFiles(ioFiles, OptionalInt.empty()),
          console, stateDir.resolve(Container.START_GATE), true, placement,
          Containers.seccompProgram(services, bundle));
    } catch (LaunchException e) {
      throw new ContainerException(e.getMessage(), e);
    }
  }

  /**
   * Answers {@code START ID PLACEMENT BUNDLE} with the child's io files: mounts them, starts the
   * child's init, and once that init exits releases its mounts. With PLACEMENT
   * {@value #PLACE_IN_CGROUP} the forked init waits for its go until the host's {@code start}
   * has moved it into the child's cgroup ({@link #PLACE_REQUEST} on the child's
   * {@link #REPORT_SOCKET}); {@value #NO_PLACEMENT} when the child has no cgroup. Replies
   * {@code PID n} or {@code ERR text}; after an error nothing of the child is left here (its
   * init is killed by the launcher, its mounts are released).
   */
  private static String startChild(RuntimeServices services, FileAccess fileAccess, String request,
      List<IoFile> fds) {
    String[] words = request.split(" ", 4);
    if (words.length != 4 || !words[0].equals("START")
        || !(words[2].equals(PLACE_IN_CGROUP) || words[2].equals(NO_PLACEMENT))) {
      fds.forEach(IoFile::close);
      return "ERR unknown request '" + request + "'";
    }
    String childId = words[1];
    FileAccessContext context = null;
    try {
      io.burrow.core.store.ContainerStore.validateId(childId);
      Bundle child = BundleLoader.load(Path.of(words[3]));
      Path childState = services.store().root().resolve(childId);
      context = new FileAccessContext(childId, child.spec(), child.dir(), child.rootfs(), childState,
          services.config(), services.burrowCommand(), services.launcher());
      LaunchRequest.Placement placement = words[2].equals(PLACE_IN_CGROUP)
          ? askHost(services, childState.resolve(REPORT_SOCKET)) : null;
      ProcessId init = startInit(services, fileAccess, childId, child, fds, Optional.empty(), placement);
      FileAccessContext mounted = context;
      // The received io files stay this request's until the child's init is gone (the mounts use copies).
      Thread reaper = new Thread(() -> {
        try {
          services.processes().waitForExit(init);
          fileAccess.release(mounted);
        } catch (IOException e) {
          LOG.warn("container {}: {}", childId, e.getMessage());
        } finally {
          fds.forEach(IoFile::close);
        }
      }, "reaper " + childId);
      reaper.setDaemon(true);
      reaper.start();
      return "PID " + init.pid();
    } catch (ContainerException | IOException | RuntimeException e) {
      fds.forEach(IoFile::close);
      String error = "ERR " + e.getMessage();
      if (context != null) {
        // The mounts may have been made before the launch failed; release is idempotent.
        try {
          fileAccess.release(context);
        } catch (IOException | RuntimeException cleanup) {
          error += " (and its mounts could not be released: " + cleanup.getMessage() + ")";
        }
      }
      return error;
    }
  }

  private static void report(RuntimeServices services, Path control, String line, String id)
      throws ContainerException {
    try {
      services.control().request(control, line, List.of(), REPORT_TIMEOUT);
    } catch (IOException e) {
      throw new ContainerException("sandbox of container '" + id + "': cannot report to " + control + ": "
          + e.getMessage(), e);
    }
  }
}
