package io.burrow.linux.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.burrow.api.spi.CgroupManager.CgroupException;
import io.burrow.linux.sys.LibC;
import io.burrow.linux.sys.Native;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manager against the real cgroup file systems (needs root): this host's own layout (v1 or
 * hybrid here), and a pure v2 layout made by mounting cgroup2 in a private mount namespace of one
 * thread. On a hybrid host that v2 mount offers only the controllers no v1 hierarchy holds (here
 * hugetlb), so memory, pids and cpu limits are tested in v1 only; the v2 core (placement,
 * freezer, cpu.stat, unified keys, removal) is tested on the real cgroup2, and so are device
 * rules, which v2 enforces with an eBPF program the kernel runs on the cgroup2 hierarchy whatever
 * the v1 devices controller says.
 */
class FsCgroupManagerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CLONE_NEWNS = 0x00020000;
  private static final long MS_REC = 16384, MS_PRIVATE = 1 << 18;
  private static final int MNT_DETACH = 2;

  @TempDir Path dir;

  private static String unique() {
    return "/burrow-unit-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
  }

  private static Process sleeper() throws Exception {
    return new ProcessBuilder("sleep", "1000").start();
  }

  private static void removeParent(CgroupLayout layout, String parent) throws Exception {
    for (Path d : layout.directories(parent)) {
      Files.deleteIfExists(d);
    }
  }

  @Test
  void thisHostsLayout() throws Exception {
    CgroupLayout layout = CgroupLayout.read();
    FsCgroupManager m = new FsCgroupManager(() -> layout, dir.resolve("no-systemd"));
    String parent = unique();
    String path = parent + "/c";
    Process p = sleeper();
    try {
      boolean v1 = layout.v1Mode();
      m.create(path, JSON.readTree("{\"memory\":{\"limit\":33554432},\"pids\":{\"limit\":10},"
          + "\"cpu\":{\"quota\":20000,\"period\":100000,\"shares\":512}}"));
      assertThat(m.read(path, v1 ? "memory.limit_in_bytes" : "memory.max")).isEqualTo("33554432");
      assertThat(m.read(path, "pids.max")).isEqualTo("10");
      assertThat(m.read(path, v1 ? "cpu.cfs_quota_us" : "cpu.max")).startsWith("20000");
      m.addProcess(path, (int) p.pid());
      assertThat(m.pids(path)).containsExactly((int) p.pid());
      assertThat(Files.readString(Path.of("/proc/" + p.pid() + "/cgroup"))).contains(path);
      m.setFrozen(path, true);
      assertThat(m.isFrozen(path)).isTrue();
      m.setFrozen(path, false);
      assertThat(m.isFrozen(path)).isFalse();
      m.update(path, JSON.readTree("{\"memory\":{\"limit\":67108864}}"));
      ObjectNode stats = m.stats(path);
      assertThat(stats.path("memory").path("usage").path("limit").asLong()).as("%s", stats).isEqualTo(67108864L);
      assertThat(stats.path("pids").path("current").asLong()).isEqualTo(1);
      assertThatThrownBy(() -> m.update(path, JSON.readTree("{\"cpu\":{\"cpus\":\"0-9999\"}}")))
          .isInstanceOf(CgroupException.class).hasMessageContaining("linux.resources.cpu.cpus");
      p.destroyForcibly().waitFor();
      m.destroy(path);
      for (Path d : layout.directories(path)) {
        assertThat(d).doesNotExist();
      }
      m.destroy(path);
      // A write the kernel refuses fails create, which leaves no directory behind.
      assertThatThrownBy(() -> m.create(path, JSON.readTree("{\"cpu\":{\"cpus\":\"0-9999\"}}")))
          .hasMessageContaining("linux.resources.cpu.cpus");
      for (Path d : layout.directories(path)) {
        assertThat(d).doesNotExist();
      }
    } finally {
      p.destroyForcibly().waitFor();
      try {
        m.destroy(path);
      } finally {
        removeParent(layout, parent);
      }
    }
  }

  @Test
  void pureV2OnAPrivateCgroup2Mount() throws Exception {
    onPrivateCgroup2(this::v2);
  }

  @Test
  void deviceRulesOnPureV2AreAnEbpfProgram() throws Exception {
    onPrivateCgroup2(this::v2Devices);
  }

  private interface MountTest {
    void run(Path mount) throws Exception;
  }

  /** Runs {@code test} in a thread of its own mount namespace, where cgroup2 alone is mounted at a temporary directory. */
  private void onPrivateCgroup2(MountTest test) throws Exception {
    Path mount = Files.createDirectory(dir.resolve("cg2"));
    ExecutorService thread = Executors.newSingleThreadExecutor();
    try {
      thread.submit((Callable<Void>) () -> {
        LibC libc = Native.libc();
        assertThat(libc.unshare(CLONE_NEWNS)).as(Native.error("unshare")).isZero();
        assertThat(libc.mount("", "/", "", MS_REC | MS_PRIVATE, "")).as(Native.error("make private")).isZero();
        assertThat(libc.mount("none", mount.toString(), "cgroup2", 0, "")).as(Native.error("mount cgroup2")).isZero();
        try {
          test.run(mount);
        } finally {
          libc.umount2(mount.toString(), MNT_DETACH);
        }
        return null;
      }).get();
    } finally {
      thread.shutdownNow();
    }
  }

  /**
   * A pure v2 layout enforces device rules with the eBPF program on the cgroup2 directory: a real
   * process in the cgroup gets EPERM for /dev/zero and opens /dev/null; update replaces the
   * program (one left, the new one); bad input and a refused attach leave no cgroup.
   */
  private void v2Devices(Path mount) throws Exception {
    CgroupLayout layout = CgroupLayout.parse(List.of("99 1 0:99 / " + mount + " rw - cgroup2 none rw"));
    FsCgroupManager m = new FsCgroupManager(() -> layout, dir.resolve("no-systemd"));
    String parent = unique();
    String path = parent + "/c";
    Path cgroup = mount.resolve(path.substring(1));
    String denyZero = "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":1,"
        + "\"access\":\"rwm\"},{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rwm\"}]}";
    try {
      assertThatThrownBy(() -> m.create(path, JSON.readTree("{\"devices\":[{\"allow\":false},{\"allow\":true,\"access\":\"x\"}]}")))
          .isInstanceOf(CgroupException.class).hasMessageContaining("linux.resources.devices[1].access");
      assertThat(mount.resolve(parent.substring(1))).as("nothing created for bad input").doesNotExist();

      m.create(path, JSON.readTree(denyZero));
      List<CgroupBpf.ProgramInfo> first = CgroupBpf.attachedPrograms(cgroup);
      assertThat(first).extracting(CgroupBpf.ProgramInfo::name).containsExactly(CgroupBpf.PROGRAM_NAME);
      assertThat(first.get(0).type()).isEqualTo(CgroupBpf.BPF_PROG_TYPE_CGROUP_DEVICE);
      Map<String, String> r = DeviceProbe.run(pid -> m.addProcess(path, pid), "r /dev/null", "rw /dev/null", "r /dev/zero",
          "rw /dev/full");
      assertThat(r).as("%s", r).containsEntry("r /dev/null", "ok").containsEntry("rw /dev/null", "ok")
          .containsEntry("rw /dev/full", "ok");
      assertThat(r.get("r /dev/zero")).contains("Operation not permitted");

      // An update without device rules keeps the program; one with rules replaces it.
      m.update(path, JSON.readTree("{\"unified\":{\"cgroup.max.descendants\":\"2\"}}"));
      assertThat(CgroupBpf.attachedPrograms(cgroup)).isEqualTo(first);
      m.update(path, JSON.readTree("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\","
          + "\"major\":1,\"access\":\"rwm\"}]}"));
      List<CgroupBpf.ProgramInfo> second = CgroupBpf.attachedPrograms(cgroup);
      assertThat(second).as("exactly one program after update").hasSize(1);
      assertThat(second.get(0).name()).isEqualTo(CgroupBpf.PROGRAM_NAME);
      assertThat(second.get(0).id()).as("the new program, not the old").isNotEqualTo(first.get(0).id());
      r = DeviceProbe.run(pid -> m.addProcess(path, pid), "r /dev/zero", "rw /dev/null");
      assertThat(r).as("%s", r).containsEntry("r /dev/zero", "ok").containsEntry("rw /dev/null", "ok");
      assertThatThrownBy(() -> m.update(path, JSON.readTree("{\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":4294967296}]}")))
          .hasMessageContaining("linux.resources.devices[0].major");
      assertThat(CgroupBpf.attachedPrograms(cgroup)).as("a refused update leaves the program").isEqualTo(second);
      m.destroy(path);
      assertThat(cgroup).doesNotExist();

      // A parent whose program forbids programs below it (attached without BPF_F_ALLOW_MULTI): the
      // kernel refuses the attach, create says which cgroup, and leaves none behind.
      Path parentDir = mount.resolve(parent.substring(1));
      try (io.burrow.linux.sys.Fd parentFd = CgroupBpf.openCgroup(parentDir);
          io.burrow.linux.sys.Fd allowAll = CgroupBpf.load(DeviceFilter.compile(List.of(
              new DeviceRule(true, 'a', DeviceRule.ANY, DeviceRule.ANY, "rwm", "test"))), parentDir)) {
        CgroupBpf.attach(parentFd, allowAll, parentDir, 0);
      }
      assertThatThrownBy(() -> m.create(path, JSON.readTree(denyZero))).isInstanceOf(CgroupException.class)
          .hasMessageContaining("cgroup " + cgroup).hasMessageContaining("BPF_PROG_ATTACH")
          .hasMessageContaining("Operation not permitted");
      assertThat(cgroup).doesNotExist();
    } finally {
      try {
        m.destroy(path);
      } finally {
        removeParent(layout, parent);
      }
    }
  }

  private void v2(Path mount) throws Exception {
    CgroupLayout layout = CgroupLayout.parse(List.of("99 1 0:99 / " + mount + " rw - cgroup2 none rw"));
    assertThat(layout.v1Mode()).isFalse();
    FsCgroupManager m = new FsCgroupManager(() -> layout, dir.resolve("no-systemd"));
    assertThat(m.versions()).containsExactly("v2");
    String parent = unique();
    String path = parent + "/c";
    Process p = sleeper();
    try {
      boolean hugetlb = layout.unifiedControllers().contains("hugetlb");
      String resources = "{\"unified\":{\"cgroup.max.descendants\":\"3\"}"
          + (hugetlb ? ",\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}]" : "") + "}";
      m.create(path, JSON.readTree(resources));
      assertThat(Files.readString(mount.resolve(path.substring(1)).resolve("cgroup.max.descendants")).trim()).isEqualTo("3");
      if (hugetlb) {
        // Delegated by the parent's cgroup.subtree_control, which create enabled.
        assertThat(m.read(path, "hugetlb.2MB.max")).isEqualTo("4194304");
      }
      // A controller this v2 lacks is a clear error naming the field.
      if (!layout.unifiedControllers().contains("memory")) {
        assertThatThrownBy(() -> m.update(path, JSON.readTree("{\"memory\":{\"limit\":1048576}}")))
            .hasMessageContaining("linux.resources.memory").hasMessageContaining("not available");
      }
      m.addProcess(path, (int) p.pid());
      assertThat(m.pids(path)).containsExactly((int) p.pid());
      m.setFrozen(path, true);
      assertThat(m.isFrozen(path)).isTrue();
      assertThat(Files.readString(mount.resolve(path.substring(1)).resolve("cgroup.events"))).contains("frozen 1");
      m.setFrozen(path, false);
      assertThat(m.isFrozen(path)).isFalse();
      ObjectNode stats = m.stats(path);
      assertThat(stats.path("cpu").path("usage").has("total")).as("%s", stats).isTrue();
      p.destroyForcibly().waitFor();
      m.destroy(path);
      assertThat(mount.resolve(path.substring(1))).doesNotExist();
    } finally {
      p.destroyForcibly().waitFor();
      try {
        m.destroy(path);
      } finally {
        removeParent(layout, parent);
      }
    }
  }
}
