package io.burrow.api.spi;

import io.burrow.api.spec.Mount;
import java.util.Map;

/**
 * Where, in the sandbox's mount namespace, the container's root and each served mount can be
 * bind-mounted from: a host path in direct mode, a FUSE mount over 9P in gofer mode.
 *
 * @param root the directory that becomes the container's root
 * @param binds the source of each served bind mount, keyed by the spec's mount object (identity)
 */
public record MountSources(String root, Map<Mount, String> binds) {}
