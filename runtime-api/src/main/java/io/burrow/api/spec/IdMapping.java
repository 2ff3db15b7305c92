package io.burrow.api.spec;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A uid or gid range mapping: {@code containerID}, {@code hostID}, {@code size}. */
public final class IdMapping extends SpecObject {
  @JsonProperty("containerID")
  public Long containerId;
  @JsonProperty("hostID")
  public Long hostId;
  public Long size;

  public IdMapping() {}

  public IdMapping(long containerId, long hostId, long size) {
    this.containerId = containerId;
    this.hostId = hostId;
    this.size = size;
  }

  /** The host id that {@code containerId} maps to; the id itself when there are no mappings (no user namespace). */
  public static long hostIdOf(java.util.List<IdMapping> mappings, long containerId) {
    if (mappings == null || mappings.isEmpty()) {
      return containerId;
    }
    for (IdMapping m : mappings) {
      if (containerId >= m.containerId && containerId < m.containerId + m.size) {
        return m.hostId + (containerId - m.containerId);
      }
    }
    return 65534;
  }

  /** The line this mapping takes in {@code /proc/PID/uid_map}. */
  public String toProcLine() {
    return containerId + " " + hostId + " " + size;
  }
}
