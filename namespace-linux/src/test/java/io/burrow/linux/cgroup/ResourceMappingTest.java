package io.burrow.linux.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.burrow.api.spi.CgroupManager.CgroupException;
import io.burrow.linux.cgroup.ResourceMapping.Write;
import java.util.List;
import java.util.Set;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

/** {@code linux.resources} to controller files (and v2's device program), for v1 and v2, with runc's conversions. */
class ResourceMappingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ToIntFunction<String> V1 = c -> Set.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer",
      "blkio", "pids", "hugetlb", "net_cls", "net_prio", "rdma").contains(c) ? 1 : 0;
  private static final ToIntFunction<String> V2 = c -> Set.of("", "cpu", "cpuset", "memory", "io", "pids", "hugetlb", "rdma",
      "freezer").contains(c) ? 2 : 0;

  private static List<String> lines(String json, ToIntFunction<String> version) throws Exception {
    JsonNode r = JSON.readTree(json);
    return ResourceMapping.writes(r, version).stream().map(w -> w.controller() + "/" + w.file() + "=" + w.value()).toList();
  }

  private static String error(String json, ToIntFunction<String> version) {
    try {
      ResourceMapping.writes(JSON.readTree(json), version);
    } catch (CgroupException e) {
      return e.getMessage();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("no error for " + json);
  }

  @Test
  void memoryV1AndV2() throws Exception {
    String m = "{\"memory\":{\"limit\":33554432,\"swap\":67108864,\"reservation\":1048576,\"swappiness\":10}}";
    assertThat(lines(m, V1)).containsExactly("memory/memory.limit_in_bytes=33554432",
        "memory/memory.memsw.limit_in_bytes=67108864", "memory/memory.soft_limit_in_bytes=1048576", "memory/memory.swappiness=10");
    // v2's swap limit is swap alone: memory+swap minus memory.
    assertThat(lines("{\"memory\":{\"limit\":33554432,\"swap\":67108864,\"reservation\":1048576}}", V2))
        .containsExactly("memory/memory.swap.max=33554432", "memory/memory.max=33554432", "memory/memory.low=1048576");
    assertThat(lines("{\"memory\":{\"limit\":-1}}", V1)).containsExactly("memory/memory.limit_in_bytes=-1",
        "memory/memory.memsw.limit_in_bytes=-1");
    assertThat(lines("{\"memory\":{\"limit\":-1}}", V2)).containsExactly("memory/memory.swap.max=max", "memory/memory.max=max");
    assertThat(lines("{\"memory\":{\"disableOOMKiller\":true}}", V1)).containsExactly("memory/memory.oom_control=1");
    // Docker's defaults (false, 0) write nothing.
    assertThat(lines("{\"memory\":{\"disableOOMKiller\":false},\"cpu\":{\"shares\":0},\"blockIO\":{\"weight\":0}}", V1)).isEmpty();
    assertThat(error("{\"memory\":{\"swappiness\":10}}", V2)).contains("linux.resources.memory.swappiness");
    assertThat(error("{\"memory\":{\"limit\":100,\"swap\":50}}", V2)).contains("linux.resources.memory.swap");
  }

  @Test
  void cpuV1AndV2() throws Exception {
    String c = "{\"cpu\":{\"shares\":1024,\"quota\":20000,\"period\":100000,\"cpus\":\"0-1\",\"mems\":\"0\",\"idle\":0}}";
    assertThat(lines(c, V1)).containsExactly("cpu/cpu.shares=1024", "cpu/cpu.cfs_period_us=100000",
        "cpu/cpu.cfs_quota_us=20000", "cpu/cpu.idle=0", "cpuset/cpuset.cpus=0-1", "cpuset/cpuset.mems=0");
    assertThat(lines(c, V2)).containsExactly("cpu/cpu.weight=39", "cpu/cpu.max=20000 100000", "cpu/cpu.idle=0",
        "cpuset/cpuset.cpus=0-1", "cpuset/cpuset.mems=0");
    assertThat(lines("{\"cpu\":{\"quota\":-1}}", V2)).containsExactly("cpu/cpu.max=max");
    assertThat(lines("{\"cpu\":{\"realtimeRuntime\":950000,\"realtimePeriod\":1000000}}", V1))
        .containsExactly("cpu/cpu.rt_period_us=1000000", "cpu/cpu.rt_runtime_us=950000");
    assertThat(error("{\"cpu\":{\"realtimeRuntime\":5}}", V2)).contains("linux.resources.cpu.realtimeRuntime");
    assertThat(error("{\"cpu\":{\"cpus\":\"all\"}}", V1)).contains("linux.resources.cpu.cpus");
    assertThat(ResourceMapping.sharesToWeight(2)).isEqualTo(1);
    assertThat(ResourceMapping.sharesToWeight(262144)).isEqualTo(10000);
  }

  @Test
  void pidsBlockIoHugepagesNetworkRdma() throws Exception {
    assertThat(lines("{\"pids\":{\"limit\":10}}", V1)).containsExactly("pids/pids.max=10");
    assertThat(lines("{\"pids\":{\"limit\":-1}}", V2)).containsExactly("pids/pids.max=max");
    String b = "{\"blockIO\":{\"weight\":500,\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":300}],"
        + "\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1048576}],"
        + "\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":0,\"rate\":100}]}}";
    assertThat(lines(b, V1)).containsExactly("blkio/blkio.weight=500", "blkio/blkio.weight_device=8:0 300",
        "blkio/blkio.throttle.read_bps_device=8:0 1048576", "blkio/blkio.throttle.write_iops_device=8:0 100");
    assertThat(lines(b, V2)).containsExactly("io/io.weight=default 4950", "io/io.weight=8:0 2930", "io/io.max=8:0 rbps=1048576",
        "io/io.max=8:0 wiops=100");
    assertThat(error("{\"blockIO\":{\"weight\":5}}", V1)).contains("linux.resources.blockIO.weight");
    String h = "{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}]}";
    assertThat(lines(h, V1)).containsExactly("hugetlb/hugetlb.2MB.limit_in_bytes=4194304");
    assertThat(lines(h, V2)).containsExactly("hugetlb/hugetlb.2MB.max=4194304");
    assertThat(error("{\"hugepageLimits\":[{\"pageSize\":\"huge\",\"limit\":1}]}", V2)).contains("linux.resources.hugepageLimits[0].pageSize");
    String n = "{\"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"eth0\",\"priority\":5}]}}";
    assertThat(lines(n, V1)).containsExactly("net_cls/net_cls.classid=1048577", "net_prio/net_prio.ifpriomap=eth0 5");
    assertThat(error(n, V2)).contains("linux.resources.network.classID");
    assertThat(lines("{\"rdma\":{\"mlx5_1\":{\"hcaHandles\":3,\"hcaObjects\":10000}}}", V2))
        .containsExactly("rdma/rdma.max=mlx5_1 hca_handle=3 hca_object=10000");
  }

  @Test
  void devicesAreWrittenInOrderOnV1AndAProgramOnV2() throws Exception {
    String d = "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"},"
        + "{\"allow\":true,\"type\":\"c\",\"major\":136,\"access\":\"rw\"}]}";
    assertThat(lines(d, V1)).containsExactly("devices/devices.deny=a *:* rwm", "devices/devices.allow=c 1:3 rwm",
        "devices/devices.allow=c 136:* rw");
    assertThat(ResourceMapping.deviceProgram(JSON.readTree(d), V1)).isEmpty();
    // v2 has no devices files: the rules become the eBPF program (its decisions: DeviceFilterTest).
    assertThat(lines(d, V2)).isEmpty();
    assertThat(ResourceMapping.deviceProgram(JSON.readTree(d), V2)).get().extracting(DeviceFilter.Program::rules).isEqualTo(3);
    // Hybrid, as this host: the v1 devices controller takes them, as in runc's hybrid mode.
    ToIntFunction<String> hybrid = c -> c.isEmpty() ? 2 : V1.applyAsInt(c);
    assertThat(lines(d, hybrid)).hasSize(3);
    assertThat(ResourceMapping.deviceProgram(JSON.readTree(d), hybrid)).isEmpty();
    assertThat(ResourceMapping.deviceProgram(JSON.readTree("{\"memory\":{}}"), V2)).isEmpty();
    assertThat(error(d, c -> 0)).contains("linux.resources.devices").contains("neither");
    assertThat(error("{\"devices\":[{\"allow\":true,\"type\":\"x\"}]}", V2)).contains("linux.resources.devices[0].type");
    assertThat(error("{\"devices\":[{\"allow\":true,\"minor\":4294967296}]}", V1)).contains("linux.resources.devices[0].minor")
        .contains("4294967295");
    assertThat(error("{\"devices\":[7]}", V2)).contains("linux.resources.devices[0]: must be an object");
  }

  @Test
  void unifiedKeysOnlyOnV2() throws Exception {
    assertThat(lines("{\"unified\":{\"memory.high\":\"1000000\",\"cgroup.max.depth\":\"2\"}}", V2))
        .containsExactly("memory/memory.high=1000000", "/cgroup.max.depth=2");
    assertThat(error("{\"unified\":{\"memory.high\":\"1\"}}", V1)).contains("linux.resources.unified.memory.high");
    assertThat(error("{\"unified\":{\"../memory.high\":\"1\"}}", V2)).contains("linux.resources.unified.../memory.high");
  }

  @Test
  void malformedValuesNameTheirField() {
    assertThat(error("{\"memory\":{\"limit\":-5}}", V1)).startsWith("linux.resources.memory.limit: -5 is negative");
    assertThat(error("{\"memory\":{\"limit\":\"32m\"}}", V1)).startsWith("linux.resources.memory.limit:");
    assertThat(error("{\"pids\":{\"limit\":1.5}}", V1)).startsWith("linux.resources.pids.limit:");
    assertThat(error("{\"cpu\":{\"shares\":-3}}", V1)).startsWith("linux.resources.cpu.shares:");
    assertThat(error("{\"memory\":{\"disableOOMKiller\":\"yes\"}}", V1)).startsWith("linux.resources.memory.disableOOMKiller:");
    assertThat(error("{\"memory\":5}", V1)).startsWith("linux.resources.memory:");
    assertThat(error("[]", V1)).startsWith("linux.resources:");
    assertThat(error("{\"memory\":{\"limit\":1}}", c -> 0)).contains("memory controller is not available");
  }

  @Test
  void missingResourcesWriteNothing() throws Exception {
    assertThat(ResourceMapping.writes(null, V1)).isEmpty();
    assertThat(lines("{}", V2)).isEmpty();
    assertThatThrownBy(() -> ResourceMapping.writes(JSON.readTree("\"x\""), V1)).isInstanceOf(CgroupException.class);
    List<Write> w = ResourceMapping.writes(JSON.readTree("{\"pids\":{\"limit\":3}}"), V1);
    assertThat(w.get(0).field()).isEqualTo("linux.resources.pids.limit");
  }
}
