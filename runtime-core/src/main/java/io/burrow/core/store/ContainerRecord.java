package io.burrow.core.store;

import io.burrow.api.spi.ProcessId;
import io.burrow.api.state.Status;
import java.util.Map;

/**
 * What burrow remembers about one container between CLI invocations: {@code ROOT/ID/state.json}.
 * Immutable; a change is a new record written atomically by {@link ContainerStore}.
 *
 * @param status the last status burrow recorded; the live status also depends on the init process
 * @param init the container init (pid 1 of the container), null before it exists
 * @param sandbox the sandbox process serving the container's mounts, null when there is none
 * @param fileServer the gofer or other file server, null when there is none
 * @param fileAccess the file-access plugin the container was created with
 * @param created creation time, RFC 3339
 */
public record ContainerRecord(
    String id,
    String bundle,
    String rootfs,
    Status status,
    ProcessId init,
    ProcessId sandbox,
    ProcessId fileServer,
    String fileAccess,
    String created,
    String owner,
    Map<String, String> annotations) {

  public ContainerRecord withStatus(Status newStatus) {
    return new ContainerRecord(id, bundle, rootfs, newStatus, init, sandbox, fileServer, fileAccess, created, owner,
        annotations);
  }

  public ContainerRecord withProcesses(Status newStatus, ProcessId newInit, ProcessId newSandbox, ProcessId newServer) {
    return new ContainerRecord(id, bundle, rootfs, newStatus, newInit, newSandbox, newServer, fileAccess, created,
        owner, annotations);
  }
}
