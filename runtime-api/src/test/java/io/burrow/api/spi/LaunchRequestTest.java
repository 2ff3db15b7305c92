package io.burrow.api.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.burrow.api.launch.InitPlan;
import io.burrow.api.launch.Opcode;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A console socket travels with a launch exactly when the plan sets up a terminal. */
class LaunchRequestTest {
  private static final IoFile SOCKET = new IoFile() {
    @Override
    public int fd() {
      return 7;
    }

    @Override
    public String description() {
      return "console socket";
    }

    @Override
    public void close() {}
  };

  private static InitPlan withTerminal() {
    return InitPlan.builder().op(Opcode.SETSID).op(Opcode.CONSOLE, "/dev/ptmx", "24", "80", "", "0").build();
  }

  @Test
  void aTerminalPlanTakesTheConsoleSocket() {
    LaunchRequest r = new LaunchRequest("init", withTerminal(), List.of(), List.of(), List.of(), Optional.of(SOCKET));
    assertThat(r.consoleSocket()).contains(SOCKET);
    assertThat(new LaunchRequest("init", InitPlan.builder().op(Opcode.SETSID).build(), List.of(), List.of(), List.of())
        .consoleSocket()).isEmpty();
  }

  @Test
  void aTerminalWithoutSocketOrASocketWithoutTerminalIsAMistake() {
    assertThatThrownBy(() -> new LaunchRequest("init c1", withTerminal(), List.of(), List.of(), List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("init c1").hasMessageContaining("no console socket");
    assertThatThrownBy(() -> new LaunchRequest("init c1", InitPlan.builder().op(Opcode.SETSID).build(), List.of(),
        List.of(), List.of(), Optional.of(SOCKET)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sets up no terminal");
  }
}
