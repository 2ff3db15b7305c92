package io.burrow.api.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hooks probe says "none" only when a config.json certainly names none of the phases asked about. */
class HooksProbeTest {
  @TempDir Path dir;

  private boolean probe(String json, String... phases) throws Exception {
    Path config = dir.resolve("config.json");
    Files.writeString(config, json);
    return HooksProbe.mayName(config, phases);
  }

  @Test
  void findsHooksOfTheAskedPhasesOnly() throws Exception {
    String spec = "{\"ociVersion\":\"1.2.0\",\"process\":{\"args\":[\"sh\"]},\"hooks\":{\"prestart\":[{\"path\":\"/x\"}],"
        + "\"poststart\":[],\"poststop\":[{\"path\":\"/y\",\"args\":[\"y\"]}]},\"annotations\":{\"hooks\":\"no\"}}";
    assertThat(probe(spec, "startContainer", "poststart")).isFalse();
    assertThat(probe(spec, "poststop")).isTrue();
    assertThat(probe(spec, "startContainer", "prestart")).isTrue();
    assertThat(probe("{\"root\":{\"path\":\"rootfs\"}}", "poststop")).isFalse();
    assertThat(probe("{\"hooks\":null}", "poststop")).isFalse();
  }

  @Test
  void saysYesWhenItCannotTell() throws Exception {
    assertThat(probe("{\"hooks\":{\"poststop\":[", "poststart")).isTrue();
    assertThat(probe("{\"hooks\":[]}", "poststart")).isTrue();
    assertThat(probe("[]", "poststart")).isTrue();
    assertThat(probe("{\"hooks\":{\"poststart\":{}}}", "poststart")).isTrue();
    assertThat(HooksProbe.mayName(dir.resolve("missing.json"), "poststart")).isTrue();
  }
}
