package io.burrow.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.burrow.api.spec.SpecIo;
import io.burrow.it.ClientSupport.Mode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Podman (Debian's 4.3, with conmon) of one test, with burrow as its OCI runtime, using nothing of
 * the host's Podman set-up: storage ({@code --root}, {@code --runroot}, vfs driver), {@code --tmpdir}
 * (with file locks, not the host-wide shared-memory lock segment), the events log, the network
 * config dir and an empty CNI plugin dir all live under {@code BASE/pm}, and private containers.conf, storage.conf and
 * registries.conf are passed through {@code CONTAINERS_CONF}, {@code CONTAINERS_STORAGE_CONF} and
 * {@code CONTAINERS_REGISTRIES_CONF} (conmon hands {@code CONTAINERS_CONF} on to the
 * {@code podman container cleanup} it runs when a container exits).
 *
 * <p>Podman gives the runtime no {@code --root}, so burrow keeps its state in its default
 * {@code /run/burrow}, as runc does in {@code /run/runc}; container ids are random 64-hex strings,
 * and {@link #stop()} checks that none of this test's ids is left there. Networking is
 * {@code none}: a bridge would need CNI plugins, iptables and a host network config, and what
 * burrow must do for networking (a prestart hook on the container's network namespace) is covered
 * through dockerd. Used by one test thread.
 */
final class PrivatePodman {
  static final String PODMAN = "/usr/bin/podman";
  static final String IMAGE = "local/busybox:1";
  private static final Path BURROW_DEFAULT_ROOT = Path.of("/run/burrow");

  private final TestEnv env;
  private final Path dir;
  private final ClientCommand client;

  private PrivatePodman(TestEnv env) {
    this.env = env;
    this.dir = env.dir("pm");
    this.client = new ClientCommand(env.base().resolve("out"), env.base().toString(), Map.of(
        "CONTAINERS_CONF", dir.resolve("containers.conf").toString(),
        "CONTAINERS_STORAGE_CONF", dir.resolve("storage.conf").toString(),
        "CONTAINERS_REGISTRIES_CONF", dir.resolve("registries.conf").toString()), Duration.ofSeconds(60));
  }

  /** Writes the private configuration and imports the busybox image; fails or skips (see {@link ClientSupport#unavailable}) if Podman cannot run. */
  static PrivatePodman start(TestEnv env) {
    ClientSupport.requireProgram("podman", PODMAN);
    ClientSupport.requireProgram("podman", "/usr/bin/conmon");
    PrivatePodman p = new PrivatePodman(env);
    p.writeConfig();
    ClientCommand.Result imported = p.client.run(OciLayout.busybox().layer(), p.command(Mode.GOFER, "import", "-", IMAGE));
    if (imported.exitCode() != 0) {
      ClientSupport.unavailable("podman", "`podman import` of the busybox rootfs failed:\n" + imported.outputs());
    }
    return p;
  }

  private void writeConfig() {
    try {
      Files.writeString(dir.resolve("containers.conf"), String.join("\n",
          "[engine]",
          "cgroup_manager = \"cgroupfs\"",
          "events_logger = \"file\"",
          "events_logfile_path = \"" + eventsLog() + "\"",
          "lock_type = \"file\"",
          "tmp_dir = \"" + dir.resolve("tmp") + "\"",
          "[network]",
          "network_backend = \"cni\"",
          "network_config_dir = \"" + dir.resolve("net") + "\"",
          // Podman refuses to start unless one plugin dir exists; an empty private one runs no host plugin.
          "cni_plugin_dirs = [\"" + env.dir("pm/cni") + "\"]",
          ""));
      Files.writeString(dir.resolve("storage.conf"), String.join("\n",
          "[storage]",
          "driver = \"vfs\"",
          "runroot = \"" + dir.resolve("run") + "\"",
          "graphroot = \"" + dir.resolve("graph") + "\"",
          ""));
      Files.writeString(dir.resolve("registries.conf"), "unqualified-search-registries = []\n");
    } catch (IOException e) {
      throw new AssertionError("cannot write Podman's configuration in " + dir, e);
    }
  }

  private Path eventsLog() {
    return dir.resolve("events.log");
  }

  /**
   * {@code podman GLOBAL-FLAGS ARGS...}: the private storage and tmp dirs, burrow as the runtime,
   * and in direct mode {@code --runtime-flag file-access=direct} (Podman puts {@code --} in front
   * and passes it to every runtime call).
   */
  List<String> command(Mode mode, String... args) {
    List<String> cmd = new ArrayList<>(List.of(PODMAN,
        "--root", dir.resolve("graph").toString(),
        "--runroot", dir.resolve("run").toString(),
        "--tmpdir", dir.resolve("tmp").toString(),
        "--storage-driver", "vfs",
        "--cgroup-manager", "cgroupfs",
        "--events-backend", "file",
        "--runtime", ClientSupport.burrow().toString()));
    if (mode == Mode.DIRECT) {
      cmd.addAll(List.of("--runtime-flag", "file-access=direct"));
    }
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Runs {@code podman ... ARGS}. */
  ClientCommand.Result podman(Mode mode, String... args) {
    return client.run(command(mode, args));
  }

  /**
   * {@code podman run} options every test needs. Podman's default RLIMIT_NOFILE and RLIMIT_NPROC
   * for root (1048576) are above this host's hard limits, which no runtime may raise (runc fails
   * the same way), so both are set below them.
   */
  static List<String> runOptions() {
    return List.of("--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096", "--network", "none");
  }

  /** Every container id Podman created for this test, from its events log. */
  Set<String> containerIds() {
    Set<String> ids = new LinkedHashSet<>();
    try {
      if (!Files.exists(eventsLog())) {
        return ids;
      }
      for (String line : Files.readAllLines(eventsLog())) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode e = SpecIo.MAPPER.readTree(line);
        if ("container".equals(e.path("Type").asText()) && e.hasNonNull("ID")) {
          ids.add(e.path("ID").asText());
        }
      }
    } catch (IOException e) {
      throw new AssertionError("cannot read Podman's events log " + eventsLog() + ": " + e, e);
    }
    return ids;
  }

  /**
   * What a user would do to clean up: {@code podman rm --force} of every container of the test
   * (in {@code mode}, so burrow gets the same flags). Returns what is left of burrow: state dirs
   * in {@code /run/burrow} of this test's containers.
   */
  List<String> stop(Mode mode) {
    List<String> problems = new ArrayList<>();
    Set<String> ids = containerIds();
    ClientCommand.Result ps = client.withTimeout(Duration.ofSeconds(30)).run(command(mode, "ps", "-a", "-q", "--no-trunc"));
    for (String id : ps.stdout().lines().map(String::trim).filter(s -> !s.isEmpty()).toList()) {
      ids.add(id);
      ClientCommand.Result rm = client.withTimeout(Duration.ofSeconds(60)).run(command(mode, "rm", "--force", "--time", "2", id));
      if (rm.exitCode() != 0) {
        problems.add("teardown `podman rm --force " + id + "` failed:\n" + rm.outputs());
      }
    }
    for (String id : ids) {
      Path state = BURROW_DEFAULT_ROOT.resolve(id);
      if (Files.exists(state)) {
        problems.add("burrow state left for container " + id + ": " + state);
      }
    }
    env.atCleanup(() -> {
      for (String id : ids) {
        Host.sh(Duration.ofSeconds(30), "rm", "-rf", "--one-file-system", BURROW_DEFAULT_ROOT.resolve(id).toString());
      }
    });
    return problems;
  }
}
