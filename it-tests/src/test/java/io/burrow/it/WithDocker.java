package io.burrow.it;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the annotated test class against one private dockerd ({@link DockerEngine}) that
 * {@link DockerExtension} starts before the first test and stops after the last.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(DockerExtension.class)
public @interface WithDocker {
  /** daemon.json {@code default-runtime}: empty for dockerd's own (runc), else {@code burrow} or {@code burrow-direct}. */
  String defaultRuntime() default "";

  /** The exec root; empty for a short fresh {@code /run/bXXX}. */
  String execRoot() default "";

  /**
   * Listen on the socket named by the environment's {@code DOCKER_HOST} ({@code unix://PATH}),
   * so that clients that only read the environment (Testcontainers) find the daemon; surefire
   * sets it to a path under {@code it-tests/target}.
   */
  boolean socketFromEnvironment() default false;
}
