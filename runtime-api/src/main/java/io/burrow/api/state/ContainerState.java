package io.burrow.api.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * The state of a container as {@code burrow state} prints it: the OCI state fields, plus the
 * {@code rootfs}, {@code created} and {@code owner} fields runc adds, and burrow's own runtime
 * facts. Hooks get {@link #forHooks()}. Immutable.
 *
 * @param pid the container init's pid in the host pid namespace; 0 when stopped
 * @param annotations exactly the spec's annotations
 * @param fileServer {@code running} or {@code exited} for a container whose files a server
 *     process serves (without it the container's file operations fail with EIO); null otherwise
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ContainerState(
    String ociVersion,
    String id,
    Status status,
    int pid,
    String bundle,
    String rootfs,
    String created,
    String owner,
    Map<String, String> annotations,
    String fileServer) {

  public static final String OCI_VERSION = "1.2.0";

  /** The state as the runtime-spec hands it to hooks: the OCI fields and runc's, nothing of burrow's. */
  public ContainerState forHooks() {
    return new ContainerState(ociVersion, id, status, pid, bundle, rootfs, created, owner, annotations, null);
  }
}
