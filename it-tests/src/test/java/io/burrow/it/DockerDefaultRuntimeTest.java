package io.burrow.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The second daemon phase: burrow as dockerd's {@code default-runtime}, so containers that name no
 * runtime (as Testcontainers creates them) run on burrow in its default (gofer) mode.
 */
@WithDocker(defaultRuntime = "burrow")
class DockerDefaultRuntimeTest {
  private final DockerEngine docker;

  DockerDefaultRuntimeTest(DockerEngine docker) {
    this.docker = docker;
  }

  @Test
  void infoNamesBurrowAsTheDefaultRuntime() {
    DockerEngine.Result r = docker.docker("info", "--format", "{{.DefaultRuntime}} {{range $k, $v := .Runtimes}}{{$k}},{{end}}").ok();
    assertThat(r.stdout().trim()).startsWith("burrow ").contains("burrow-direct,").contains("runc,");
  }

  @Test
  void containersWithoutARuntimeRunOnBurrow() {
    String id = docker.docker("run", "-d", "--name", "default-rt", DockerEngine.IMAGE, "sleep", "1000").ok().stdout().trim();
    assertThat(docker.docker("inspect", "-f", "{{.HostConfig.Runtime}}", id).ok().stdout().trim()).isEqualTo("burrow");
    assertThat(docker.runtimeRoot().resolve(id)).as("burrow's state dir for the container").isDirectory();
    assertThat(DockerEngine.processesNaming(java.util.List.of(docker.runtimeRoot().resolve(id).toString())))
        .as("burrow processes (sandbox, gofer) serving the container").isNotEmpty();
    docker.docker(Duration.ofSeconds(60), "rm", "-f", id).ok();
  }

  @Test
  void runRmWithoutARuntimeReturnsTheExitCode() {
    DockerEngine.Result r = docker.docker("run", "--rm", DockerEngine.IMAGE, "sh", "-c", "echo on-the-default-runtime; exit 9");
    assertThat(r.exitCode()).as("%s\n%s", r.commandLine(), r.outputs()).isEqualTo(9);
    assertThat(r.stdout()).isEqualTo("on-the-default-runtime\n");
  }
}
