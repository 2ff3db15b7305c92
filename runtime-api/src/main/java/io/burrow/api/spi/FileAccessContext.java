package io.burrow.api.spi;

import io.burrow.api.config.Config;
import io.burrow.api.spec.Spec;
import java.nio.file.Path;
import java.util.List;

/**
 * What a {@link FileAccess} is told about the container whose files it serves, and the runtime
 * services it may use.
 *
 * @param containerId the container's id
 * @param spec the validated spec; not modified by the plugin
 * @param bundle the absolute bundle directory
 * @param rootfs the absolute host path of the container's root filesystem
 * @param stateDir a directory private to this container (its state directory), for the plugin's
 *     own files and mount points; removed with the container
 * @param config the runtime configuration
 * @param burrowCommand the argv prefix that runs burrow itself (e.g. the launcher script), to which
 *     a plugin appends {@code config.toFlags()} and a subcommand such as {@code gofer}
 * @param launcher starts helper processes (such as a gofer) in the spec's namespaces
 */
public record FileAccessContext(
    String containerId,
    Spec spec,
    Path bundle,
    Path rootfs,
    Path stateDir,
    Config config,
    List<String> burrowCommand,
    NamespaceLauncher launcher) {

  /**
   * Under {@link #stateDir}: where the root of a container that shares the runtime's mount
   * namespace (no {@code mount} in {@code linux.namespaces}) is put together. Its mounts live in
   * the runtime's namespace, so the direct file access detaches this directory on release.
   */
  public static final String SHARED_NAMESPACE_ROOT = "rootfs";
}
