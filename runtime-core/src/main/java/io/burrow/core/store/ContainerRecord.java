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
 * @param podSandboxId for a child container of a pod, the id of the container whose sandbox it
 *     shares (it does not own that sandbox); null otherwise
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
    String podSandboxId,
    ProcessId fileServer,
    String fileAccess,
    String created,
    String owner,
    Map<String, String> annotations) {

  public ContainerRecord withStatus(Status newStatus) {
    return new ContainerRecord(id, bundle, rootfs, newStatus, init, sandbox, podSandboxId, fileServer, fileAccess,
        created, owner, annotations);
  }

  public ContainerRecord withProcesses(Status newStatus, ProcessId newInit, ProcessId newSandbox, ProcessId newServer) {
    return new ContainerRecord(id, bundle, rootfs, newStatus, newInit, newSandbox, podSandboxId, newServer,
        fileAccess, created, owner, annotations);
  }

  /** The same container as a child of the pod whose sandbox is {@code podSandbox} (owned by {@code podId}). */
  public ContainerRecord inPod(String podId, ProcessId podSandbox) {
    return new ContainerRecord(id, bundle, rootfs, status, init, podSandbox, podId, fileServer, fileAccess, created,
        owner, annotations);
  }
}
