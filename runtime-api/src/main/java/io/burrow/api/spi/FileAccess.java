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

  /** Sandbox side: makes the files reachable and says where the root and served mounts are. */
  MountSources mountSources(FileAccessContext context, IoFiles ioFiles) throws IOException;
}
