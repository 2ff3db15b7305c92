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
  static final String CONTROL_SOCKET = "sandbox.sock";
  /** An empty directory the sandbox confines itself to once the init runs. */
  static final String EMPTY_ROOT = "sandbox-root";
  private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(60);

  /** The sandbox process and the container init it started. */
  public record Started(ProcessId sandbox, ProcessId init) {}

  /** Called with the sandbox as soon as it runs, so that a failure after it can destroy it. */
  @FunctionalInterface
  interface Recorder {
    void record(ProcessId sandbox) throws ContainerException;
  }

  private Sandbox() {}

  /** Host side: spawns the sandbox with the io files as fds 3.. and waits for its report. */
  static Started start(RuntimeServices services, Bundle bundle, Path stateDir, IoFiles ioFiles, Recorder recorder)
      throws ContainerException, IOException, LaunchException {
    Spec spec = bundle.spec();
    Path control = stateDir.resolve(CONTROL_SOCKET);
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
      for (int i = 0; i < ioFiles.files().size(); i++) {
        argv.add("--io-fds=" + (3 + i));
      }
      ProcessId sandbox = services.launcher().launch(new LaunchRequest("sandbox",
          InitPlanner.sandboxPlan(spec, argv, List.of("PATH=" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"))),
          Containers.nullToEmpty(spec.linux.uidMappings), Containers.nullToEmpty(spec.linux.gidMappings),
          ioFiles.files()));
      recorder.record(sandbox);
      String report = awaitReport(services, server, sandbox);
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

  private static String awaitReport(RuntimeServices services, ServerSocketChannel server, ProcessId sandbox)
      throws IOException, ContainerException {
    long deadline = System.nanoTime() + BOOT_TIMEOUT.toNanos();
    long sleep = 1;
    while (true) {
      SocketChannel peer = server.accept();
      if (peer != null) {
        try (peer) {
          peer.configureBlocking(true);
          return readLine(peer);
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
   * the init, reports its pid to {@code create}, and waits for it.
   *
   * @param ioFiles the sandbox ends, owned by this process from now on
   * @return the init's exit status, the sandbox's own exit status
   */
  public static int boot(RuntimeServices services, String id, Path bundleDir, Path control, List<IoFile> ioFiles)
      throws ContainerException {
    Bundle bundle = io.burrow.core.bundle.BundleLoader.load(bundleDir);
    Path stateDir = services.store().root().resolve(id);
    ProcessId init;
    try (SocketChannel report = SocketChannel.open(UnixDomainSocketAddress.of(control))) {
      try {
        FileAccess fileAccess = services.fileAccess().select(services.config().fileAccess());
        FileAccessContext context = new FileAccessContext(id, bundle.spec(), bundle.dir(), bundle.rootfs(),
            stateDir, services.config(), services.burrowCommand(), services.launcher());
        Path gate = stateDir.resolve(Container.START_GATE);
        init = Containers.startInit(services, bundle, fileAccess, context, new IoFiles(ioFiles, OptionalInt.empty()),
            gate, true);
      } catch (ContainerException | IOException | LaunchException | RuntimeException e) {
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
      // From here the sandbox reaches files only through the fds it holds: the io files.
      services.processes().confine(stateDir.resolve(EMPTY_ROOT));
      return services.processes().waitForExit(init);
    } catch (IOException e) {
      throw new ContainerException("sandbox of container '" + id + "': " + e.getMessage(), e);
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
