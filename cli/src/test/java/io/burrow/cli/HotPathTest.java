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
  void parsesTheInternalCommandsAsBurrowStartsThem() {
    String[] config = {"--root=/r", "--file-access=gofer", "--overlay=false", "--multi-container=true", "--debug=true",
        "--log=/l/log.json", "--log-format=json", "--namespaces=linux", "--id-mapping=procfs"};
    String[] boot = {"boot", "--bundle", "/b", "--id", "c1", "--control", "/r/c1/boot.sock", "--io-fds=3", "--io-fds=4",
        "--console-fd=5"};
    HotPath.Call call = HotPath.parse(concat(config, boot)).orElseThrow();
    BurrowCommand parsed = new BurrowCommand();
    new picocli.CommandLine(parsed).parseArgs(config);
    assertThat(call.top().config()).isEqualTo(parsed.config());
    BootCommand b = (BootCommand) call.command();
    assertThat(b.burrow).isSameAs(call.top());
    assertThat(b.bundle).isEqualTo(Path.of("/b"));
    assertThat(b.id).isEqualTo("c1");
    assertThat(b.control).isEqualTo(Path.of("/r/c1/boot.sock"));
    assertThat(b.ioFds).containsExactly(3, 4);
    assertThat(b.consoleFd).isEqualTo(5);

    assertThat(HotPath.parse(concat(config, new String[] {"gofer", "--bundle", "/b", "--io-fds=3"}))).isPresent();
    assertThat(HotPath.parse("--debug=false", "state", "c1").orElseThrow().top().debug).isFalse();
  }

  @Test
  void parsesCreateAsGoRuncSendsIt() {
    HotPath.Call call = HotPath.parse("--root", "/r", "--log", "/l", "--log-format", "json", "create", "--bundle", "/b",
        "--pid-file", "/p", "--console-socket=/s", "--no-pivot", "--no-new-keyring", "c1").orElseThrow();
    CreateCommand c = (CreateCommand) call.command();
    assertThat(c.burrow).isSameAs(call.top());
    assertThat(c.id).isEqualTo("c1");
    assertThat(c.bundle).isEqualTo(Path.of("/b"));
    assertThat(c.pidFile).isEqualTo(Path.of("/p"));
    assertThat(c.consoleSocket).isEqualTo(Path.of("/s"));
    assertThat(c.noPivot).isTrue();
    assertThat(c.noNewKeyring).isTrue();

    CreateCommand plain = (CreateCommand) HotPath.parse("create", "c2").orElseThrow().command();
    CreateCommand viaPicocli = new CreateCommand();
    new picocli.CommandLine(viaPicocli).parseArgs("c2");
    assertThat(plain.bundle).isEqualTo(viaPicocli.bundle).isEqualTo(Path.of("."));
    assertThat(plain.pidFile).isNull();
    assertThat(((CreateCommand) HotPath.parse("create", "c3", "-b", "/x").orElseThrow().command()).bundle)
        .isEqualTo(Path.of("/x"));
  }

  private static String[] concat(String[] a, String[] b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
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
      {}, {"--help"}, {"state"}, {"state", "--help"}, {"state", "a", "b"}, {"--file-access"},
      {"--root"}, {"--debug=yes", "state", "c1"}, {"kill", "c1", "-9"}, {"kill", "-s", "c1"}, {"kill", "c1", "9", "x"},
      {"delete", "--force=true", "c1"}, {"start", "-f", "c1"}, {"list"}, {"state", ""},
      {"create"}, {"create", "a", "b"}, {"create", "--bundle", "/a", "--bundle", "/b", "c1"}, {"create", "-b", "/a",
      "--bundle", "/b", "c1"}, {"create", "--preserve-fds", "1", "c1"}, {"create", "--no-pivot=true", "c1"},
      {"create", "--help"}, {"create", "--pid-file"}, {"create", "-bX", "c1"},
      {"gofer", "--help"}, {"gofer", "--bundle", "/b"}, {"boot", "--bundle", "/b", "--id", "c1"}, {"boot", "--bundle", "/b", "--id", "c1", "--control",
      "/s", "--io-fds=x"}, {"boot", "--bundle", "/b", "--id", "c1", "--control", "/s", "--other=1"}, {"boot", "--id"},
    };
    for (String[] args : others) {
      assertThat(HotPath.parse(args)).as(String.join(" ", args)).isEmpty();
    }
  }
}
