package io.burrow.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A containerd of one test, private in everything containerd lets one choose: root, state, gRPC
 * and ttrpc sockets under {@code BASE/ctrd}, the CRI plugin and everything else that needs the
 * network or host paths disabled, images in the {@code native} snapshotter (no overlay mounts).
 * Two things containerd fixes host-wide: the runc shim's {@code --root} is
 * {@code /run/containerd/runc/NAMESPACE}, and its sockets live in {@code /run/containerd/s}. So
 * the test runs in its own namespace, named after its base dir, and {@link #stop()} checks that
 * namespace's shim root; a clean-up step registered with the {@link TestEnv} removes both traces.
 *
 * <p>containerd, and through it every shim and every burrow the shims run, carries the test's
 * {@link Burrow#MARK_ENV}, so the test's leak check finds whatever survives. Used by one test
 * thread.
 */
final class PrivateContainerd {
  static final String CONTAINERD = "/usr/bin/containerd";
  static final String CTR = "/usr/bin/ctr";

  private final TestEnv env;
  private final Path dir;
  private final Path socket;
  private final String namespace;
  private final ClientCommand client;
  private final List<String> ids = new ArrayList<>();
  private Process daemon;

  private PrivateContainerd(TestEnv env) {
    this.env = env;
    this.dir = env.dir("ctrd");
    this.socket = dir.resolve("c.sock");
    this.namespace = env.base().getFileName().toString();
    // The shim inherits containerd's environment: BURROW tells scripts/burrow-direct which burrow to run.
    this.client = new ClientCommand(env.base().resolve("out"), env.base().toString(),
        Map.of("CONTAINERD_SNAPSHOTTER", "native", "BURROW", ClientSupport.burrow().toString()), Duration.ofSeconds(60));
  }

  /** Starts containerd for {@code env} and imports the busybox image; fails or skips (see {@link ClientSupport#unavailable}) if it cannot. */
  static PrivateContainerd start(TestEnv env) {
    ClientSupport.requireProgram("containerd", CONTAINERD);
    ClientSupport.requireProgram("containerd", CTR);
    ClientSupport.requireProgram("containerd", "/usr/bin/containerd-shim-runc-v2");
    PrivateContainerd c = new PrivateContainerd(env);
    env.atCleanup(c::removeHostTraces);
    c.startDaemon();
    c.ctr("images", "import", OciLayout.busybox().layoutTarball().toString()).ok();
    return c;
  }

  /** The namespace the test's containers live in. */
  String namespace() {
    return namespace;
  }

  /** The runc shim's {@code --root} for this namespace: burrow's state dirs. */
  Path shimRoot() {
    return Path.of("/run/containerd/runc", namespace);
  }

  /** The image {@link #start} imported. */
  String image() {
    return OciLayout.BUSYBOX_REF;
  }

  /** Remembers a container id the test uses, so {@link #stop()} deletes it and cleanup removes its socket. */
  String id(String id) {
    ids.add(id);
    return id;
  }

  /** {@code ctr -a SOCK -n NS ARGS...} with stdin from /dev/null. */
  ClientCommand.Result ctr(String... args) {
    return client.run(command(args));
  }

  /** {@code ctr -a SOCK -n NS ARGS...} with stdin from {@code stdin}. */
  ClientCommand.Result ctrWithStdin(Path stdin, String... args) {
    return client.run(stdin, command(args));
  }

  private List<String> command(String... args) {
    List<String> cmd = new ArrayList<>(List.of(CTR, "-a", socket.toString(), "-n", namespace));
    cmd.addAll(List.of(args));
    return cmd;
  }

  private void startDaemon() {
    Path config = dir.resolve("config.toml");
    String toml = String.join("\n",
        "version = 2",
        "root = \"" + dir.resolve("root") + "\"",
        "state = \"" + dir.resolve("state") + "\"",
        // CRI would start networking and the kubelet API; opt writes to /opt/containerd; the
        // other snapshotters probe host file systems; tracing wants a collector.
        "disabled_plugins = [\"io.containerd.grpc.v1.cri\", \"io.containerd.internal.v1.opt\",",
        "  \"io.containerd.snapshotter.v1.aufs\", \"io.containerd.snapshotter.v1.btrfs\",",
        "  \"io.containerd.snapshotter.v1.devmapper\", \"io.containerd.snapshotter.v1.zfs\",",
        "  \"io.containerd.snapshotter.v1.overlayfs\", \"io.containerd.tracing.processor.v1.otlp\",",
        "  \"io.containerd.internal.v1.tracing\"]",
        "[grpc]",
        "  address = \"" + socket + "\"",
        "[ttrpc]",
        "  address = \"" + dir.resolve("c.ttrpc") + "\"",
        "[debug]",
        "  address = \"\"",
        "[metrics]",
        "  address = \"\"",
        "");
    try {
      Files.writeString(config, toml);
    } catch (IOException e) {
      throw new AssertionError("cannot write " + config, e);
    }
    Path log = env.base().resolve("out/containerd.log");
    ProcessBuilder pb = new ProcessBuilder(CONTAINERD, "--config", config.toString(), "--log-level", "info")
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(log.toFile())
        .redirectErrorStream(true);
    pb.environment().putAll(client.env());
    pb.environment().put(Burrow.MARK_ENV, env.base().toString());
    try {
      daemon = pb.start();
    } catch (IOException e) {
      ClientSupport.unavailable("containerd", "cannot start " + CONTAINERD + ": " + e.getMessage());
      return;
    }
    env.helper(daemon.toHandle());
    ClientCommand quick = client.withTimeout(Duration.ofSeconds(10));
    String[] last = {""};
    boolean up = Host.eventually(Duration.ofSeconds(30), () -> {
      if (!daemon.isAlive()) {
        return true;
      }
      ClientCommand.Result r = quick.run(List.of(CTR, "-a", socket.toString(), "version"));
      last[0] = r.outputs();
      return r.exitCode() == 0;
    });
    if (!daemon.isAlive() || !up) {
      ClientSupport.unavailable("containerd", (daemon.isAlive() ? "did not answer on " + socket + " within 30 s: " + last[0]
          : "exited with " + daemon.exitValue()) + "\n--- containerd.log ---\n" + tail(log));
    }
  }

  /**
   * What a user would do to clean up: kill, delete the task and the container of every id the
   * test used, then stop containerd (SIGTERM, SIGKILL after 10 s). Returns what is left of
   * burrow in the shim's root: a state dir there means a container burrow never deleted.
   */
  List<String> stop() {
    List<String> problems = new ArrayList<>();
    if (daemon != null && daemon.isAlive()) {
      ClientCommand quick = client.withTimeout(Duration.ofSeconds(30));
      for (String id : ids) {
        try {
          quick.run(command("task", "kill", "-s", "KILL", id));
          quick.run(command("task", "delete", "--force", id));
          quick.run(command("containers", "delete", id));
        } catch (AssertionError e) {
          problems.add("teardown of " + id + ": " + e.getMessage());
        }
      }
      daemon.destroy();
      try {
        if (!daemon.waitFor(10, TimeUnit.SECONDS)) {
          problems.add("containerd ignored SIGTERM for 10 s; killed it");
          daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try (var entries = Files.list(shimRoot())) {
      entries.forEach(p -> problems.add("burrow state left in the shim's root: " + p));
    } catch (java.nio.file.NoSuchFileException e) {
      // the shim never ran a container here
    } catch (IOException e) {
      problems.add("cannot list " + shimRoot() + ": " + e);
    }
    return problems;
  }

  /** Removes the namespace's shim root and the shims' sockets in /run/containerd/s (after leftovers are killed). */
  private void removeHostTraces() {
    if (Files.exists(shimRoot())) {
      for (String m : Host.mountPoints()) {
        if (Host.under(m, shimRoot())) {
          Host.sh(Duration.ofSeconds(20), "umount", "-l", m);
        }
      }
      Host.sh(Duration.ofSeconds(30), "rm", "-rf", "--one-file-system", shimRoot().toString());
    }
    for (String id : ids) {
      try {
        Files.deleteIfExists(shimSocket(id));
      } catch (IOException e) {
        // a stale socket in /run/containerd/s is harmless to other tests
      }
    }
  }

  /** containerd 1.6's shim socket address: /run/containerd/s/hex(sha256(GRPC_ADDRESS/NAMESPACE/ID)). */
  private Path shimSocket(String id) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256")
          .digest((socket + "/" + namespace + "/" + id).getBytes(StandardCharsets.UTF_8));
      return Path.of("/run/containerd/s", HexFormat.of().formatHex(d));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "<cannot read " + log + ">";
    }
  }
}
