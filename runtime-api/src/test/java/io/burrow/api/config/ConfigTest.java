package io.burrow.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.burrow.api.config.Config.LogFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Proves that {@link Config#toFlags()} and {@link Config#fromFlags(List)} are exact inverses over
 * a matrix of values (the config reaches gofer and sandbox processes this way), and that a bad
 * flag is an error naming it.
 */
class ConfigTest {
  static Stream<Config> matrix() {
    List<Config> configs = new ArrayList<>();
    List<Path> roots = List.of(Path.of("/run/burrow"), Path.of("/tmp/x y/state"), Path.of("/var/run/docker/runtime-runc/moby"));
    List<String> accesses = List.of("direct", "gofer", "third-party=odd");
    List<String> logs = List.of("", "/var/log/burrow.json", "/tmp/with=equals and space.log");
    int i = 0;
    for (Path root : roots) {
      for (String access : accesses) {
        for (String log : logs) {
          for (LogFormat format : LogFormat.values()) {
            for (int bits = 0; bits < 8; bits++) {
              // All 8 boolean combinations for one (root, access) pair, a rotating one elsewhere.
              if (i++ % 5 != 0 && !(root == roots.get(0) && access.equals("direct"))) {
                continue;
              }
              configs.add(new Config(root, access, (bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, log, format,
                  bits == 7 ? "other-ns" : "linux", bits == 6 ? "other ids" : "procfs"));
            }
          }
        }
      }
    }
    return configs.stream();
  }

  @ParameterizedTest
  @MethodSource("matrix")
  void flagsRoundTripExactly(Config config) {
    List<String> flags = config.toFlags();
    assertThat(Config.fromFlags(flags)).isEqualTo(config);
    assertThat(Config.fromFlags(flags).toFlags()).isEqualTo(flags);
  }

  @Test
  void flagsAreWrittenInAFixedReadableForm() {
    Config c = new Config(Path.of("/r"), "gofer", true, false, true, "/l.json", LogFormat.JSON);
    assertThat(c.toFlags()).containsExactly("--root=/r", "--file-access=gofer", "--overlay=true",
        "--multi-container=false", "--debug=true", "--log=/l.json", "--log-format=json", "--namespaces=linux",
        "--id-mapping=procfs");
  }

  @Test
  void missingFlagsKeepDefaults() {
    assertThat(Config.fromFlags(List.of())).isEqualTo(Config.defaults());
    assertThat(Config.fromFlags(List.of("--debug=true"))).isEqualTo(
        new Config(Config.DEFAULT_ROOT, "gofer", false, true, true, "", LogFormat.TEXT));
  }

  @Test
  void logFormatIsCaseInsensitiveOnInput() {
    assertThat(Config.fromFlags(List.of("--log-format=JSON")).logFormat()).isEqualTo(LogFormat.JSON);
  }

  @Test
  void unknownFlagIsNamed() {
    assertThatThrownBy(() -> Config.fromFlags(List.of("--root=/r", "--colour=blue")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--colour");
  }

  @ParameterizedTest
  @ValueSource(strings = {"--debug", "debug=true", "-debug=true", "root", ""})
  void malformedFlagIsNamed(String flag) {
    assertThatThrownBy(() -> Config.fromFlags(List.of(flag)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed config flag '" + flag + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"overlay", "multi-container", "debug"})
  void badBooleanIsNamed(String name) {
    for (String bad : List.of("yes", "TRUE", "1", "")) {
      assertThatThrownBy(() -> Config.fromFlags(List.of("--" + name + "=" + bad)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--" + name)
          .hasMessageContaining("'" + bad + "'");
    }
  }

  @Test
  void badLogFormatIsNamed() {
    assertThatThrownBy(() -> Config.fromFlags(List.of("--log-format=xml")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--log-format")
        .hasMessageContaining("xml");
  }

  @Test
  void emptyFileAccessIsRejected() {
    assertThatThrownBy(() -> Config.fromFlags(List.of("--file-access=")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("file access");
  }

  @Test
  void withersChangeOneField() {
    Config c = Config.defaults().withRoot(Path.of("/x")).withFileAccess("gofer");
    assertThat(c).isEqualTo(new Config(Path.of("/x"), "gofer", false, true, false, "", LogFormat.TEXT));
  }
}
