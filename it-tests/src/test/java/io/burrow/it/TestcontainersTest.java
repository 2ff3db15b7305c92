package io.burrow.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.ImagePullPolicy;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * Testcontainers, used as a user would, against a private dockerd whose {@code default-runtime}
 * is burrow. Each case runs twice: {@code gofer} leaves the runtime to the daemon's default
 * (burrow, gofer mode); {@code direct} picks {@code burrow-direct} per container through a
 * create-command modifier, the one hook Testcontainers gives for a runtime.
 *
 * <p>Testcontainers keeps one docker client per JVM and finds the daemon only through the
 * environment's {@code DOCKER_HOST}, which surefire points at {@code it-tests/target/tc/d.sock},
 * where {@link WithDocker#socketFromEnvironment} makes the private dockerd listen. So this is
 * the only class that uses Testcontainers.
 * There is no registry: the image is the locally imported {@code local/busybox:1} with a pull
 * policy that never pulls, and surefire sets {@code TESTCONTAINERS_RYUK_DISABLED} and
 * {@code TESTCONTAINERS_CHECKS_DISABLE} (the Ryuk and check images cannot be pulled).
 */
@WithDocker(defaultRuntime = "burrow", socketFromEnvironment = true)
class TestcontainersTest {
  private static final DockerImageName BUSYBOX = DockerImageName.parse(DockerEngine.IMAGE);
  private static final ImagePullPolicy NEVER_PULL = image -> false;

  private final DockerEngine docker;

  TestcontainersTest(DockerEngine docker) {
    this.docker = docker;
  }

  @BeforeAll
  static void testcontainersFindsThePrivateDaemon(DockerEngine docker) {
    // As a user would: DOCKER_HOST in the environment (surefire sets it) names the daemon's socket.
    assertThat(DockerClientFactory.instance().isDockerAvailable()).as("Testcontainers reaches " + docker.host()).isTrue();
    assertThat(DockerClientFactory.instance().client().infoCmd().exec().getRuntimes()).containsKeys("burrow", "burrow-direct");
  }

  static List<String> modes() {
    return List.of(System.getProperty("burrow.it.testcontainersModes", "gofer,direct").split(","));
  }

  /** A busybox container on burrow in {@code mode}, never pulled. */
  private static GenericContainer<?> busybox(String mode) {
    GenericContainer<?> c = new GenericContainer<>(BUSYBOX).withImagePullPolicy(NEVER_PULL);
    if (mode.equals("direct")) {
      c.withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withRuntime("burrow-direct"));
    }
    return c;
  }

  private static String expectedRuntime(String mode) {
    return mode.equals("direct") ? "burrow-direct" : "burrow";
  }

  private static String httpGet(String url) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET %s", url).isEqualTo(200);
    return r.body();
  }

  @ParameterizedTest
  @MethodSource("modes")
  void genericContainerWaitsForALogMessage(String mode) {
    try (GenericContainer<?> c = busybox(mode)
        .withCommand("sh", "-c", "echo preparing; sleep 0.3; echo ready to serve; exec sleep 1000")
        .waitingFor(Wait.forLogMessage(".*ready to serve.*\\n", 1).withStartupTimeout(Duration.ofSeconds(30)))) {
      c.start();
      assertThat(c.isRunning()).isTrue();
      assertThat(c.getContainerInfo().getHostConfig().getRuntime()).isEqualTo(expectedRuntime(mode));
      assertThat(c.getLogs()).isEqualTo("preparing\nready to serve\n");
    }
  }

  @ParameterizedTest
  @MethodSource("modes")
  void oneShotContainerReportsItsOutputAndSuccess(String mode) {
    try (GenericContainer<?> c = busybox(mode)
        .withEnv("WHO", "testcontainers")
        .withCommand("sh", "-c", "echo hello $WHO; echo on-stderr >&2")
        .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(Duration.ofSeconds(30)))) {
      c.start();
      assertThat(c.getLogs(org.testcontainers.containers.output.OutputFrame.OutputType.STDOUT)).isEqualTo("hello testcontainers\n");
      assertThat(c.getLogs(org.testcontainers.containers.output.OutputFrame.OutputType.STDERR)).isEqualTo("on-stderr\n");
      assertThat(c.getCurrentContainerInfo().getState().getExitCodeLong()).isZero();
    }
  }

  @ParameterizedTest
  @MethodSource("modes")
  void execInContainerReturnsOutputAndExitCode(String mode) throws Exception {
    try (GenericContainer<?> c = busybox(mode).withCommand("sleep", "1000")) {
      c.start();
      Container.ExecResult r = c.execInContainer("sh", "-c", "echo exec-out; echo exec-err >&2; exit 3");
      assertThat(r.getExitCode()).as("exec result %s", r).isEqualTo(3);
      assertThat(r.getStdout()).isEqualTo("exec-out\n");
      assertThat(r.getStderr()).isEqualTo("exec-err\n");
    }
  }

  @ParameterizedTest
  @MethodSource("modes")
  void copyFileToAndFromARunningContainer(String mode) throws Exception {
    Path file = Files.createTempFile(docker.base(), "tc-copy", ".txt");
    Files.writeString(file, "copied-in-" + mode + "\n");
    try (GenericContainer<?> c = busybox(mode)
        .withCommand("sh", "-c", "echo made-inside > /tmp/made; echo waiting; while [ ! -f /tmp/in.txt ]; do sleep 0.1; done; "
            + "echo \"seen: $(cat /tmp/in.txt)\"; exec sleep 1000")
        .waitingFor(Wait.forLogMessage("waiting\\n", 1).withStartupTimeout(Duration.ofSeconds(30)))) {
      c.start();
      c.copyFileToContainer(MountableFile.forHostPath(file), "/tmp/in.txt");
      boolean seen = Host.eventually(Duration.ofSeconds(20), () -> c.getLogs().contains("seen: copied-in-" + mode));
      assertThat(seen).as("the container sees the copied file; logs:\n%s", c.getLogs()).isTrue();
      String back = c.copyFileFromContainer("/tmp/in.txt", (InputStream in) -> new String(in.readAllBytes(), StandardCharsets.UTF_8));
      assertThat(back).isEqualTo("copied-in-" + mode + "\n");
      String made = c.copyFileFromContainer("/tmp/made", (InputStream in) -> new String(in.readAllBytes(), StandardCharsets.UTF_8));
      assertThat(made).isEqualTo("made-inside\n");
    }
  }

  /** busybox httpd serving {@code body} on port 8080 of a container on {@code network}. */
  private static GenericContainer<?> httpd(String mode, Network network, String body) {
    return busybox(mode)
        .withNetwork(network)
        .withExposedPorts(8080)
        .withCommand("sh", "-c", "mkdir -p /www && echo " + body + " > /www/index.html && exec httpd -f -p 8080 -h /www");
  }

  @ParameterizedTest
  @MethodSource("modes")
  void httpWaitStrategyOnAMappedPort(String mode) throws Exception {
    try (Network network = Network.newNetwork();
        GenericContainer<?> web = httpd(mode, network, "served-over-http")
            .waitingFor(Wait.forHttp("/").forStatusCode(200).withStartupTimeout(Duration.ofSeconds(30)))) {
      web.start();
      assertThat(httpGet("http://" + web.getHost() + ":" + web.getMappedPort(8080) + "/")).isEqualTo("served-over-http\n");
    }
  }

  @ParameterizedTest
  @MethodSource("modes")
  void listeningPortWaitStrategy(String mode) throws Exception {
    // forListeningPort also checks inside the container, through exec.
    try (Network network = Network.newNetwork();
        GenericContainer<?> web = httpd(mode, network, "port-is-listening")
            .waitingFor(Wait.forListeningPort().withStartupTimeout(Duration.ofSeconds(30)))) {
      web.start();
      assertThat(httpGet("http://" + web.getHost() + ":" + web.getMappedPort(8080) + "/")).isEqualTo("port-is-listening\n");
    }
  }

  @ParameterizedTest
  @MethodSource("modes")
  void twoContainersOnOneNetworkReachEachOtherByAlias(String mode) {
    try (Network network = Network.newNetwork();
        GenericContainer<?> server = busybox(mode)
            .withNetwork(network)
            .withNetworkAliases("server")
            .withCommand("sh", "-c", "mkdir -p /www && echo hello-by-alias > /www/index.html && echo serving && exec httpd -f -p 8080 -h /www")
            .waitingFor(Wait.forLogMessage("serving\\n", 1).withStartupTimeout(Duration.ofSeconds(30)));
        GenericContainer<?> client = busybox(mode)
            .withNetwork(network)
            .withCommand("sh", "-c", "for i in $(seq 50); do wget -qO- http://server:8080/ && exit 0; sleep 0.2; done; exit 1")
            .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(Duration.ofSeconds(40)))) {
      server.start();
      client.start();
      assertThat(client.getLogs()).contains("hello-by-alias");
    }
  }
}
