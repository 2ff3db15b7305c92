package io.burrow.api.spi;

import io.burrow.api.launch.InitPlan;
import io.burrow.api.launch.Opcode;
import io.burrow.api.spec.IdMapping;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * A request to start a container init (or another process through the exec helper).
 *
 * @param description what is launched, for errors ("container c1")
 * @param plan what the exec helper does, in order
 * @param uidMappings written when the plan asks for them (MAP_IDS)
 * @param gidMappings written when the plan asks for them (MAP_IDS)
 * @param inheritedFds fds passed to the init as 3, 4, ...; still owned by the caller
 * @param consoleSocket a socket connected to the client's {@code --console-socket}, present exactly
 *     when the plan has a {@link Opcode#CONSOLE} op, which sends the pty master on it; still owned
 *     by the caller, who closes its copy once {@code launch} returns (the helper has its own)
 * @param seccompListener where the listener fd goes, present exactly when the plan installs a
 *     seccomp filter with SECCOMP_FILTER_FLAG_NEW_LISTENER (an {@code SCMP_ACT_NOTIFY} rule)
 * @param placement called with the forked init's pid while it still waits for its go (before it
 *     unshares its cgroup namespace), to move it into the container's cgroup; null for none
 */
public record LaunchRequest(
    String description,
    InitPlan plan,
    List<IdMapping> uidMappings,
    List<IdMapping> gidMappings,
    List<IoFile> inheritedFds,
    Optional<IoFile> consoleSocket,
    Optional<SeccompListener> seccompListener,
    Placement placement) {

  public LaunchRequest {
    boolean wantsConsole = plan.ops().stream().anyMatch(op -> op.opcode() == Opcode.CONSOLE);
    if (wantsConsole != consoleSocket.isPresent()) {
      throw new IllegalArgumentException(description + ": " + (wantsConsole
          ? "the plan sets up a terminal (CONSOLE) but the request has no console socket"
          : "the request has a console socket but the plan sets up no terminal (CONSOLE)"));
    }
    boolean wantsListener = plan.ops().stream().anyMatch(op -> op.opcode() == Opcode.SECCOMP
        && (Long.parseUnsignedLong(op.args().get(1)) & SeccompProgram.FLAG_NEW_LISTENER) != 0);
    if (wantsListener != seccompListener.isPresent()) {
      throw new IllegalArgumentException(description + ": " + (wantsListener
          ? "the plan's seccomp filter has a listener (SCMP_ACT_NOTIFY) but the request says not where it goes"
          : "the request has a seccomp listener path but the plan's filter makes no listener"));
    }
  }

  /** A request without a placement. */
  public LaunchRequest(String description, InitPlan plan, List<IdMapping> uidMappings, List<IdMapping> gidMappings,
      List<IoFile> inheritedFds, Optional<IoFile> consoleSocket, Optional<SeccompListener> seccompListener) {
    this(description, plan, uidMappings, gidMappings, inheritedFds, consoleSocket, seccompListener, null);
  }

  /** A request with a terminal or without, and without a seccomp listener or a placement. */
  public LaunchRequest(String description, InitPlan plan, List<IdMapping> uidMappings, List<IdMapping> gidMappings,
      List<IoFile> inheritedFds, Optional<IoFile> consoleSocket) {
    this(description, plan, uidMappings, gidMappings, inheritedFds, consoleSocket, Optional.empty());
  }

  /** A request without a terminal. */
  public LaunchRequest(String description, InitPlan plan, List<IdMapping> uidMappings, List<IdMapping> gidMappings,
      List<IoFile> inheritedFds) {
    this(description, plan, uidMappings, gidMappings, inheritedFds, Optional.empty());
  }

  /** This request with {@code placement} (may be null). */
  public LaunchRequest withPlacement(Placement placement) {
    return new LaunchRequest(description, plan, uidMappings, gidMappings, inheritedFds, consoleSocket, seccompListener,
        placement);
  }

  /** Moves a just-forked init (a pid of the launcher's pid namespace) where it belongs. */
  @FunctionalInterface
  public interface Placement {
    void place(int pid) throws IOException;
  }
}
