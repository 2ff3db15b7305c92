package io.burrow.api.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * {@code linux}: the Linux-specific part of the spec. {@code resources}, {@code seccomp} and
 * {@code intelRdt} are kept as JSON trees until burrow enforces them, so they round-trip exactly.
 */
public final class Linux extends SpecObject {
  public List<IdMapping> uidMappings;
  public List<IdMapping> gidMappings;
  public Map<String, String> sysctl;
  public JsonNode resources;
  public String cgroupsPath;
  public List<Namespace> namespaces;
  public List<Device> devices;
  public JsonNode seccomp;
  public String rootfsPropagation;
  public List<String> maskedPaths;
  public List<String> readonlyPaths;
  public String mountLabel;
  public JsonNode intelRdt;

  /** One {@code linux.namespaces} entry: a type, and a path when the namespace is joined rather than created. */
  public static final class Namespace extends SpecObject {
    public String type;
    public String path;

    public Namespace() {}

    public Namespace(String type, String path) {
      this.type = type;
      this.path = path;
    }
  }

  /** One {@code linux.devices} entry: a device node to create in the container. */
  public static final class Device extends SpecObject {
    public String type;
    public String path;
    public Long major;
    public Long minor;
    public Integer fileMode;
    public Long uid;
    public Long gid;

    public Device() {}

    public Device(String path, String type, long major, long minor, int fileMode) {
      this.path = path;
      this.type = type;
      this.major = major;
      this.minor = minor;
      this.fileMode = fileMode;
    }
  }
}
