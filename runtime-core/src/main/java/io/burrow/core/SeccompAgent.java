package io.burrow.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.burrow.api.spec.SpecIo;
import io.burrow.api.spi.SeccompListener;
import io.burrow.api.spi.SeccompProgram;
import io.burrow.api.state.ContainerState;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What a seccomp agent ({@code linux.seccomp.listenerPath}) receives with the listener fd: the
 * runtime-spec's {@code ContainerProcessState}, as runc's {@code sendContainerProcessState} sends
 * it: {@code ociVersion}, {@code fds: ["seccompFd"]}, the process's {@code pid}, the spec's
 * {@code metadata} ({@code listenerMetadata}, left out when empty) and the container's
 * {@code state}. Stateless.
 */
final class SeccompAgent {
  static final String SECCOMP_FD_NAME = "seccompFd";

  private SeccompAgent() {}

  /**
   * The listener target for {@code program}, if it makes one.
   *
   * @param status the container's status as the agent sees it: "creating" for the init, "running" for exec
   */
  static Optional<SeccompListener> listener(Optional<SeccompProgram> program, String id, String status, Path bundle,
      Map<String, String> annotations) {
    if (program.isEmpty() || program.get().listenerPath().isEmpty()) {
      return Optional.empty();
    }
    String metadata = program.get().listenerMetadata();
    return Optional.of(new SeccompListener(Path.of(program.get().listenerPath().get()),
        pid -> state(pid, metadata, id, status, bundle, annotations)));
  }

  static String state(int pid, String metadata, String id, String status, Path bundle, Map<String, String> annotations) {
    ObjectNode root = SpecIo.MAPPER.createObjectNode();
    root.put("ociVersion", ContainerState.OCI_VERSION);
    root.putArray("fds").add(SECCOMP_FD_NAME);
    root.put("pid", pid);
    if (!metadata.isEmpty()) {
      root.put("metadata", metadata);
    }
    ObjectNode state = root.putObject("state");
    state.put("ociVersion", ContainerState.OCI_VERSION);
    state.put("id", id);
    state.put("status", status);
    state.put("pid", pid);
    state.put("bundle", bundle.toString());
    if (annotations != null && !annotations.isEmpty()) {
      ObjectNode a = state.putObject("annotations");
      annotations.forEach(a::put);
    }
    try {
      return SpecIo.MAPPER.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the seccomp agent's state: " + e.getMessage(), e);
    }
  }
}
