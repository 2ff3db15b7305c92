package io.burrow.api.spi;

import io.burrow.api.config.Config;
import io.burrow.api.spec.Spec;
import java.nio.file.Path;

/**
 * What a {@link FileAccess} is told about the container whose files it serves.
 *
 * @param containerId the container's id
 * @param spec the validated spec; not modified by the plugin
 * @param bundle the absolute bundle directory
 * @param rootfs the absolute host path of the container's root filesystem
 * @param config the runtime configuration
 */
public record FileAccessContext(String containerId, Spec spec, Path bundle, Path rootfs, Config config) {}
