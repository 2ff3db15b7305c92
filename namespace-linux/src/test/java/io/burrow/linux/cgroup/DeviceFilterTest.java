package io.burrow.linux.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.burrow.api.spi.CgroupManager.CgroupException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device program's decisions, checked by the kernel: each rule list is compiled, loaded and
 * attached to a fresh cgroup of this host's cgroup2 hierarchy (needs root), a real process is
 * moved there, and its opens and mknods of real device nodes succeed or fail with EPERM. The
 * kernel runs cgroup-bpf device programs whatever the v1 devices controller says, so this works
 * on the hybrid host too. Nothing compares instruction bytes.
 */
class DeviceFilterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String EPERM = "Operation not permitted";
  /** What an allowed open of a block node with no driver behind it gives (the device check came first). */
  private static final String ENXIO = "No such device or address";
  private static Path unified;

  @TempDir Path dir;

  @BeforeAll
  static void cgroup2() throws Exception {
    unified = CgroupLayout.read().unified().orElseThrow(() -> new AssertionError("this host mounts no cgroup2"));
  }

  private static List<DeviceRule> rules(String json) throws Exception {
    return ResourceMapping.deviceRules(JSON.readTree(json));
  }

  /** Attaches the program for {@code json} to a new cgroup, runs the checks in it, removes the cgroup. */
  private static Map<String, String> check(String json, String... checks) throws Exception {
    Path cgroup = Files.createDirectory(unified.resolve("burrow-unit-dev-"
        + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL)));
    try {
      CgroupBpf.installDeviceFilter(cgroup, DeviceFilter.compile(rules(json)));
      return DeviceProbe.run(pid -> Files.writeString(cgroup.resolve("cgroup.procs"), Integer.toString(pid)), checks);
    } finally {
      Files.delete(cgroup);
    }
  }

  /** A block node with an unregistered major (240: local/experimental use), made outside any filtered cgroup. */
  private Path blockNode() throws Exception {
    Path node = dir.resolve("blk");
    Process p = new ProcessBuilder("mknod", node.toString(), "b", "240", "0").redirectErrorStream(true).start();
    assertThat(p.waitFor()).as(new String(p.getInputStream().readAllBytes())).isZero();
    return node;
  }

  @Test
  void denyByDefaultAllowsOnlyWhatIsListed() throws Exception {
    String m = dir.resolve("n").toString();
    Map<String, String> r = check("[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3}]",
        "r /dev/null", "rw /dev/null", "m " + m + " c 1 3", "r /dev/zero", "w /dev/zero", "m " + m + " c 1 5");
    assertThat(r).as("%s", r).containsEntry("r /dev/null", "ok").containsEntry("rw /dev/null", "ok")
        .containsEntry("m " + m + " c 1 3", "ok");
    assertThat(r.get("r /dev/zero")).contains(EPERM);
    assertThat(r.get("w /dev/zero")).contains(EPERM);
    assertThat(r.get("m " + m + " c 1 5")).contains(EPERM);
  }

  @Test
  void noRuleMatchingIsDenied() throws Exception {
    // No leading type-a rule: what no rule allows is denied, as runc's program does.
    Map<String, String> r = check("[{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"}]",
        "rw /dev/null", "r /dev/zero", "m " + dir.resolve("n") + " c 1 3");
    assertThat(r.get("rw /dev/null")).isEqualTo("ok");
    assertThat(r.get("r /dev/zero")).contains(EPERM);
    assertThat(r.get("m " + dir.resolve("n") + " c 1 3")).as("rw does not include m").contains(EPERM);
  }

  @Test
  void theLastMatchingRuleWinsForEachAccess() throws Exception {
    // allow c 1:* rwm, then deny c 1:5 w: /dev/zero stays readable, and neither a write nor a
    // read+write open gets through (the deny names w, the O_RDWR open asks for w).
    Map<String, String> r = check("[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":1,\"access\":\"rwm\"},"
        + "{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"w\"}]",
        "r /dev/zero", "w /dev/zero", "rw /dev/zero", "rw /dev/full", "rw /dev/null");
    assertThat(r.get("r /dev/zero")).isEqualTo("ok");
    assertThat(r.get("w /dev/zero")).contains(EPERM);
    assertThat(r.get("rw /dev/zero")).contains(EPERM);
    assertThat(r.get("rw /dev/full")).isEqualTo("ok");
    assertThat(r.get("rw /dev/null")).isEqualTo("ok");
  }

  @Test
  void aLaterAllowOverridesAnEarlierDeny() throws Exception {
    Map<String, String> r = check("[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":5},"
        + "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"r\"}]", "r /dev/zero", "w /dev/zero");
    assertThat(r.get("r /dev/zero")).isEqualTo("ok");
    assertThat(r.get("w /dev/zero")).contains(EPERM);
  }

  @Test
  void allowAllFirstMakesADenyList() throws Exception {
    Path blk = blockNode();
    Map<String, String> r = check("[{\"allow\":true,\"access\":\"rwm\"},{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":5}]",
        "rw /dev/full", "r /dev/zero", "r " + blk);
    assertThat(r.get("rw /dev/full")).isEqualTo("ok");
    assertThat(r.get("r /dev/zero")).contains(EPERM);
    assertThat(r.get("r " + blk)).as("allowed, so the open reaches the (missing) driver").contains(ENXIO);
  }

  @Test
  void blockAndCharAreDifferentDevices() throws Exception {
    Path blk = blockNode();
    // b 240:* r allows reading the block node only; the char devices with the same numbers' type differ.
    Map<String, String> r = check("[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"b\",\"major\":240,\"access\":\"r\"},"
        + "{\"allow\":true,\"type\":\"b\",\"major\":1,\"minor\":3}]", "r " + blk, "w " + blk, "r /dev/null");
    assertThat(r.get("r " + blk)).contains(ENXIO);
    assertThat(r.get("w " + blk)).contains(EPERM);
    assertThat(r.get("r /dev/null")).as("b 1:3 is not c 1:3").contains(EPERM);
  }

  @Test
  void typeAMeansEveryDeviceWhateverItsNumbers() throws Exception {
    // As the v1 kernel reads it: a deny of type a with numbers and an access still denies everything.
    Map<String, String> r = check("[{\"allow\":true,\"type\":\"c\",\"major\":1,\"access\":\"rwm\"},"
        + "{\"allow\":false,\"type\":\"a\",\"major\":1,\"minor\":5,\"access\":\"r\"}]", "w /dev/null", "r /dev/full");
    assertThat(r.get("w /dev/null")).contains(EPERM);
    assertThat(r.get("r /dev/full")).contains(EPERM);
  }

  @Test
  void runcsDefaultRulesAfterADenyAll() throws Exception {
    // Docker's list: deny all, then runc's AllowedDevices (what runtime-core appends).
    String m = dir.resolve("n").toString();
    Map<String, String> r = check("""
        [{"allow":false,"access":"rwm"},
         {"allow":true,"type":"c","access":"m"},{"allow":true,"type":"b","access":"m"},
         {"allow":true,"type":"c","major":1,"minor":3,"access":"rwm"},{"allow":true,"type":"c","major":1,"minor":8,"access":"rwm"},
         {"allow":true,"type":"c","major":1,"minor":7,"access":"rwm"},{"allow":true,"type":"c","major":5,"minor":0,"access":"rwm"},
         {"allow":true,"type":"c","major":1,"minor":5,"access":"rwm"},{"allow":true,"type":"c","major":1,"minor":9,"access":"rwm"},
         {"allow":true,"type":"c","major":136,"access":"rwm"},{"allow":true,"type":"c","major":5,"minor":2,"access":"rwm"},
         {"allow":true,"type":"c","major":10,"minor":200,"access":"rwm"}]""",
        "rw /dev/null", "r /dev/zero", "r /dev/urandom", "m " + m + " b 240 1", "m " + m + " c 10 229", "rw /dev/tty");
    assertThat(r).containsEntry("rw /dev/null", "ok").containsEntry("r /dev/zero", "ok").containsEntry("r /dev/urandom", "ok")
        .containsEntry("m " + m + " b 240 1", "ok").containsEntry("m " + m + " c 10 229", "ok");
    // /dev/tty is 5:0, allowed: with no controlling terminal its open fails further on, not with EPERM.
    assertThat(r.get("rw /dev/tty")).doesNotContain(EPERM);
  }

  @Test
  void emptyListDeniesEverything() throws Exception {
    Map<String, String> r = check("[]", "r /dev/null");
    assertThat(r.get("r /dev/null")).contains(EPERM);
  }

  @Test
  void numbersPastTwoToTheThirtyOneAndLongListsLoad() throws Exception {
    // A major above 2^31 goes through a 64-bit register compare; the verifier takes it.
    Map<String, String> r = check("[{\"allow\":true,\"access\":\"rwm\"},{\"allow\":false,\"type\":\"c\",\"major\":4294967295,"
        + "\"minor\":3000000000}]", "rw /dev/null");
    assertThat(r.get("rw /dev/null")).isEqualTo("ok");
    StringBuilder many = new StringBuilder("[{\"allow\":false,\"access\":\"rwm\"}");
    for (int i = 0; i < 2000; i++) {
      many.append(",{\"allow\":true,\"type\":\"c\",\"major\":100,\"minor\":").append(i).append("}");
    }
    many.append(",{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3}]");
    r = check(many.toString(), "rw /dev/null", "r /dev/zero");
    assertThat(r.get("rw /dev/null")).isEqualTo("ok");
    assertThat(r.get("r /dev/zero")).contains(EPERM);
  }

  @Test
  void aListTooLongForBpfJumpsIsAnErrorNamingTheField() throws Exception {
    List<DeviceRule> rules = new ArrayList<>();
    for (int i = 0; i < 20000; i++) {
      rules.add(new DeviceRule(true, 'c', 100, i, "rwm", "linux.resources.devices[" + i + "]"));
    }
    assertThatThrownBy(() -> DeviceFilter.compile(rules)).isInstanceOf(CgroupException.class)
        .hasMessageContaining("linux.resources.devices").hasMessageContaining("20000 rules");
  }

  @Test
  void aProgramTheKernelRefusesCarriesTheVerifierLog() {
    // One instruction, r0 = 1, and no exit: the verifier says so, and the error says which cgroup.
    byte[] noExit = {(byte) 0xb4, 0, 0, 0, 1, 0, 0, 0};
    Path target = unified.resolve("some-cgroup");
    assertThatThrownBy(() -> CgroupBpf.load(new DeviceFilter.Program(noExit, 0), target)).isInstanceOf(CgroupException.class)
        .hasMessageContaining("cgroup " + target).hasMessageContaining("Invalid argument")
        .hasMessageContaining("verifier log").hasMessageContaining("exit");
  }
}
