package io.burrow.api.state;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A container's status as the OCI runtime-spec (runtime.md, "State") names it. */
public enum Status {
  CREATING,
  CREATED,
  RUNNING,
  STOPPED,
  PAUSED;

  @JsonValue
  public String specName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static Status fromSpec(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }
}
