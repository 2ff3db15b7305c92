package io.burrow.api.spec;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Base of every OCI spec object. Fields burrow does not model (newer spec versions, vendor
 * extensions) are kept here on purpose so that a spec read and written back loses nothing.
 * Not thread-safe; a spec is built or read on one thread and then only read.
 */
public abstract class SpecObject {
  private final Map<String, Object> unknown = new LinkedHashMap<>();

  @JsonAnyGetter
  public Map<String, Object> unknownFields() {
    return unknown;
  }

  @JsonAnySetter
  public void unknownField(String name, Object value) {
    unknown.put(name, value);
  }
}
