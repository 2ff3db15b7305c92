package io.burrow.core;

import io.burrow.api.spec.Spec;
import java.util.Optional;

/**
 * The CRI annotations that put several containers in one sandbox (a pod):
 * {@code io.kubernetes.cri.container-type} is {@code sandbox} for the container that creates the
 * sandbox and {@code container} for one that joins the sandbox named by
 * {@code io.kubernetes.cri.sandbox-id}. Stateless.
 */
final class Pod {
  static final String CONTAINER_TYPE = "io.kubernetes.cri.container-type";
  static final String SANDBOX_ID = "io.kubernetes.cri.sandbox-id";

  private Pod() {}

  /** Whether this container's sandbox will host other containers of its pod. */
  static boolean isPodSandbox(Spec spec) {
    return "sandbox".equals(annotation(spec, CONTAINER_TYPE));
  }

  /** The sandbox a child container joins, if the spec asks to join one. */
  static Optional<String> sandboxToJoin(Spec spec) {
    String id = annotation(spec, SANDBOX_ID);
    return "container".equals(annotation(spec, CONTAINER_TYPE)) && id != null && !id.isEmpty()
        ? Optional.of(id) : Optional.empty();
  }

  private static String annotation(Spec spec, String key) {
    return spec.annotations == null ? null : spec.annotations.get(key);
  }
}
