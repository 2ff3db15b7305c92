package io.burrow.api.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Proves that {@link Signals#parse} accepts what {@code kill} accepts (numbers, names, SIG prefix, any case) and nothing else. */
class SignalsTest {
  @ParameterizedTest
  @CsvSource({
    "9, 9", "KILL, 9", "SIGKILL, 9", "sigkill, 9", "kill, 9", "' TERM ', 15", "SIGTERM, 15", "15, 15",
    "HUP, 1", "SIGINT, 2", "USR1, 10", "SIGUSR2, 12", "CHLD, 17", "CONT, 18", "STOP, 19", "WINCH, 28",
    "IOT, 6", "ABRT, 6", "SYS, 31", "1, 1", "64, 64", "RTMIN, 34", "SIGRTMIN+3, 37", "RTMIN+30, 64", "09, 9", "sigrtmin+1, 35"
  })
  void parsesNamesAndNumbers(String text, int expected) {
    assertThat(Signals.parse(text)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "0", "65", "-9", "FOO", "SIG", "SIGFOO", "9x", "SIG9", "RTMIN+", "RTMIN+31", "RTMIN+100", "KILL9"})
  void rejectsInvalidSignalsNamingThem(String text) {
    assertThatThrownBy(() -> Signals.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid signal '" + text + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"99999999999", "SIGRTMIN+99999999999", "100"})
  void hugeNumbersAreInvalidSignalsNotCrashes(String text) {
    assertThatThrownBy(() -> Signals.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid signal '" + text + "'");
  }
}
