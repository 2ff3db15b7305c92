package io.burrow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The hand parser takes exactly the calls it can answer as picocli would, with the flags container
 * engines pass, and leaves everything else to picocli.
 */
class HotPathTest {
  @Test
  void parsesWhatContainerdAndDockerSend() {
    HotPath.Call call = HotPath.parse("--root", "/run/containerd/runc/k8s.io", "--log", "/l/log.json",
        "--log-format", "json", "--systemd-cgroup", "state", "c1").orElseThrow();
    assertThat(call.top().root).isEqualTo(Path.of("/run/containerd/runc/k8s.io"));
    assertThat(call.top().log).isEqualTo("/l/log.json");
    assertThat(call.top().logFormat).isEqualTo("json");
    assertThat(call.top().systemdCgroup).isTrue();
    assertThat(((StateCommand) call.command()).id).isEqualTo("c1");
    assertThat(((StateCommand) call.command()).burrow).isSameAs(call.top());

    KillCommand kill = (KillCommand) HotPath.parse("--root=/r", "kill", "--all", "c1", "9").orElseThrow().command();
    assertThat(kill.all).isTrue();
    assertThat(kill.signal).isEqualTo("9");
    assertThat(((KillCommand) HotPath.parse("kill", "c1").orElseThrow().command()).signal).isEqualTo("TERM");

    DeleteCommand delete = (DeleteCommand) HotPath.parse("--debug", "delete", "-f", "c1").orElseThrow().command();
    assertThat(delete.force).isTrue();
    assertThat(delete.burrow.debug).isTrue();
    assertThat(((StartCommand) HotPath.parse("start", "c1").orElseThrow().command()).id).isEqualTo("c1");
  }

  @Test
  void keepsPicocliDefaults() {
    BurrowCommand top = HotPath.parse("state", "c1").orElseThrow().top();
    BurrowCommand parsed = new BurrowCommand();
    new picocli.CommandLine(parsed).parseArgs();
    assertThat(top.config()).isEqualTo(parsed.config());
  }

  @Test
  void leavesEverythingElseToPicocli() {
    String[][] others = {
      {}, {"--help"}, {"state"}, {"state", "--help"}, {"state", "a", "b"}, {"--file-access", "gofer", "state", "c1"},
      {"--root"}, {"--debug=false", "state", "c1"}, {"kill", "c1", "-9"}, {"kill", "-s", "c1"}, {"kill", "c1", "9", "x"},
      {"delete", "--force=true", "c1"}, {"start", "-f", "c1"}, {"create", "c1"}, {"list"}, {"state", ""},
    };
    for (String[] args : others) {
      assertThat(HotPath.parse(args)).as(String.join(" ", args)).isEmpty();
    }
  }
}
