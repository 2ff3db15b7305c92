package io.burrow.api.spi;

import io.burrow.api.launch.InitPlan;
import io.burrow.api.spec.IdMapping;
import java.io.IOException;
import java.util.List;

/**
 * A request to start a container init.
 *
 * @param description what is launched, for errors ("container c1")
 * @param plan what the exec helper does, in order
 * @param uidMappings written when the plan asks for them (MAP_IDS)
 * @param gidMappings written when the plan asks for them (MAP_IDS)
 * @param inheritedFds fds passed to the init as 3, 4, ...; still owned by the caller
 * @param placement called with the forked init's pid while it still waits for its go (before it
 *     unshares its cgroup namespace), to move it into the container's cgroup; null for none
 */
public record LaunchRequest(
    String description,
    InitPlan plan,
    List<IdMapping> uidMappings,
    List<IdMapping> gidMappings,
    List<IoFile> inheritedFds,
    Placement placement) {

  public LaunchRequest(String description, InitPlan plan, List<IdMapping> uidMappings, List<IdMapping> gidMappings,
      List<IoFile> inheritedFds) {
    this(description, plan, uidMappings, gidMappings, inheritedFds, null);
  }

  /** Moves a just-forked init (a pid of the launcher's pid namespace) where it belongs. */
  @FunctionalInterface
  public interface Placement {
    void place(int pid) throws IOException;
  }
}
