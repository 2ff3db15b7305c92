package io.burrow.api.spi;

import java.io.IOException;

/**
 * A file-access strategy: how a container reaches its files. Plugins are found by
 * {@link java.util.ServiceLoader} and chosen by {@link #name()} ({@code --file-access=NAME}).
 *
 * <p>The host side ({@link #createIoFiles}) runs in the runtime before the sandbox exists; the
 * sandbox side ({@link #mountSources}) runs where the container's mounts are prepared, with the
 * io files the host side produced. Implementations are stateless and thread-safe.
 */
public interface FileAccess {
  /** The name users select this strategy by, e.g. "gofer" or "direct". */
  String name();

  /**
   * Host side: starts whatever serves the container's files and returns the sandbox ends of its
   * io files in mount order ({@link ServedMounts}: the root, then each served mount). The caller
   * owns the result. Any process started here is recorded in {@link IoFiles#serverPid()} so that
   * the runtime can destroy it.
   */
  IoFiles createIoFiles(FileAccessContext context) throws IOException;

  /**
   * Sandbox side: makes the files reachable and says where the root and served mounts are. Runs
   * in the sandbox process when {@link #needsSandboxProcess()}, otherwise in the runtime.
   */
  MountSources mountSources(FileAccessContext context, IoFiles ioFiles) throws IOException;

  /**
   * Whether the sandbox side must stay alive while the container runs (it serves the files, as
   * FUSE over 9P does), so that it needs a sandbox process of its own. When false the runtime
   * prepares the mounts itself and no sandbox process exists, as with runc.
   */
  default boolean needsSandboxProcess() {
    return false;
  }
}
