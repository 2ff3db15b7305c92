package io.burrow.core.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.burrow.core.ContainerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Proves that {@link BundleLoader} rejects every bad bundle before anything is created, with a
 * {@link ContainerException} naming config.json and the offending field, and that a good bundle
 * loads with an absolute, normalized bundle directory and rootfs.
 */
class BundleLoaderTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MINIMAL = """
      {"ociVersion": "1.2.0",
       "root": {"path": "rootfs"},
       "process": {"args": ["sh"], "cwd": "/", "user": {"uid": 0, "gid": 0}},
       "linux": {"namespaces": [{"type": "mount"}, {"type": "pid"}]}}
      """;

  @TempDir Path bundle;

  @BeforeEach
  void rootfs() throws IOException {
    Files.createDirectories(bundle.resolve("rootfs"));
  }

  private Path writeSpec(Consumer<ObjectNode> mutation) throws IOException {
    ObjectNode spec = (ObjectNode) JSON.readTree(MINIMAL);
    mutation.accept(spec);
    return Files.write(bundle.resolve("config.json"), JSON.writeValueAsBytes(spec));
  }

  private static ObjectNode process(ObjectNode spec) {
    return (ObjectNode) spec.get("process");
  }

  private static ObjectNode linux(ObjectNode spec) {
    return (ObjectNode) spec.get("linux");
  }

  private static ArrayNode namespaces(ObjectNode spec) {
    return (ArrayNode) linux(spec).get("namespaces");
  }

  private static ArrayNode mapping() {
    ArrayNode a = JSON.createArrayNode();
    a.addObject().put("containerID", 0).put("hostID", 100000).put("size", 65536);
    return a;
  }

  static Stream<Arguments> badSpecs() {
    return Stream.of(
        bad("no ociVersion", s -> s.remove("ociVersion"), "ociVersion"),
        bad("no root", s -> s.remove("root"), "root.path"),
        bad("empty root path", s -> ((ObjectNode) s.get("root")).put("path", ""), "root.path"),
        bad("no process", s -> s.remove("process"), "process"),
        bad("no args", s -> process(s).remove("args"), "process.args"),
        bad("empty args", s -> process(s).putArray("args"), "process.args"),
        bad("no cwd", s -> process(s).remove("cwd"), "process.cwd"),
        bad("relative cwd", s -> process(s).put("cwd", "home"), "process.cwd"),
        bad("no user", s -> process(s).remove("user"), "process.user"),
        bad("no uid", s -> ((ObjectNode) process(s).get("user")).remove("uid"), "process.user"),
        bad("no gid", s -> ((ObjectNode) process(s).get("user")).remove("gid"), "process.user"),
        bad("console height beyond a winsize",
            s -> process(s).put("terminal", true).putObject("consoleSize").put("height", 70000).put("width", 80),
            "process.consoleSize.height"),
        bad("negative console width",
            s -> process(s).put("terminal", true).putObject("consoleSize").put("height", 24).put("width", -1),
            "process.consoleSize.width"),
        bad("no linux", s -> s.remove("linux"), "linux"),
        bad("relative mount destination",
            s -> s.putArray("mounts").addObject().put("destination", "proc").put("type", "proc"), "mounts[0].destination"),
        bad("bind mount without source",
            s -> s.putArray("mounts").addObject().put("destination", "/d").put("type", "bind"), "mounts[0]"),
        bad("mount without type",
            s -> s.putArray("mounts").addObject().put("destination", "/d").put("source", "x"), "mounts[0]"),
        bad("null mount", s -> s.putArray("mounts").addNull(), "mounts[0]"),
        bad("unsupported namespace type", s -> namespaces(s).addObject().put("type", "smurf"), "linux.namespaces[2].type"),
        bad("namespace without type", s -> namespaces(s).addObject(), "linux.namespaces[2].type"),
        bad("null namespace", s -> namespaces(s).addNull(), "linux.namespaces[2]"),
        bad("duplicate namespace", s -> namespaces(s).addObject().put("type", "pid"), "linux.namespaces[2].type"),
        bad("joined namespace path missing",
            s -> namespaces(s).addObject().put("type", "net").put("path", "/proc/no-such/ns/net"),
            "linux.namespaces[2]"),
        bad("no mount namespace", s -> namespaces(s).remove(0), "linux.namespaces"),
        bad("no namespaces at all", s -> linux(s).remove("namespaces"), "linux.namespaces"),
        bad("joined mount namespace", s -> ((ObjectNode) namespaces(s).get(0)).put("path", "/proc/self/ns/mnt"),
            "linux.namespaces"),
        bad("hostname without uts", s -> s.put("hostname", "box"), "hostname"),
        bad("user ns without mappings", s -> namespaces(s).addObject().put("type", "user"), "linux.uidMappings"),
        bad("user ns without gid mappings", s -> {
          namespaces(s).addObject().put("type", "user");
          linux(s).set("uidMappings", mapping());
        }, "linux.gidMappings"),
        bad("uid mappings without user ns", s -> linux(s).set("uidMappings", mapping()), "linux.uidMappings"),
        bad("gid mappings without user ns", s -> linux(s).set("gidMappings", mapping()), "Mappings"),
        bad("mappings with a joined user ns", s -> {
          namespaces(s).addObject().put("type", "user").put("path", "/proc/self/ns/user");
          linux(s).set("uidMappings", mapping());
          linux(s).set("gidMappings", mapping());
        }, "linux.uidMappings"),
        bad("rootfs missing", s -> ((ObjectNode) s.get("root")).put("path", "no-rootfs"), "root.path"),
        bad("wrong type", s -> process(s).put("args", 5), "process.args"));
  }

  private static Arguments bad(String name, Consumer<ObjectNode> mutation, String field) {
    return Arguments.of(name, mutation, field);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badSpecs")
  void badSpecIsRejectedNamingTheField(String name, Consumer<ObjectNode> mutation, String field) throws Exception {
    Path config = writeSpec(mutation);
    assertThatThrownBy(() -> BundleLoader.load(bundle))
        .isInstanceOf(ContainerException.class)
        .message()
        .startsWith(config.toString())
        .contains(field);
  }

  @Test
  void missingConfigIsAClearError() {
    assertThatThrownBy(() -> BundleLoader.load(bundle))
        .isInstanceOf(ContainerException.class)
        .hasMessage(bundle.resolve("config.json") + ": no such file");
  }

  @Test
  void malformedConfigNamesLineAndColumn() throws Exception {
    Files.writeString(bundle.resolve("config.json"), "{\n\"ociVersion\": \"1.2.0\",\n}");
    assertThatThrownBy(() -> BundleLoader.load(bundle))
        .isInstanceOf(ContainerException.class)
        .hasMessageStartingWith(bundle.resolve("config.json").toString())
        .hasMessageContaining("line 3, column");
  }

  @Test
  void bundleThatIsNotADirectoryIsRejected() throws Exception {
    Path file = Files.writeString(bundle.resolve("file"), "x");
    assertThatThrownBy(() -> BundleLoader.load(file))
        .isInstanceOf(ContainerException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("not a directory");
  }

  @Test
  void goodBundleLoadsWithAbsolutePaths() throws Exception {
    writeSpec(s -> {});
    Path relative = Path.of("").toAbsolutePath().relativize(bundle.resolve("rootfs/.."));
    Bundle loaded = BundleLoader.load(relative);
    assertThat(loaded.dir()).isEqualTo(bundle.toAbsolutePath().normalize());
    assertThat(loaded.rootfs()).isAbsolute().isEqualTo(bundle.resolve("rootfs").toAbsolutePath().normalize());
    assertThat(loaded.spec().process.args).containsExactly("sh");
  }

  @Test
  void absoluteRootPathIsTakenAsIs() throws Exception {
    Path elsewhere = Files.createDirectories(bundle.resolve("elsewhere/root"));
    writeSpec(s -> ((ObjectNode) s.get("root")).put("path", elsewhere + "/./"));
    assertThat(BundleLoader.load(bundle).rootfs()).isEqualTo(elsewhere);
  }

  @Test
  void fullFeaturedValidSpecLoads() throws Exception {
    writeSpec(s -> {
      namespaces(s).addObject().put("type", "user");
      namespaces(s).addObject().put("type", "uts");
      namespaces(s).addObject().put("type", "network").put("path", "/proc/self/ns/net");
      linux(s).set("uidMappings", mapping());
      linux(s).set("gidMappings", mapping());
      s.put("hostname", "box");
      process(s).put("terminal", false);
      s.putArray("mounts").addObject().put("destination", "/data").put("source", "data").putArray("options").add("rbind");
    });
    java.nio.file.Files.createDirectories(bundle.resolve("data"));
    assertThat(BundleLoader.load(bundle).spec().hostname).isEqualTo("box");
  }

  @Test
  void missingBindSourceIsNamed() throws Exception {
    writeSpec(s -> {
      process(s).put("terminal", false);
      s.putArray("mounts").addObject().put("destination", "/data").put("source", "/no/such/source")
          .putArray("options").add("rbind");
    });
    assertThatThrownBy(() -> BundleLoader.load(bundle)).isInstanceOf(ContainerException.class)
        .hasMessageContaining("mounts[0].source").hasMessageContaining("/no/such/source");
  }
}
