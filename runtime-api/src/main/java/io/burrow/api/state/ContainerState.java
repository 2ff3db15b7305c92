package io.burrow.api.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * The state of a container as {@code burrow state} prints it: the OCI state fields, plus the
 * {@code rootfs}, {@code created} and {@code owner} fields runc adds. Immutable.
 *
 * @param pid the container init's pid in the host pid namespace; 0 when stopped
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
    Map<String, String> annotations) {

  public static final String OCI_VERSION = "1.2.0";
}
