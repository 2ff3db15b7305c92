package io.burrow.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * dockerd with an exec root of 48 characters: the shim's {@code --root} becomes
 * {@code EXEC/runtime-runc/moby} and container ids have 64 characters, so anything burrow binds
 * as a unix socket under {@code ROOT/ID/} passes the 108-byte limit (runc keeps only files there).
 */
@WithDocker(execRoot = DockerLongExecRootTest.EXEC_ROOT)
class DockerLongExecRootTest {
  static final String EXEC_ROOT = "/run/burrow-it-docker-exec-root-48-characters-ok";

  private final DockerEngine docker;

  DockerLongExecRootTest(DockerEngine docker) {
    this.docker = docker;
  }

  static java.util.List<String> runtimes() {
    return DockerTest.runtimes();
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void runRmUnderALongExecRoot(String runtime) {
    assertThat(EXEC_ROOT).hasSizeGreaterThanOrEqualTo(48);
    DockerEngine.Result r = docker.docker("run", "--rm", "--runtime", runtime, DockerEngine.IMAGE, "sh", "-c", "echo long-exec-root; exit 3");
    assertThat(r.exitCode()).as("%s\n%s", r.commandLine(), r.outputs()).isEqualTo(3);
    assertThat(r.stdout()).isEqualTo("long-exec-root\n");
  }
}
