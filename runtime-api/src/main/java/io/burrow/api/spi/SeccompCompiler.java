package io.burrow.api.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;

/**
 * Turns a spec's {@code linux.seccomp} object into the classic BPF program the init installs
 * last before execve. runtime-core decides where in the plan the program goes; an implementation
 * (namespace-linux's, with libseccomp) only compiles. Implementations are stateless and
 * thread-safe.
 */
public interface SeccompCompiler {
  /**
   * Compiles {@code seccomp} (the spec's {@code linux.seccomp}, null or JSON null for none).
   *
   * @throws IllegalArgumentException for bad input, with a message that starts with the field at
   *     fault, e.g. {@code linux.seccomp.syscalls[3].names[0]: unknown syscall 'nosuch'}
   */
  Optional<SeccompProgram> compile(JsonNode seccomp);

  /** What this compiler supports, for {@code burrow features}. */
  Support support();

  /** The seccomp part of the runtime-spec's features.md: the names that {@link #compile} accepts. */
  record Support(List<String> actions, List<String> operators, List<String> architectures, List<String> flags) {
    public Support {
      actions = List.copyOf(actions);
      operators = List.copyOf(operators);
      architectures = List.copyOf(architectures);
      flags = List.copyOf(flags);
    }
  }
}
