package io.burrow.linux.cgroup;

import com.fasterxml.jackson.databind.JsonNode;
import io.burrow.api.spi.CgroupManager.CgroupException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * Turns {@code linux.resources} into the controller files runc's fs (v1) and fs2 (v2) managers
 * write, with runc's conversions (shares to cpu.weight, blkio weight to io.weight, memory+swap to
 * v2's swap-only limit) and runc's "0 means unset" for the fields whose Go zero value is unset.
 * Device rules become v1 devices.allow/deny writes, or on cgroup v2 an eBPF program
 * ({@link #deviceProgram}, {@link DeviceFilter}). Pure: it writes nothing, so the mapping is
 * unit-tested against no cgroupfs. Stateless.
 */
public final class ResourceMapping {
  /** One write: {@code value} into {@code file} of {@code controller}'s hierarchy; {@code field} is the spec field it comes from. */
  public record Write(String controller, String file, String value, String field) {}

  private ResourceMapping() {}

  /**
   * The writes for {@code resources}, in the order they must happen.
   *
   * @param version the cgroup version (1 or 2) each controller is used in; 0 when it is not available
   */
  public static List<Write> writes(JsonNode resources, ToIntFunction<String> version) throws CgroupException {
    List<Write> out = new ArrayList<>();
    if (resources == null || resources.isNull()) {
      return out;
    }
    if (!resources.isObject()) {
      throw new CgroupException("linux.resources: must be an object, not " + resources.getNodeType());
    }
    memory(resources.get("memory"), version.applyAsInt("memory"), out);
    cpu(resources.get("cpu"), version.applyAsInt("cpu"), version.applyAsInt("cpuset"), out);
    pids(resources.get("pids"), version.applyAsInt("pids"), out);
    blockIO(resources.get("blockIO"), version.applyAsInt(version.applyAsInt("blkio") == 1 ? "blkio" : "io"), out);
    hugepages(resources.get("hugepageLimits"), version.applyAsInt("hugetlb"), out);
    network(resources.get("network"), version, out);
    rdma(resources.get("rdma"), version.applyAsInt("rdma"), out);
    devices(resources.get("devices"), version, out);
    unified(resources.get("unified"), version, out);
    return out;
  }

  private static void memory(JsonNode m, int v, List<Write> out) throws CgroupException {
    if (absent(m)) {
      return;
    }
    Long limit = optLong(m, "limit", "linux.resources.memory.limit", -1);
    Long reservation = optLong(m, "reservation", "linux.resources.memory.reservation", -1);
    Long swap = optLong(m, "swap", "linux.resources.memory.swap", -1);
    Long swappiness = optLong(m, "swappiness", "linux.resources.memory.swappiness", 0);
    boolean disableOom = m.has("disableOOMKiller") && bool(m, "disableOOMKiller", "linux.resources.memory.disableOOMKiller");
    Long kernelTcp = optLong(m, "kernelTCP", "linux.resources.memory.kernelTCP", -1);
    if (swappiness != null && swappiness > 100) {
      throw new CgroupException("linux.resources.memory.swappiness: " + swappiness + " is not in 0..100");
    }
    boolean any = nz(limit) || nz(reservation) || nz(swap) || swappiness != null || disableOom || nz(kernelTcp);
    if (!any) {
      return;
    }
    need(v, "memory", "linux.resources.memory");
    if (v == 1) {
      // runc: an unlimited memory with swap not given also makes swap unlimited.
      if (limit != null && limit == -1 && !nz(swap)) {
        swap = -1L;
      }
      if (nz(limit)) {
        out.add(new Write("memory", "memory.limit_in_bytes", limit.toString(), "linux.resources.memory.limit"));
      }
      if (nz(swap)) {
        out.add(new Write("memory", "memory.memsw.limit_in_bytes", swap.toString(), "linux.resources.memory.swap"));
      }
      if (nz(reservation)) {
        out.add(new Write("memory", "memory.soft_limit_in_bytes", reservation.toString(), "linux.resources.memory.reservation"));
      }
      if (nz(kernelTcp)) {
        out.add(new Write("memory", "memory.kmem.tcp.limit_in_bytes", kernelTcp.toString(), "linux.resources.memory.kernelTCP"));
      }
      if (swappiness != null) {
        out.add(new Write("memory", "memory.swappiness", swappiness.toString(), "linux.resources.memory.swappiness"));
      }
      if (disableOom) {
        out.add(new Write("memory", "memory.oom_control", "1", "linux.resources.memory.disableOOMKiller"));
      }
      return;
    }
    if (swappiness != null) {
      throw new CgroupException("linux.resources.memory.swappiness: cgroup v2 has no swappiness");
    }
    if (disableOom) {
      throw new CgroupException("linux.resources.memory.disableOOMKiller: cgroup v2 cannot disable the OOM killer");
    }
    if (nz(kernelTcp)) {
      throw new CgroupException("linux.resources.memory.kernelTCP: cgroup v2 has no kernel TCP limit");
    }
    long l = limit == null ? 0 : limit;
    long s = swap == null ? 0 : swap;
    // runc's ConvertMemorySwapToCgroupV2Value: OCI's swap is memory+swap, v2's memory.swap.max is swap alone.
    long v2swap;
    if (l == -1 && s == 0) {
      v2swap = -1;
    } else if (s == -1 || s == 0) {
      v2swap = s;
    } else if (l == 0 || l == -1) {
      throw new CgroupException("linux.resources.memory.swap: a swap limit needs a memory limit");
    } else if (s < l) {
      throw new CgroupException("linux.resources.memory.swap: " + s + " is below linux.resources.memory.limit " + l
          + " (swap is memory+swap)");
    } else {
      v2swap = s - l;
    }
    if (v2swap != 0) {
      out.add(new Write("memory", "memory.swap.max", max(v2swap), "linux.resources.memory.swap"));
    }
    if (l != 0) {
      out.add(new Write("memory", "memory.max", max(l), "linux.resources.memory.limit"));
    }
    if (nz(reservation)) {
      out.add(new Write("memory", "memory.low", max(reservation), "linux.resources.memory.reservation"));
    }
  }

  private static void cpu(JsonNode c, int v, int cpusetV, List<Write> out) throws CgroupException {
    if (absent(c)) {
      return;
    }
    Long shares = optLong(c, "shares", "linux.resources.cpu.shares", 0);
    Long quota = optLong(c, "quota", "linux.resources.cpu.quota", -1);
    Long burst = optLong(c, "burst", "linux.resources.cpu.burst", 0);
    Long period = optLong(c, "period", "linux.resources.cpu.period", 0);
    Long rtRuntime = optLong(c, "realtimeRuntime", "linux.resources.cpu.realtimeRuntime", -1);
    Long rtPeriod = optLong(c, "realtimePeriod", "linux.resources.cpu.realtimePeriod", 0);
    Long idle = optLong(c, "idle", "linux.resources.cpu.idle", 0);
    String cpus = optString(c, "cpus", "linux.resources.cpu.cpus");
    String mems = optString(c, "mems", "linux.resources.cpu.mems");
    if (idle != null && idle > 1) {
      throw new CgroupException("linux.resources.cpu.idle: " + idle + " is neither 0 nor 1");
    }
    if (nz(shares) || nz(quota) || nz(period) || nz(burst) || nz(rtRuntime) || nz(rtPeriod) || idle != null) {
      need(v, "cpu", "linux.resources.cpu");
      if (v == 1) {
        if (nz(shares)) {
          out.add(new Write("cpu", "cpu.shares", shares.toString(), "linux.resources.cpu.shares"));
        }
        // The period first: the kernel checks a quota against the period in place.
        if (nz(period)) {
          out.add(new Write("cpu", "cpu.cfs_period_us", period.toString(), "linux.resources.cpu.period"));
        }
        if (nz(quota)) {
          out.add(new Write("cpu", "cpu.cfs_quota_us", quota.toString(), "linux.resources.cpu.quota"));
        }
        if (nz(burst)) {
          out.add(new Write("cpu", "cpu.cfs_burst_us", burst.toString(), "linux.resources.cpu.burst"));
        }
        if (nz(rtPeriod)) {
          out.add(new Write("cpu", "cpu.rt_period_us", rtPeriod.toString(), "linux.resources.cpu.realtimePeriod"));
        }
        if (nz(rtRuntime)) {
          out.add(new Write("cpu", "cpu.rt_runtime_us", rtRuntime.toString(), "linux.resources.cpu.realtimeRuntime"));
        }
      } else {
        if (nz(rtRuntime) || nz(rtPeriod)) {
          throw new CgroupException("linux.resources.cpu.realtimeRuntime: cgroup v2 has no realtime cpu limits");
        }
        if (nz(shares)) {
          out.add(new Write("cpu", "cpu.weight", Long.toString(sharesToWeight(shares)), "linux.resources.cpu.shares"));
        }
        if (nz(quota) || nz(period)) {
          String max = quota != null && quota > 0 ? quota.toString() : "max";
          if (nz(period)) {
            max += " " + period;
          }
          out.add(new Write("cpu", "cpu.max", max, nz(quota) ? "linux.resources.cpu.quota" : "linux.resources.cpu.period"));
        }
        if (nz(burst)) {
          out.add(new Write("cpu", "cpu.max.burst", burst.toString(), "linux.resources.cpu.burst"));
        }
      }
      if (idle != null) {
        out.add(new Write("cpu", "cpu.idle", idle.toString(), "linux.resources.cpu.idle"));
      }
    }
    if (cpus != null && !cpus.isEmpty()) {
      need(cpusetV, "cpuset", "linux.resources.cpu.cpus");
      out.add(new Write("cpuset", "cpuset.cpus", cpuList(cpus, "linux.resources.cpu.cpus"), "linux.resources.cpu.cpus"));
    }
    if (mems != null && !mems.isEmpty()) {
      need(cpusetV, "cpuset", "linux.resources.cpu.mems");
      out.add(new Write("cpuset", "cpuset.mems", cpuList(mems, "linux.resources.cpu.mems"), "linux.resources.cpu.mems"));
    }
  }

  /** runc's ConvertCPUSharesToCgroupV2Value: [2, 262144] onto [1, 10000]. */
  static long sharesToWeight(long shares) {
    return 1 + ((shares - 2) * 9999) / 262142;
  }

  private static void pids(JsonNode p, int v, List<Write> out) throws CgroupException {
    if (absent(p)) {
      return;
    }
    Long limit = optLong(p, "limit", "linux.resources.pids.limit", -1);
    if (!nz(limit)) {
      return;
    }
    need(v, "pids", "linux.resources.pids.limit");
    out.add(new Write("pids", "pids.max", limit > 0 ? limit.toString() : "max", "linux.resources.pids.limit"));
  }

  private static void blockIO(JsonNode b, int v, List<Write> out) throws CgroupException {
    if (absent(b)) {
      return;
    }
    String controller = v == 2 ? "io" : "blkio";
    Long weight = optLong(b, "weight", "linux.resources.blockIO.weight", 0);
    if (nz(weight)) {
      checkWeight(weight, "linux.resources.blockIO.weight");
      need(v, controller, "linux.resources.blockIO.weight");
      out.add(v == 1
          ? new Write("blkio", "blkio.weight", weight.toString(), "linux.resources.blockIO.weight")
          : new Write("io", "io.weight", "default " + blkioToIoWeight(weight), "linux.resources.blockIO.weight"));
    }
    JsonNode devices = b.get("weightDevice");
    if (!absent(devices)) {
      int i = 0;
      for (JsonNode d : array(devices, "linux.resources.blockIO.weightDevice")) {
        String field = "linux.resources.blockIO.weightDevice[" + i++ + "]";
        Long w = optLong(d, "weight", field + ".weight", 0);
        if (nz(w)) {
          checkWeight(w, field + ".weight");
          need(v, controller, field);
          out.add(v == 1
              ? new Write("blkio", "blkio.weight_device", device(d, field) + " " + w, field)
              : new Write("io", "io.weight", device(d, field) + " " + blkioToIoWeight(w), field));
        }
      }
    }
    String[][] throttles = {
      {"throttleReadBpsDevice", "blkio.throttle.read_bps_device", "rbps"},
      {"throttleWriteBpsDevice", "blkio.throttle.write_bps_device", "wbps"},
      {"throttleReadIOPSDevice", "blkio.throttle.read_iops_device", "riops"},
      {"throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", "wiops"},
    };
    for (String[] t : throttles) {
      JsonNode list = b.get(t[0]);
      if (absent(list)) {
        continue;
      }
      int i = 0;
      for (JsonNode d : array(list, "linux.resources.blockIO." + t[0])) {
        String field = "linux.resources.blockIO." + t[0] + "[" + i++ + "]";
        Long rate = optLong(d, "rate", field + ".rate", 0);
        if (rate == null) {
          throw new CgroupException(field + ".rate: missing");
        }
        need(v, controller, field);
        out.add(v == 1
            ? new Write("blkio", t[1], device(d, field) + " " + rate, field)
            : new Write("io", "io.max", device(d, field) + " " + t[2] + "=" + (rate == 0 ? "max" : rate.toString()), field));
      }
    }
  }

  /** runc's ConvertBlkIOToIOWeightValue: [10, 1000] onto [1, 10000]. */
  static long blkioToIoWeight(long weight) {
    return 1 + (weight - 10) * 9999 / 990;
  }

  private static void checkWeight(long weight, String field) throws CgroupException {
    if (weight < 10 || weight > 1000) {
      throw new CgroupException(field + ": " + weight + " is not in 10..1000");
    }
  }

  private static void hugepages(JsonNode h, int v, List<Write> out) throws CgroupException {
    if (absent(h)) {
      return;
    }
    int i = 0;
    for (JsonNode e : array(h, "linux.resources.hugepageLimits")) {
      String field = "linux.resources.hugepageLimits[" + i++ + "]";
      String size = optString(e, "pageSize", field + ".pageSize");
      if (size == null || !size.matches("[0-9]+[KMG]B")) {
        throw new CgroupException(field + ".pageSize: '" + size + "' is not a page size such as 2MB");
      }
      Long limit = optLong(e, "limit", field + ".limit", 0);
      if (limit == null) {
        throw new CgroupException(field + ".limit: missing");
      }
      need(v, "hugetlb", field);
      out.add(new Write("hugetlb", "hugetlb." + size + (v == 1 ? ".limit_in_bytes" : ".max"), limit.toString(), field));
    }
  }

  private static void network(JsonNode n, ToIntFunction<String> version, List<Write> out) throws CgroupException {
    if (absent(n)) {
      return;
    }
    Long classId = optLong(n, "classID", "linux.resources.network.classID", 0);
    if (nz(classId)) {
      if (version.applyAsInt("net_cls") != 1) {
        throw new CgroupException("linux.resources.network.classID: the net_cls controller is not mounted (it exists in cgroup v1 only)");
      }
      out.add(new Write("net_cls", "net_cls.classid", classId.toString(), "linux.resources.network.classID"));
    }
    JsonNode prios = n.get("priorities");
    if (!absent(prios)) {
      int i = 0;
      for (JsonNode p : array(prios, "linux.resources.network.priorities")) {
        String field = "linux.resources.network.priorities[" + i++ + "]";
        String name = optString(p, "name", field + ".name");
        Long prio = optLong(p, "priority", field + ".priority", 0);
        if (name == null || name.isEmpty() || name.contains(" ") || prio == null) {
          throw new CgroupException(field + ": needs an interface name and a priority");
        }
        if (version.applyAsInt("net_prio") != 1) {
          throw new CgroupException(field + ": the net_prio controller is not mounted (it exists in cgroup v1 only)");
        }
        out.add(new Write("net_prio", "net_prio.ifpriomap", name + " " + prio, field));
      }
    }
  }

  private static void rdma(JsonNode r, int v, List<Write> out) throws CgroupException {
    if (absent(r)) {
      return;
    }
    if (!r.isObject()) {
      throw new CgroupException("linux.resources.rdma: must be an object of devices");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = r.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String field = "linux.resources.rdma." + e.getKey();
      if (e.getKey().isEmpty() || e.getKey().contains(" ")) {
        throw new CgroupException(field + ": not a device name");
      }
      Long handles = optLong(e.getValue(), "hcaHandles", field + ".hcaHandles", 0);
      Long objects = optLong(e.getValue(), "hcaObjects", field + ".hcaObjects", 0);
      StringBuilder line = new StringBuilder(e.getKey());
      if (handles != null) {
        line.append(" hca_handle=").append(handles);
      }
      if (objects != null) {
        line.append(" hca_object=").append(objects);
      }
      need(v, "rdma", field);
      out.add(new Write("rdma", "rdma.max", line.toString(), field));
    }
  }

  private static void devices(JsonNode d, ToIntFunction<String> version, List<Write> out) throws CgroupException {
    List<DeviceRule> rules = deviceRules(d);
    if (rules == null) {
      return;
    }
    if (version.applyAsInt("devices") == 1) {
      for (DeviceRule r : rules) {
        out.add(new Write("devices", r.allow() ? "devices.allow" : "devices.deny", r.line(), r.field()));
      }
    } else if (version.applyAsInt("") != 2) {
      throw new CgroupException("linux.resources.devices: this host has neither the v1 devices controller nor cgroup v2");
    }
    // Otherwise cgroup v2, which has no devices files: deviceProgram compiles the rules.
  }

  /**
   * The device program for {@code resources}' {@code devices} when the host enforces device rules
   * with eBPF (cgroup v2 with no v1 devices hierarchy: runc's hybrid mode uses v1's files); empty
   * when there are no rules or v1 takes them. Compiled here so that bad input fails before the
   * first mkdir.
   */
  public static Optional<DeviceFilter.Program> deviceProgram(JsonNode resources, ToIntFunction<String> version)
      throws CgroupException {
    if (resources == null || !resources.isObject() || version.applyAsInt("devices") == 1 || version.applyAsInt("") != 2) {
      return Optional.empty();
    }
    List<DeviceRule> rules = deviceRules(resources.get("devices"));
    return rules == null ? Optional.empty() : Optional.of(DeviceFilter.compile(rules));
  }

  /** {@code linux.resources.devices} checked, in order; null when absent. */
  static List<DeviceRule> deviceRules(JsonNode d) throws CgroupException {
    if (absent(d)) {
      return null;
    }
    List<DeviceRule> rules = new ArrayList<>();
    int i = 0;
    for (JsonNode rule : array(d, "linux.resources.devices")) {
      String field = "linux.resources.devices[" + i++ + "]";
      if (!rule.isObject()) {
        throw new CgroupException(field + ": must be an object");
      }
      if (!rule.has("allow") || !rule.get("allow").isBoolean()) {
        throw new CgroupException(field + ".allow: must be true or false");
      }
      String type = optString(rule, "type", field + ".type");
      type = type == null || type.isEmpty() ? "a" : type;
      if (!type.matches("[abc]")) {
        throw new CgroupException(field + ".type: '" + type + "' is not a, b or c");
      }
      Long major = optLong(rule, "major", field + ".major", -1);
      Long minor = optLong(rule, "minor", field + ".minor", -1);
      checkDeviceNumber(major, field + ".major");
      checkDeviceNumber(minor, field + ".minor");
      String access = optString(rule, "access", field + ".access");
      access = access == null || access.isEmpty() ? "rwm" : access;
      if (!access.matches("[rwm]{1,3}")) {
        throw new CgroupException(field + ".access: '" + access + "' is not made of r, w and m");
      }
      rules.add(new DeviceRule(rule.get("allow").asBoolean(), type.charAt(0), major == null ? DeviceRule.ANY : major,
          minor == null ? DeviceRule.ANY : minor, access, field));
    }
    return rules;
  }

  private static void checkDeviceNumber(Long n, String field) throws CgroupException {
    if (n != null && n > DeviceRule.MAX_NUMBER) {
      throw new CgroupException(field + ": " + n + " is above " + DeviceRule.MAX_NUMBER + ", the largest device number");
    }
  }

  private static void unified(JsonNode u, ToIntFunction<String> version, List<Write> out) throws CgroupException {
    if (absent(u)) {
      return;
    }
    if (!u.isObject()) {
      throw new CgroupException("linux.resources.unified: must be an object of file names to values");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = u.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      String field = "linux.resources.unified." + key;
      if (!key.matches("[a-z_]+\\.[a-zA-Z0-9_.]+") || key.contains("..")) {
        throw new CgroupException(field + ": not a cgroup v2 file name");
      }
      if (!e.getValue().isTextual()) {
        throw new CgroupException(field + ": the value must be a string");
      }
      String controller = key.substring(0, key.indexOf('.'));
      int v = version.applyAsInt(controller.equals("cgroup") ? "" : controller);
      if (v != 2) {
        throw new CgroupException(field + ": needs the " + controller + " controller in cgroup v2, which this host "
            + (v == 1 ? "mounts as v1" : "does not have"));
      }
      out.add(new Write(controller.equals("cgroup") ? "" : controller, key, e.getValue().asText(), field));
    }
  }

  private static String device(JsonNode d, String field) throws CgroupException {
    Long major = optLong(d, "major", field + ".major", 0);
    Long minor = optLong(d, "minor", field + ".minor", 0);
    if (major == null || minor == null) {
      throw new CgroupException(field + ": needs major and minor");
    }
    return major + ":" + minor;
  }

  private static String cpuList(String list, String field) throws CgroupException {
    if (!list.matches("[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*")) {
      throw new CgroupException(field + ": '" + list + "' is not a list such as 0-3,5");
    }
    return list;
  }

  private static void need(int version, String controller, String field) throws CgroupException {
    if (version == 0) {
      throw new CgroupException(field + ": the " + controller + " controller is not available on this host");
    }
  }

  private static String max(long value) {
    return value == -1 ? "max" : Long.toString(value);
  }

  private static boolean absent(JsonNode n) {
    return n == null || n.isNull();
  }

  private static boolean nz(Long value) {
    return value != null && value != 0;
  }

  private static Iterable<JsonNode> array(JsonNode n, String field) throws CgroupException {
    if (!n.isArray()) {
      throw new CgroupException(field + ": must be an array");
    }
    return n;
  }

  private static boolean bool(JsonNode o, String name, String field) throws CgroupException {
    JsonNode n = o.get(name);
    if (!n.isBoolean()) {
      throw new CgroupException(field + ": must be true or false, not " + n);
    }
    return n.asBoolean();
  }

  private static String optString(JsonNode o, String name, String field) throws CgroupException {
    if (!o.isObject()) {
      throw new CgroupException(field.substring(0, field.lastIndexOf('.')) + ": must be an object");
    }
    JsonNode n = o.get(name);
    if (absent(n)) {
      return null;
    }
    if (!n.isTextual()) {
      throw new CgroupException(field + ": must be a string, not " + n);
    }
    return n.asText();
  }

  /** An integer field, or null when absent; below {@code min} is an error ({@code -1} allows runc's "unlimited"). */
  private static Long optLong(JsonNode o, String name, String field, long min) throws CgroupException {
    if (!o.isObject()) {
      throw new CgroupException(field.substring(0, field.lastIndexOf('.')) + ": must be an object");
    }
    JsonNode n = o.get(name);
    if (absent(n)) {
      return null;
    }
    if (!n.isIntegralNumber() || !n.canConvertToLong()) {
      throw new CgroupException(field + ": " + n + " is not an integer");
    }
    long value = n.asLong();
    if (value < min) {
      throw new CgroupException(field + ": " + value + " is negative" + (min == -1 ? " (only -1, unlimited, is allowed)" : ""));
    }
    return value;
  }

}
