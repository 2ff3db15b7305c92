package io.burrow.api.spi;

import java.io.IOException;

/**
 * A file-access strategy: how a container reaches its files. A plugin ({@code io.burrow.plugin}
 * in plugin-api) binds it under its name; users choose it with {@code --file-access=NAME}, and a
 * container keeps the one it was created with.
 *
 * <p>Where each part runs: {@link #createIoFiles} on the host, in the runtime process, before the
 * sandbox exists; {@link #mountSources} in the sandbox when {@link #needsSandboxProcess()}, else
 * in the runtime; {@link #release} where {@link #mountSources} ran.
 *
 * <p>Who owns what: the {@link IoFiles} {@link #createIoFiles} returns belong to the caller,
 * which passes them into the sandbox and closes its copies; the plugin keeps no fd. A helper
 * process the plugin starts is recorded in {@link IoFiles#serverPid()}, and from then on the
 * runtime owns it: it is killed and reaped when the container is deleted or its create fails.
 * Files the plugin makes belong in {@link FileAccessContext#stateDir()}, which the runtime removes
 * with the container (mount points under it are detached, not followed).
 *
 * <p>Errors: an {@link IOException} (or runtime exception) from any method fails the operation
 * with the plugin's message and the container's id; the runtime then destroys what was started,
 * helper included, so a plugin need not undo its own partial work beyond closing fds it opened
 * and did not return. Implementations are stateless and thread-safe; the injector builds one.
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

  /**
   * Sandbox side: undoes {@link #mountSources} for a container whose init has exited while the
   * sandbox lives on (a pod's child). Idempotent.
   */
  default void release(FileAccessContext context) throws IOException {}
}
