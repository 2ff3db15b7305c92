package io.burrow.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.burrow.api.spec.SpecIo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Helpers for the gofer-mode tests: a runner with {@code --file-access gofer}, the pids burrow
 * records in {@code ROOT/ID/state.json}, and the checks that nothing of a container is left.
 * Reuses the harness ({@link TestEnv}, {@link Burrow}, {@link Host}) read-only.
 */
final class GoferSupport {
  private GoferSupport() {}

  /** {@code burrow --root R --file-access gofer [extra]}. */
  static Burrow gofer(TestEnv env, String... extra) {
    List<String> flags = new ArrayList<>(List.of("--file-access", "gofer"));
    flags.addAll(List.of(extra));
    return env.burrow().withGlobalFlags(flags.toArray(new String[0]));
  }

  /** Docker's default capabilities, which `burrow spec` (like `runc spec`) does not give: su and chown need them. */
  static final List<String> DOCKER_CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
      "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
      "CAP_KILL", "CAP_AUDIT_WRITE");

  static Bundle withDockerCaps(Bundle b) {
    return b.edit(s -> {
      s.process.capabilities.bounding = new ArrayList<>(DOCKER_CAPS);
      s.process.capabilities.effective = new ArrayList<>(DOCKER_CAPS);
      s.process.capabilities.permitted = new ArrayList<>(DOCKER_CAPS);
    });
  }

  /** The processes burrow recorded for a container. */
  record Pids(long init, long sandbox, long fileServer) {}

  /** Reads {@code ROOT/ID/state.json} (burrow's record, not the OCI state) for the recorded pids. */
  static Pids pids(TestEnv env, String id) {
    Path file = env.stateDir(id).resolve("state.json");
    JsonNode node;
    try {
      node = SpecIo.MAPPER.readTree(file.toFile());
    } catch (IOException e) {
      throw new AssertionError("cannot read " + file + ": " + e.getMessage(), e);
    }
    Pids p = new Pids(node.path("init").path("pid").asLong(0), node.path("sandbox").path("pid").asLong(0),
        node.path("fileServer").path("pid").asLong(0));
    assertThat(p.sandbox()).as("sandbox pid in %s: %s", file, node).isPositive();
    assertThat(p.fileServer()).as("fileServer pid in %s: %s", file, node).isPositive();
    env.trackPid(p.sandbox());
    env.trackPid(p.fileServer());
    return p;
  }

  /** The {@code fileServer} annotation of {@code burrow state ID}. */
  static String fileServerState(TestEnv env, String id) {
    return env.state(id).path("fileServer").asText("<missing>");
  }

  /** Lines of /proc/self/mountinfo whose fs type is fuse.burrow, or whose mount point is under the test's base. */
  static List<String> hostMountTraces(TestEnv env) {
    List<String> out = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String[] f = line.split(" ");
        int dash = line.indexOf(" - ");
        String fstype = dash < 0 ? "" : line.substring(dash + 3).split(" ")[0];
        if (fstype.startsWith("fuse.burrow") || (f.length > 4 && Host.under(Host.unescapeOctal(f[4]), env.base()))) {
          out.add(line);
        }
      }
    } catch (IOException e) {
      throw new AssertionError("cannot read /proc/self/mountinfo", e);
    }
    return out;
  }

  /** Live burrow gofer/boot processes whose command line names this test's base dir (its root or a bundle). */
  static List<String> burrowProcesses(TestEnv env) {
    List<String> out = new ArrayList<>();
    String base = env.base().toString();
    for (long pid : Host.allPids()) {
      String cmd = Host.cmdline(pid);
      if (cmd.contains(base) && (cmd.contains(" gofer ") || cmd.contains(" boot ")) && Host.alive(pid)) {
        out.add(pid + ": " + cmd);
      }
    }
    return out;
  }

  /** Asserts that, after delete, nothing of the container is left: state dir, mounts, gofer/boot processes. */
  static void assertNothingLeft(TestEnv env, String id, Pids pids) {
    assertThat(env.stateDir(id)).as("state dir of %s after delete", id).doesNotExist();
    boolean gone = Host.eventually(Duration.ofSeconds(10), () -> !Host.alive(pids.init()) && !Host.alive(pids.sandbox())
        && !Host.alive(pids.fileServer()) && burrowProcesses(env).isEmpty() && hostMountTraces(env).isEmpty());
    if (!gone) {
      throw new AssertionError("after delete of " + id + " something is left within 10 s: init " + pids.init() + " alive="
          + Host.alive(pids.init()) + ", sandbox " + pids.sandbox() + " alive=" + Host.alive(pids.sandbox())
          + ", gofer " + pids.fileServer() + " alive=" + Host.alive(pids.fileServer()) + ", processes "
          + burrowProcesses(env) + ", host mounts " + hostMountTraces(env));
    }
  }

  /** Polls a condition with a bound, failing with {@code what} when it does not hold in time. */
  static void await(Duration bound, String what, java.util.function.BooleanSupplier condition) {
    if (!Host.eventually(bound, condition)) {
      throw new AssertionError("timed out after " + bound.toSeconds() + " s waiting for: " + what);
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new AssertionError("cannot read " + file, e);
    }
  }

  static void write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new AssertionError("cannot write " + file, e);
    }
  }

  static Optional<String> readLink(Path p) {
    try {
      return Optional.of(Files.readSymbolicLink(p).toString());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The sha256 of a host file, via the host's sha256sum. */
  static String sha256(Path file) {
    return Host.sh(Duration.ofSeconds(120), "sha256sum", file.toString()).ok().output().split(" ")[0].trim();
  }
}
