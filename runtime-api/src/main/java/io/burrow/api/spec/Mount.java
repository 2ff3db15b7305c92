package io.burrow.api.spec;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;

/** One entry of {@code mounts}. A mount is a bind mount when its type is "bind" or its options hold bind/rbind. */
public final class Mount extends SpecObject {
  public String destination;
  public String type;
  public String source;
  public List<String> options;
  public List<IdMapping> uidMappings;
  public List<IdMapping> gidMappings;

  public Mount() {}

  public Mount(String destination, String type, String source, List<String> options) {
    this.destination = destination;
    this.type = type;
    this.source = source;
    this.options = options;
  }

  /** True for a bind mount of a host path, by type or by option, as runc decides. Not a JSON property. */
  @JsonIgnore
  public boolean isBind() {
    return "bind".equals(type)
        || (options != null && (options.contains("bind") || options.contains("rbind")));
  }
}
