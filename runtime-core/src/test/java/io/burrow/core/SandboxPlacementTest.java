package io.burrow.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.burrow.api.spi.ControlChannel;
import io.burrow.api.spi.IoFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The host's side of the placement protocol ({@code CGROUP n}), which {@code create} answers for
 * a single container's init and {@code start} for a pod child's: the pid goes to the placement,
 * a failure comes back as {@code ERR} with its message, any other line goes on, and every
 * received fd is closed.
 */
class SandboxPlacementTest {
  /** A received fd that only records its close: the handler must close what it is handed. */
  private static final class Received implements IoFile {
    boolean closed;

    @Override
    public int fd() {
      return -1;
    }

    @Override
    public String description() {
      return "received fd";
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  @Test
  void aPlaceRequestMovesThatPidAndIsAnsweredOk() {
    List<Integer> placed = new ArrayList<>();
    ControlChannel.Handler handler = Sandbox.placementHandler(placed::add, line -> "OTHER " + line);
    Received fd = new Received();
    assertThat(handler.handle(Sandbox.PLACE_REQUEST + "4242", new ArrayList<>(List.of(fd)))).isEqualTo("OK");
    assertThat(placed).containsExactly(4242);
    assertThat(fd.closed).isTrue();
  }

  @Test
  void aFailedPlacementIsAnErrWithItsMessage() {
    ControlChannel.Handler handler = Sandbox.placementHandler(pid -> {
      throw new IOException("cannot move the init of container 'a' into its cgroup /x/a: gone");
    }, line -> "OTHER");
    assertThat(handler.handle(Sandbox.PLACE_REQUEST + "7", List.of()))
        .isEqualTo("ERR cannot move the init of container 'a' into its cgroup /x/a: gone");
  }

  @Test
  void aBadPidIsAnErrAndReachesNoPlacement() {
    List<Integer> placed = new ArrayList<>();
    ControlChannel.Handler handler = Sandbox.placementHandler(placed::add, line -> "OTHER");
    assertThat(handler.handle(Sandbox.PLACE_REQUEST + "12x", List.of())).startsWith("ERR ").contains("12x");
    assertThat(placed).isEmpty();
  }

  @Test
  void withoutAPlacementTheRequestIsAnsweredOkAndOtherLinesGoOn() {
    ControlChannel.Handler handler = Sandbox.placementHandler(null, line -> "OTHER " + line);
    assertThat(handler.handle(Sandbox.PLACE_REQUEST + "5", List.of())).isEqualTo("OK");
    Received fd = new Received();
    assertThat(handler.handle("PID 5", new ArrayList<>(List.of(fd)))).isEqualTo("OTHER PID 5");
    assertThat(fd.closed).isTrue();
  }
}
