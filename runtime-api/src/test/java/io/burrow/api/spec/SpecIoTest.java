package io.burrow.api.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves that the OCI model loses nothing: docker's real {@code config.json} and exec
 * {@code process.json} read into {@link Spec}/{@link Process} and written back are the same JSON
 * trees, and fields burrow does not model survive on purpose. Also proves that every read error
 * names the file and, where there is one, the line/column and the JSON path of the bad field.
 */
class SpecIoTest {
  private static final ObjectMapper PLAIN = new ObjectMapper();

  @TempDir Path dir;

  private Path fixture(String name) throws IOException {
    Path file = dir.resolve(name);
    try (InputStream in = SpecIoTest.class.getResourceAsStream("/fixtures/" + name)) {
      assertThat(in).as("fixture %s on the test class path", name).isNotNull();
      Files.copy(in, file);
    }
    return file;
  }

  private Path write(String name, String json) throws IOException {
    return Files.writeString(dir.resolve(name), json);
  }

  @Test
  void dockerConfigRoundTripsExactly() throws Exception {
    Path file = fixture("docker-config.json");
    Spec spec = SpecIo.read(file, Spec.class);

    // The model really parsed it (not everything fell into the unknown-field bag).
    assertThat(spec.unknownFields()).isEmpty();
    assertThat(spec.process.args).containsExactly("echo", "hi");
    assertThat(spec.process.user.additionalGids).containsExactly(0L);
    assertThat(spec.mounts).hasSize(10);
    assertThat(spec.mounts.get(7).isBind()).isTrue();
    assertThat(spec.linux.namespaces).extracting(ns -> ns.type)
        .containsExactly("mount", "network", "uts", "pid", "ipc");
    assertThat(spec.linux.seccomp).isNotNull();
    assertThat(spec.hooks.prestart).hasSize(1);

    JsonNode original = PLAIN.readTree(file.toFile());
    JsonNode written = PLAIN.readTree(SpecIo.toBytes(spec));
    assertThat(written).isEqualTo(original);
  }

  @Test
  void dockerExecProcessRoundTripsExactly() throws Exception {
    Path file = fixture("docker-exec-process.json");
    Process process = SpecIo.read(file, Process.class);

    assertThat(process.unknownFields()).isEmpty();
    assertThat(process.args).containsExactly("echo", "hi-exec");
    assertThat(process.oomScoreAdj).isZero();
    assertThat(process.capabilities.bounding).contains("CAP_AUDIT_WRITE");

    assertThat(PLAIN.readTree(SpecIo.toBytes(process))).isEqualTo(PLAIN.readTree(file.toFile()));
  }

  @Test
  void unknownFieldsAreKeptAtTopLevelAndNested() throws Exception {
    String json = """
        {"ociVersion": "1.3.0",
         "vendorExtension": {"a": [1, 2.5, {"b": null}], "big": 18446744073709551615},
         "explicitNull": null,
         "process": {"args": ["sh"], "cwd": "/", "user": {"uid": 1, "gid": 2, "futureUserField": "x"},
                     "ioPriority": {"class": "IOPRIO_CLASS_IDLE"}},
         "mounts": [{"destination": "/x", "type": "tmpfs", "idmapFuture": true}],
         "linux": {"namespaces": [{"type": "mount", "futureNsField": 7}], "personality": {"domain": "LINUX"}}}
        """;
    Path file = write("config.json", json);
    Spec spec = SpecIo.read(file, Spec.class);

    assertThat(spec.unknownFields()).containsOnlyKeys("vendorExtension", "explicitNull");
    assertThat(spec.process.unknownFields()).containsOnlyKeys("ioPriority");
    assertThat(spec.process.user.unknownFields().get("futureUserField").asText()).isEqualTo("x");
    assertThat(spec.mounts.get(0).unknownFields().get("idmapFuture").asBoolean()).isTrue();
    assertThat(spec.linux.namespaces.get(0).unknownFields().get("futureNsField").asInt()).isEqualTo(7);
    assertThat(spec.linux.unknownFields()).containsOnlyKeys("personality");

    assertThat(PLAIN.readTree(SpecIo.toBytes(spec))).isEqualTo(PLAIN.readTree(json));
  }

  @Test
  void writtenMountsCarryNoDerivedProperties() throws Exception {
    Spec spec = new Spec();
    spec.mounts = java.util.List.of(new Mount("/data", "bind", "/srv", java.util.List.of("rbind")));
    assertThat(new String(SpecIo.toBytes(spec), StandardCharsets.UTF_8))
        .isEqualTo("{\"mounts\":[{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/srv\",\"options\":[\"rbind\"]}]}");
  }

  @Test
  void absentFieldsStayAbsent() throws Exception {
    Spec spec = SpecIo.read(write("config.json", "{\"ociVersion\":\"1.2.0\"}"), Spec.class);
    assertThat(new String(SpecIo.toBytes(spec), StandardCharsets.UTF_8)).isEqualTo("{\"ociVersion\":\"1.2.0\"}");
  }

  @Test
  void malformedJsonNamesFileLineAndColumn() throws Exception {
    Path file = write("config.json", "{\n  \"ociVersion\": \"1.2.0\",\n  \"process\": {\"args\": [\"sh\"] ,, }\n}\n");
    assertThatThrownBy(() -> SpecIo.read(file, Spec.class))
        .isInstanceOf(SpecException.class)
        .message()
        .startsWith(file.toString())
        .contains("line 3, column ");
  }

  @Test
  void truncatedJsonNamesTheFile() throws Exception {
    Path file = write("config.json", "{\"ociVersion\": \"1.2.0\",\n \"process\": {");
    assertThatThrownBy(() -> SpecIo.read(file, Spec.class))
        .isInstanceOf(SpecException.class)
        .message()
        .startsWith(file.toString())
        .contains("line 2");
  }

  @Test
  void wrongTypeOfArgsNamesTheFieldPath() throws Exception {
    Path file = write("config.json", "{\"ociVersion\": \"1.2.0\",\n \"process\": {\"args\": 5}}");
    assertThatThrownBy(() -> SpecIo.read(file, Spec.class))
        .isInstanceOf(SpecException.class)
        .message()
        .startsWith(file.toString())
        .contains("line 2")
        .contains("field process.args");
  }

  @Test
  void wrongTypeOfUidNamesTheFieldPath() throws Exception {
    Path file = write("config.json", "{\"process\": {\"user\": {\"uid\": \"x\", \"gid\": 0}}}");
    assertThatThrownBy(() -> SpecIo.read(file, Spec.class))
        .isInstanceOf(SpecException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("field process.user.uid");
  }

  @Test
  void wrongTypeInsideAListNamesTheIndex() throws Exception {
    Path file = write("config.json", "{\"mounts\": [{\"destination\": \"/a\"}, {\"destination\": \"/b\", \"options\": 3}]}");
    assertThatThrownBy(() -> SpecIo.read(file, Spec.class))
        .isInstanceOf(SpecException.class)
        .hasMessageContaining("field mounts[1].options");
  }

  @Test
  void nullInsideAListOrMapIsAnErrorNamingIt() throws Exception {
    String[][] cases = {
      {"{\"process\": {\"args\": [\"sh\", null]}}", "field process.args[1]"},
      {"{\"mounts\": [null]}", "field mounts[0]"},
      {"{\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, null]}}", "field linux.namespaces[1]"},
      {"{\"annotations\": {\"a\": null}}", "field annotations.a"},
    };
    for (String[] c : cases) {
      Path file = write("config.json", c[0]);
      assertThatThrownBy(() -> SpecIo.read(file, Spec.class))
          .as(c[0])
          .isInstanceOf(SpecException.class)
          .hasMessageStartingWith(file.toString())
          .hasMessageContaining(c[1]);
    }
  }

  @Test
  void nullsInsideFreeFormTreesAreKept() throws Exception {
    String json = "{\"linux\": {\"resources\": {\"memory\": {\"limit\": null}}, \"seccomp\": {\"a\": [null]}}}";
    Spec spec = SpecIo.read(write("config.json", json), Spec.class);
    assertThat(PLAIN.readTree(SpecIo.toBytes(spec))).isEqualTo(PLAIN.readTree(json));
  }

  @Test
  void missingFileIsAClearError() {
    Path file = dir.resolve("nope/config.json");
    assertThatThrownBy(() -> SpecIo.read(file, Spec.class))
        .isInstanceOf(SpecException.class)
        .hasMessage(file + ": no such file");
  }

  @Test
  void emptyDocumentIsAnError() throws Exception {
    Path file = write("config.json", "");
    assertThatThrownBy(() -> SpecIo.read(file, Spec.class))
        .isInstanceOf(SpecException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void jsonNullDocumentIsAnError() throws Exception {
    Path file = write("config.json", "null");
    assertThatThrownBy(() -> SpecIo.read(file, Spec.class))
        .isInstanceOf(SpecException.class)
        .hasMessage(file + ": empty document");
  }
}
