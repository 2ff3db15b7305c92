package io.burrow.core;

import io.burrow.api.spec.Spec;
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
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

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
  /** Where {@code create} waits for the sandbox's report (removed once it came). */
  static final String REPORT_SOCKET = "boot.sock";
  /** Where a pod's sandbox takes requests to start the pod's other containers. */
  static final String POD_SOCKET = "pod.sock";
  /** An empty directory the sandbox confines itself to once the init runs. */
  static final String EMPTY_ROOT = "sandbox-root";
  /**
   * The sandbox's request on its report connection, before the report, that the host move a
   * just-forked init into the container's cgroup; answered {@code OK} or {@code ERR text}.
   */
  static final String PLACE_REQUEST = "CGROUP ";
  // Generous: on a loaded machine two JVMs (gofer, sandbox) must start before the init runs.
  private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(180);

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
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(control));
      // The sandbox runs as the container's root, which may be any host uid.
      Files.setPosixFilePermissions(control, PosixFilePermissions.fromString("rw-rw-rw-"));
      server.configureBlocking(false);
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
      String report = awaitReport(services, server, sandbox, placement);
      if (report.startsWith("PID ")) {
        int pid = Integer.parseInt(report.substring(4).trim());
        ProcessId init = services.processes().identify(pid)
            .orElseThrow(() -> new ContainerException("the container init (pid " + pid + ") exited at once"));
        return new Started(sandbox, init);
      }
      throw new ContainerException("the sandbox failed: " + (report.startsWith("ERR ") ? report.substring(4) : report));
    } finally {
      Files.deleteIfExists(control);
    }
  }

  private static String awaitReport(RuntimeServices services, ServerSocketChannel server, ProcessId sandbox,
      LaunchRequest.Placement placement) throws IOException, ContainerException {
    long deadline = System.nanoTime() + BOOT_TIMEOUT.toNanos();
    long sleep = 1;
    while (true) {
      SocketChannel peer = server.accept();
      if (peer != null) {
        try (peer) {
          peer.configureBlocking(true);
          String line = readLine(peer);
          // The sandbox's init waits for its go until the host has moved it into the container's cgroup.
          while (line.startsWith(PLACE_REQUEST)) {
            try {
              if (placement != null) {
                placement.place(Integer.parseInt(line.substring(PLACE_REQUEST.length()).trim()));
              }
              writeLine(peer, "OK");
            } catch (IOException | RuntimeException e) {
              writeLine(peer, "ERR " + e.getMessage());
            }
            line = readLine(peer);
          }
          return line;
        }
      }
      if (!services.processes().isAlive(sandbox)) {
        throw new ContainerException("the sandbox (pid " + sandbox.pid() + ") exited before it started the init");
      }
      if (System.nanoTime() > deadline) {
        throw new ContainerException("the sandbox (pid " + sandbox.pid() + ") did not start the init within "
            + BOOT_TIMEOUT.toSeconds() + " s");
      }
      sleepQuietly(sleep);
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
    try (SocketChannel report = SocketChannel.open(UnixDomainSocketAddress.of(control))) {
      try {
        try {
          init = startInit(services, fileAccess, id, bundle, ioFiles, console, pid -> {
            writeLine(report, PLACE_REQUEST + pid);
            String reply = readLine(report);
            if (!reply.equals("OK")) {
              throw new IOException(reply.replaceFirst("^ERR ", ""));
            }
          });
        } finally {
          console.ifPresent(IoFile::close);
        }
        if (Pod.isPodSandbox(bundle.spec())) {
          podServer = services.control().serve(stateDir.resolve(POD_SOCKET),
              (request, fds) -> startChild(services, fileAccess, request, fds));
        }
      } catch (ContainerException | IOException | RuntimeException e) {
        writeLine(report, "ERR " + e.getMessage());
        throw new ContainerException("sandbox of container '" + id + "': " + e.getMessage(), e);
      }
      writeLine(report, "PID " + init.pid());
    } catch (IOException e) {
      // The init, if any, dies with us (PDEATHSIG).
      throw new ContainerException("sandbox of container '" + id + "': cannot report to " + control + ": "
          + e.getMessage(), e);
    }
    try {
      if (podServer == null) {
        // From here the sandbox reaches files only through the fds it holds: the io files.
        services.processes().confine(stateDir.resolve(EMPTY_ROOT));
      }
      return services.processes().waitForExit(init);
    } catch (IOException e) {
      throw new ContainerException("sandbox of container '" + id + "': " + e.getMessage(), e);
    }
  }

  private static ProcessId startInit(RuntimeServices services, FileAccess fileAccess, String id, Bundle bundle,
      List<IoFile> ioFiles, Optional<IoFile> console, LaunchRequest.Placement placement)
      throws ContainerException, IOException {
    Path stateDir = services.store().root().resolve(id);
    FileAccessContext context = new FileAccessContext(id, bundle.spec(), bundle.dir(), bundle.rootfs(), stateDir,
        services.config(), services.burrowCommand(), services.launcher());
    try {
      return Containers.startInit(services, bundle, fileAccess, context, new IoFiles(ioFiles, OptionalInt.empty()),
          console, stateDir.resolve(Container.START_GATE), true, placement);
    } catch (LaunchException e) {
      throw new ContainerException(e.getMessage(), e);
    }
  }

  /**
   * Answers {@code START ID BUNDLE} with the child's io files: mounts them, starts the child's
   * init, and once that init exits releases its mounts. Replies {@code PID n} or {@code ERR text}.
   */
  private static String startChild(RuntimeServices services, FileAccess fileAccess, String request,
      List<IoFile> fds) {
    String[] words = request.split(" ", 3);
    if (words.length != 3 || !words[0].equals("START")) {
      fds.forEach(IoFile::close);
      return "ERR unknown request '" + request + "'";
    }
    String childId = words[1];
    try {
      io.burrow.core.store.ContainerStore.validateId(childId);
      Bundle child = BundleLoader.load(Path.of(words[2]));
      // A pod's child lives in its pod's sandbox, and in no cgroup of its own (yet).
      ProcessId init = startInit(services, fileAccess, childId, child, fds, Optional.empty(), null);
      FileAccessContext context = new FileAccessContext(childId, child.spec(), child.dir(), child.rootfs(),
          services.store().root().resolve(childId), services.config(), services.burrowCommand(), services.launcher());
      Thread reaper = new Thread(() -> {
        try {
          services.processes().waitForExit(init);
          fileAccess.release(context);
        } catch (IOException e) {
          LOG.warn("container {}: {}", childId, e.getMessage());
        }
      }, "reaper " + childId);
      reaper.setDaemon(true);
      reaper.start();
      return "PID " + init.pid();
    } catch (ContainerException | IOException | RuntimeException e) {
      fds.forEach(IoFile::close);
      return "ERR " + e.getMessage();
    }
  }

  private static void writeLine(SocketChannel channel, String line) throws IOException {
    ByteBuffer bytes = StandardCharsets.UTF_8.encode(line.replace('\n', ' ') + "\n");
    while (bytes.hasRemaining()) {
      channel.write(bytes);
    }
  }

  private static String readLine(SocketChannel channel) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(8192);
    while (buf.hasRemaining() && channel.read(buf) > 0) {
      if (buf.get(buf.position() - 1) == '\n') {
        break;
      }
    }
    buf.flip();
    return StandardCharsets.UTF_8.decode(buf).toString().trim();
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
