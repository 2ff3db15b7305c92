package io.burrow.api.spi;

import io.burrow.api.launch.InitPlan;
import io.burrow.api.spec.IdMapping;
import java.util.List;

/**
 * A request to start a container init.
 *
 * @param description what is launched, for errors ("container c1")
 * @param plan what the exec helper does, in order
 * @param uidMappings written when the plan asks for them (MAP_IDS)
 * @param gidMappings written when the plan asks for them (MAP_IDS)
 * @param inheritedFds fds passed to the init as 3, 4, ...; still owned by the caller
 */
public record LaunchRequest(
    String description,
    InitPlan plan,
    List<IdMapping> uidMappings,
    List<IdMapping> gidMappings,
    List<IoFile> inheritedFds) {}
