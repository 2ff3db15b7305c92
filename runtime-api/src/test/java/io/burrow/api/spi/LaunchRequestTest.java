package io.burrow.api.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.burrow.api.launch.InitPlan;
import io.burrow.api.launch.Opcode;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A console socket travels with a launch exactly when the plan sets up a terminal, a seccomp listener target exactly when its filter makes a listener. */
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

  @Test
  void aSeccompListenerTravelsExactlyWithAFilterThatMakesOne() {
    SeccompListener agent = new SeccompListener(java.nio.file.Path.of("/run/agent.sock"), pid -> "{}");
    InitPlan notify = InitPlan.builder().op(Opcode.SECCOMP, "00", Long.toString(SeccompProgram.FLAG_NEW_LISTENER
        | SeccompProgram.FLAG_LOG)).build();
    InitPlan plain = InitPlan.builder().op(Opcode.SECCOMP, "00", Long.toString(SeccompProgram.FLAG_LOG)).build();
    assertThat(new LaunchRequest("init", notify, List.of(), List.of(), List.of(), Optional.empty(), Optional.of(agent))
        .seccompListener()).contains(agent);
    assertThatThrownBy(() -> new LaunchRequest("init c1", notify, List.of(), List.of(), List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("init c1").hasMessageContaining("SCMP_ACT_NOTIFY");
    assertThatThrownBy(() -> new LaunchRequest("init c1", plain, List.of(), List.of(), List.of(), Optional.empty(),
        Optional.of(agent))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("makes no listener");
  }
}
