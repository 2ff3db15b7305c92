package io.burrow.linux.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.burrow.api.spi.CgroupManager;
import io.burrow.api.spi.CgroupManager.CgroupException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cgroupsPath resolution: absolute, relative, systemd, and what is refused; mountinfo parsing, and
 * the hierarchies a container's cgroup mount shows.
 */
class CgroupPathTest {
  @TempDir Path dir;

  private FsCgroupManager manager(boolean systemdRuns) {
    Path runtimeDir = systemdRuns ? dir : dir.resolve("missing");
    return new FsCgroupManager(() -> new CgroupLayout(java.util.Map.of(), java.util.Optional.of(dir), java.util.Set.of()),
        runtimeDir);
  }

  @Test
  void plainPaths() throws Exception {
    FsCgroupManager m = manager(false);
    assertThat(m.resolve("c1", "/docker/abc", false)).isEqualTo("/docker/abc");
    assertThat(m.resolve("c1", "docker/abc", false)).isEqualTo("/docker/abc");
    assertThat(m.resolve("c1", "//docker/./abc/", false)).isEqualTo("/docker/abc");
    assertThat(m.resolve("c1", null, false)).isEqualTo("/burrow/c1");
    assertThat(m.resolve("c1", "", false)).isEqualTo("/burrow/c1");
  }

  @Test
  void escapesAndTheRootAreRefused() {
    FsCgroupManager m = manager(false);
    assertThatThrownBy(() -> m.resolve("c1", "/a/../../etc", false)).isInstanceOf(CgroupException.class)
        .hasMessageContaining("linux.cgroupsPath").hasMessageContaining("escapes");
    assertThatThrownBy(() -> m.resolve("c1", "..", false)).hasMessageContaining("linux.cgroupsPath");
    assertThatThrownBy(() -> m.resolve("c1", "/", false)).hasMessageContaining("root cgroup");
    assertThatThrownBy(() -> m.resolve("c1", "/x/cgroup.procs", false)).hasMessageContaining("not a cgroup name");
  }

  @Test
  void systemdSlicePrefixName() throws Exception {
    FsCgroupManager m = manager(true);
    assertThat(m.resolve("c1", "system.slice:docker:abc", true)).isEqualTo("/system.slice/docker-abc.scope");
    assertThat(m.resolve("c1", "machine-libpod.slice:libpod:abc", true))
        .isEqualTo("/machine.slice/machine-libpod.slice/libpod-abc.scope");
    assertThat(m.resolve("c1", "-.slice:p:n", true)).isEqualTo("/p-n.scope");
    assertThat(m.resolve("c1", "", true)).isEqualTo("/system.slice/burrow-c1.scope");
    assertThatThrownBy(() -> m.resolve("c1", "/docker/abc", true)).hasMessageContaining("slice:prefix:name");
    assertThatThrownBy(() -> m.resolve("c1", "system.slice:..:x/y", true)).hasMessageContaining("linux.cgroupsPath");
  }

  @Test
  void systemdCgroupWithoutSystemdIsAnError() {
    assertThatThrownBy(() -> manager(false).resolve("c1", "system.slice:docker:abc", true))
        .hasMessageContaining("--systemd-cgroup").hasMessageContaining("systemd is not running");
  }

  @Test
  void mountinfoOfAHybridAndAPureV2Host() throws Exception {
    CgroupLayout hybrid = CgroupLayout.parse(List.of(
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
        "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct",
        "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
        "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd",
        "41 31 0:38 / " + dir + " rw,relatime - cgroup2 cgroup2 rw"));
    assertThat(hybrid.v1Mode()).isTrue();
    assertThat(hybrid.version("cpuacct")).isEqualTo(1);
    assertThat(hybrid.directory("cpu", "/a/b")).isEqualTo(Path.of("/sys/fs/cgroup/cpu,cpuacct/a/b"));
    assertThat(hybrid.directories("/a")).containsExactlyInAnyOrder(Path.of("/sys/fs/cgroup/cpu,cpuacct/a"),
        Path.of("/sys/fs/cgroup/memory/a"), Path.of("/sys/fs/cgroup/systemd/a"), dir.resolve("a"));
    assertThat(hybrid.version("pids")).isZero();
    CgroupLayout v2 = CgroupLayout.parse(List.of("30 23 0:26 / " + dir + " rw - cgroup2 cgroup2 rw,nsdelegate"));
    assertThat(v2.v1Mode()).isFalse();
    assertThat(v2.version("")).isEqualTo(2);
    assertThat(v2.version("freezer")).isEqualTo(2);
  }

  @Test
  void hierarchiesAreWhatAContainersCgroupMountShows() throws Exception {
    CgroupLayout hybrid = CgroupLayout.parse(List.of(
        "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct",
        "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
        "36 31 0:33 / /sys/fs/cgroup/net_cls,net_prio rw,relatime - cgroup cgroup rw,net_cls,net_prio",
        "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd",
        "41 31 0:38 / " + dir + " rw,relatime - cgroup2 cgroup2 rw"));
    // One per mount point, named as on the host, with its controllers (and only them) as mount data.
    assertThat(hybrid.hierarchies("/burrow/c1")).isEqualTo(new CgroupManager.Hierarchies(List.of(
        new CgroupManager.V1Hierarchy("cpu,cpuacct", "cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct/burrow/c1"),
        new CgroupManager.V1Hierarchy("memory", "memory", "/sys/fs/cgroup/memory/burrow/c1"),
        new CgroupManager.V1Hierarchy("net_cls,net_prio", "net_cls,net_prio", "/sys/fs/cgroup/net_cls,net_prio/burrow/c1"),
        new CgroupManager.V1Hierarchy("systemd", "name=systemd", "/sys/fs/cgroup/systemd/burrow/c1")),
        Optional.of(dir + "/burrow/c1")));
    // A v2 host: no v1 hierarchy shown, not even a named one (runc's unified mode).
    CgroupLayout v2 = CgroupLayout.parse(List.of(
        "30 23 0:26 / " + dir + " rw - cgroup2 cgroup2 rw,nsdelegate",
        "40 31 0:37 / /run/named rw,relatime - cgroup cgroup rw,name=named"));
    assertThat(v2.hierarchies("/burrow/c1")).isEqualTo(new CgroupManager.Hierarchies(List.of(), Optional.of(dir + "/burrow/c1")));
    assertThat(CgroupLayout.parse(List.of()).hierarchies("/burrow/c1")).isEqualTo(CgroupManager.Hierarchies.NONE);
  }
}
