package io.burrow.api.spec;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Base of every OCI spec object. Fields burrow does not model (newer spec versions, vendor
 * extensions) are kept here on purpose so that a spec read and written back loses nothing.
 * Values are kept as JSON trees, so that nested nulls and number types survive exactly (a plain
 * {@code Object} value would be re-serialized under the mapper's NON_NULL rule and lose them).
 * Not thread-safe; a spec is built or read on one thread and then only read.
 */
public abstract class SpecObject {
  private final Map<String, JsonNode> unknown = new LinkedHashMap<>();

  @JsonAnyGetter
  public Map<String, JsonNode> unknownFields() {
    return unknown;
  }

  @JsonAnySetter
  public void unknownField(String name, JsonNode value) {
    unknown.put(name, value);
  }
}
