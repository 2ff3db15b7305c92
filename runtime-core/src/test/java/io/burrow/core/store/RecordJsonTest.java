package io.burrow.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.burrow.api.spec.SpecIo;
import io.burrow.api.spi.ProcessId;
import io.burrow.api.state.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The streaming {@code state.json} codec reads what data binding wrote before it, writes what data
 * binding reads, and names the field and position of what is wrong.
 */
class RecordJsonTest {
  private static final ContainerRecord FULL = new ContainerRecord("c1", "/b", "/b/rootfs", Status.RUNNING,
      new ProcessId(42, 123456789012L), new ProcessId(41, 7L), "pod", new ProcessId(40, 6L), "gofer",
      "2026-12-03T10:00:00Z", "root", Map.of("a", "x\"y", "b", ""));
  private static final ContainerRecord SPARSE = new ContainerRecord("c2", "/b", null, Status.CREATING, null, null,
      null, null, "direct", "t", "root", null);

  @Test
  void roundTripsEveryField() throws IOException {
    assertThat(RecordJson.read(RecordJson.write(FULL))).isEqualTo(FULL);
    assertThat(RecordJson.read(RecordJson.write(SPARSE))).isEqualTo(SPARSE);
  }

  @Test
  void agreesWithDataBindingBothWays() throws IOException {
    for (ContainerRecord r : new ContainerRecord[] {FULL, SPARSE}) {
      assertThat(RecordJson.read(SpecIo.MAPPER.writeValueAsBytes(r))).isEqualTo(r);
      assertThat(SpecIo.MAPPER.readValue(RecordJson.write(r), ContainerRecord.class)).isEqualTo(r);
      assertThat(SpecIo.MAPPER.readTree(RecordJson.write(r))).isEqualTo(SpecIo.MAPPER.readTree(SpecIo.MAPPER.writeValueAsBytes(r)));
    }
  }

  @Test
  void ignoresFieldsItDoesNotKnow() throws IOException {
    String json = "{\"id\":\"c1\",\"later\":{\"x\":[1,2,{\"y\":null}]},\"status\":\"stopped\","
        + "\"init\":{\"pid\":5,\"startTime\":9,\"extra\":true}}";
    ContainerRecord r = RecordJson.read(json.getBytes(StandardCharsets.UTF_8));
    assertThat(r.id()).isEqualTo("c1");
    assertThat(r.status()).isEqualTo(Status.STOPPED);
    assertThat(r.init()).isEqualTo(new ProcessId(5, 9));
  }

  @Test
  void namesWhatIsWrongAndWhere() {
    assertThatThrownBy(() -> read("")).hasMessageContaining("expected {");
    assertThatThrownBy(() -> read("{\"id\": ")).isInstanceOf(IOException.class).hasMessageContaining("column");
    assertThatThrownBy(() -> read("{\"id\": 7}")).hasMessageContaining("'id' must be a string");
    assertThatThrownBy(() -> read("{\"status\": \"napping\"}")).hasMessageContaining("unknown status 'napping'");
    assertThatThrownBy(() -> read("{\"init\": {\"pid\": \"1\", \"startTime\": 2}}"))
        .hasMessageContaining("'init.pid' must be an integer");
    assertThatThrownBy(() -> read("{\"sandbox\": {\"pid\": 1}}")).hasMessageContaining("'sandbox' needs both");
    assertThatThrownBy(() -> read("{\"annotations\": {\"k\": null}}")).hasMessageContaining("annotation 'k'");
    assertThatThrownBy(() -> read("{} {}")).hasMessageContaining("after the state object");
    assertThatThrownBy(() -> read("[]")).hasMessageContaining("expected {");
  }

  private static ContainerRecord read(String json) throws IOException {
    return RecordJson.read(json.getBytes(StandardCharsets.UTF_8));
  }
}
