package io.burrow.it;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * What the suites that drive burrow through real clients (containerd, Podman) share: the file
 * access mode each test runs in, the binaries the clients are pointed at, and the rule for a
 * client that cannot start. Stateless.
 */
final class ClientSupport {
  private ClientSupport() {}

  /** burrow's file access mode, as a client selects it. */
  enum Mode {
    /** burrow's default: the gofer serves the container's files. */
    GOFER,
    /** {@code --file-access=direct}: the sandbox bind-mounts from the host. */
    DIRECT;

    /** The runtime binary for clients that take a binary and no runtime flags (containerd's runc shim). */
    Path runtimeBinary() {
      return this == GOFER ? burrow() : directWrapper();
    }
  }

  /**
   * The modes the client suites run each test in: both, or those named in the system property
   * {@code burrow.it.clientModes} (comma-separated, e.g. {@code direct}) to shorten a local run.
   */
  static java.util.List<Mode> modes() {
    String only = System.getProperty("burrow.it.clientModes", "").trim();
    if (only.isEmpty()) {
      return java.util.List.of(Mode.values());
    }
    java.util.List<Mode> out = new java.util.ArrayList<>();
    for (String name : only.split(",")) {
      out.add(Mode.valueOf(name.trim().toUpperCase(java.util.Locale.ROOT)));
    }
    return out;
  }

  /** The burrow under test (system property {@code burrow.executable}). */
  static Path burrow() {
    Path p = Burrow.configuredExecutable();
    if (!Files.isExecutable(p)) {
      throw new AssertionError("burrow executable " + p + " does not exist or is not executable; build the cli module first");
    }
    return p;
  }

  /** scripts/burrow-direct (system property {@code burrow.direct.wrapper}): burrow with {@code --file-access=direct}. */
  static Path directWrapper() {
    Path p = Path.of(System.getProperty("burrow.direct.wrapper", "../scripts/burrow-direct")).toAbsolutePath().normalize();
    if (!Files.isExecutable(p)) {
      throw new AssertionError("direct-mode wrapper " + p + " does not exist or is not executable (set -Dburrow.direct.wrapper=PATH)");
    }
    return p;
  }

  /**
   * True when a client that cannot start must fail the test rather than skip it: in CI (the
   * {@code CI} environment variable, which CI systems set), under scripts/test.sh (which exports
   * {@code BURROW_IT_REQUIRE_CLIENTS=1}), or with {@code -Dburrow.it.requireClients=true}.
   */
  static boolean clientsRequired() {
    String ci = System.getenv("CI");
    if (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false") && !ci.equals("0")) {
      return true;
    }
    if ("1".equals(System.getenv("BURROW_IT_REQUIRE_CLIENTS"))) {
      return true;
    }
    return Boolean.getBoolean("burrow.it.requireClients");
  }

  /**
   * Reports that {@code client} cannot run here: fails the test where clients are required
   * ({@link #clientsRequired()}), otherwise skips it with the same message.
   */
  static void unavailable(String client, String why) {
    String message = client + " cannot run on this machine: " + why;
    if (clientsRequired()) {
      throw new AssertionError(message + " (clients are required here: CI, scripts/test.sh or -Dburrow.it.requireClients=true)");
    }
    Assumptions.abort(message + "; skipped because this is not CI (set BURROW_IT_REQUIRE_CLIENTS=1 to fail instead)");
  }

  /** Fails or skips (see {@link #unavailable}) unless {@code program} is an executable file. */
  static Path requireProgram(String client, String program) {
    Path p = Path.of(program);
    if (!Files.isExecutable(p)) {
      unavailable(client, program + " is not installed (scripts/setup.sh installs it)");
    }
    return p;
  }
}
