package io.burrow.api.spec;

import java.util.Arrays;
import java.util.Optional;

/** The namespace types of the OCI spec, with the kernel's clone flag and {@code /proc/PID/ns} name. */
public enum NamespaceType {
  USER("user", 0x10000000, "user"),
  MOUNT("mount", 0x00020000, "mnt"),
  PID("pid", 0x20000000, "pid"),
  NETWORK("network", 0x40000000, "net"),
  IPC("ipc", 0x08000000, "ipc"),
  UTS("uts", 0x04000000, "uts"),
  CGROUP("cgroup", 0x02000000, "cgroup"),
  TIME("time", 0x00000080, "time");

  private final String specName;
  private final int cloneFlag;
  private final String procName;

  NamespaceType(String specName, int cloneFlag, String procName) {
    this.specName = specName;
    this.cloneFlag = cloneFlag;
    this.procName = procName;
  }

  public String specName() {
    return specName;
  }

  public int cloneFlag() {
    return cloneFlag;
  }

  /** The entry under {@code /proc/PID/ns/}. */
  public String procName() {
    return procName;
  }

  public static Optional<NamespaceType> fromSpec(String name) {
    return Arrays.stream(values()).filter(t -> t.specName.equals(name)).findFirst();
  }
}
