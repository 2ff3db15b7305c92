package io.burrow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.burrow.api.spec.SpecIo;
import io.burrow.core.Container;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code burrow update}: changes a container's live cgroup limits, as {@code runc update}: an OCI
 * {@code LinuxResources} JSON from {@code --resources FILE|-} (what dockerd sends), with runc's
 * individual flags laid over it.
 */
@Command(name = "update", description = "Update the resource limits of a container.")
final class UpdateCommand implements Callable<Integer> {
  @ParentCommand BurrowCommand burrow;

  @Parameters(index = "0", paramLabel = "ID")
  String id;

  @Option(names = {"--resources", "-r"}, paramLabel = "FILE", description = "an OCI LinuxResources JSON file, or - for standard input")
  String resources;

  @Option(names = "--memory", description = "memory limit in bytes (suffixes k, m, g; -1 unlimited)")
  String memory;

  @Option(names = "--memory-reservation", description = "memory soft limit in bytes")
  String memoryReservation;

  @Option(names = "--memory-swap", description = "memory plus swap limit in bytes (-1 unlimited)")
  String memorySwap;

  @Option(names = {"--cpu-share", "--cpu-shares"}, description = "cpu shares (relative weight)")
  Long cpuShares;

  @Option(names = "--cpu-quota", description = "CFS quota in microseconds per period")
  Long cpuQuota;

  @Option(names = "--cpu-period", description = "CFS period in microseconds")
  Long cpuPeriod;

  @Option(names = "--cpu-rt-period", description = "realtime period in microseconds")
  Long cpuRtPeriod;

  @Option(names = "--cpu-rt-runtime", description = "realtime runtime in microseconds")
  Long cpuRtRuntime;

  @Option(names = "--cpu-idle", description = "1 for SCHED_IDLE")
  Long cpuIdle;

  @Option(names = "--cpuset-cpus", description = "CPUs to use (0-3, 0,1)")
  String cpusetCpus;

  @Option(names = "--cpuset-mems", description = "memory nodes to use (0-3, 0,1)")
  String cpusetMems;

  @Option(names = "--pids-limit", description = "maximum number of processes (-1 unlimited)")
  Long pidsLimit;

  @Option(names = "--blkio-weight", description = "block IO weight, 10 to 1000")
  Long blkioWeight;

  @Override
  public Integer call() throws Exception {
    ObjectNode r = read();
    if (memory != null) {
      obj(r, "memory").put("limit", bytes(memory, "--memory"));
    }
    if (memoryReservation != null) {
      obj(r, "memory").put("reservation", bytes(memoryReservation, "--memory-reservation"));
    }
    if (memorySwap != null) {
      obj(r, "memory").put("swap", bytes(memorySwap, "--memory-swap"));
    }
    putIf(r, "cpu", "shares", cpuShares);
    putIf(r, "cpu", "quota", cpuQuota);
    putIf(r, "cpu", "period", cpuPeriod);
    putIf(r, "cpu", "realtimePeriod", cpuRtPeriod);
    putIf(r, "cpu", "realtimeRuntime", cpuRtRuntime);
    putIf(r, "cpu", "idle", cpuIdle);
    if (cpusetCpus != null) {
      obj(r, "cpu").put("cpus", cpusetCpus);
    }
    if (cpusetMems != null) {
      obj(r, "cpu").put("mems", cpusetMems);
    }
    putIf(r, "pids", "limit", pidsLimit);
    putIf(r, "blockIO", "weight", blkioWeight);
    try (Container container = burrow.containers().load(id)) {
      container.update(r);
    }
    return 0;
  }

  private ObjectNode read() throws IOException {
    if (resources == null) {
      return SpecIo.MAPPER.createObjectNode();
    }
    String what = resources.equals("-") ? "standard input" : resources;
    JsonNode node;
    try {
      node = resources.equals("-") ? SpecIo.MAPPER.readTree(System.in) : SpecIo.MAPPER.readTree(Files.readAllBytes(Path.of(resources)));
    } catch (IOException e) {
      throw new IllegalArgumentException("--resources " + what + ": " + e.getMessage(), e);
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("--resources " + what + ": not a LinuxResources JSON object");
    }
    return (ObjectNode) node;
  }

  private static ObjectNode obj(ObjectNode r, String name) {
    JsonNode n = r.get(name);
    return n instanceof ObjectNode o ? o : r.putObject(name);
  }

  private static void putIf(ObjectNode r, String section, String field, Long value) {
    if (value != null) {
      obj(r, section).put(field, value);
    }
  }

  /** docker's RAMInBytes as runc's update takes it: a number with an optional b, k, m, g, t suffix; -1 is unlimited. */
  static long bytes(String value, String flag) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    if (v.equals("-1")) {
      return -1;
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([kmgtp]?)i?b?").matcher(v);
    if (!m.matches()) {
      throw new IllegalArgumentException(flag + ": '" + value + "' is not a size such as 32m or 1073741824");
    }
    int shift = switch (m.group(2)) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      case "t" -> 40;
      case "p" -> 50;
      default -> 0;
    };
    return (long) (Double.parseDouble(m.group(1)) * (1L << shift));
  }
}
