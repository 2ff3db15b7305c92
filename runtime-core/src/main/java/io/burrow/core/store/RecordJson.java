package io.burrow.core.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.burrow.api.spi.ProcessId;
import io.burrow.api.state.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code state.json} in and out with Jackson's streaming parser and generator. Every CLI call
 * reads this file, and data binding's set-up costs a short-lived JVM more than all the rest of a
 * {@code state}; the format is the one data binding wrote (absent fields left out, unknown ones
 * ignored), so state dirs of either stay readable. Thread-safe.
 */
final class RecordJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private RecordJson() {}

  static byte[] write(ContainerRecord r) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      string(g, "id", r.id());
      string(g, "bundle", r.bundle());
      string(g, "rootfs", r.rootfs());
      string(g, "status", r.status() == null ? null : r.status().specName());
      process(g, "init", r.init());
      process(g, "sandbox", r.sandbox());
      string(g, "podSandboxId", r.podSandboxId());
      process(g, "fileServer", r.fileServer());
      string(g, "fileAccess", r.fileAccess());
      string(g, "created", r.created());
      string(g, "owner", r.owner());
      if (r.annotations() != null) {
        g.writeObjectFieldStart("annotations");
        for (Map.Entry<String, String> a : r.annotations().entrySet()) {
          g.writeStringField(a.getKey(), a.getValue());
        }
        g.writeEndObject();
      }
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  /** The record in {@code json}; an {@link IOException} says what was wrong and where. */
  static ContainerRecord read(byte[] json) throws IOException {
    try (JsonParser p = FACTORY.createParser(json)) {
      expect(p, p.nextToken(), JsonToken.START_OBJECT);
      String id = null, bundle = null, rootfs = null, pod = null, access = null, created = null, owner = null;
      Status status = null;
      ProcessId init = null, sandbox = null, server = null;
      Map<String, String> annotations = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "id" -> id = string(p, value);
          case "bundle" -> bundle = string(p, value);
          case "rootfs" -> rootfs = string(p, value);
          case "status" -> status = status(p, value);
          case "init" -> init = process(p, value);
          case "sandbox" -> sandbox = process(p, value);
          case "podSandboxId" -> pod = string(p, value);
          case "fileServer" -> server = process(p, value);
          case "fileAccess" -> access = string(p, value);
          case "created" -> created = string(p, value);
          case "owner" -> owner = string(p, value);
          case "annotations" -> annotations = annotations(p, value);
          default -> p.skipChildren();
        }
      }
      expect(p, p.currentToken(), JsonToken.END_OBJECT);
      if (p.nextToken() != null) {
        throw new JsonParseException(p, "unexpected content after the state object");
      }
      return new ContainerRecord(id, bundle, rootfs, status, init, sandbox, pod, server, access, created, owner,
          annotations);
    }
  }

  private static void string(JsonGenerator g, String name, String value) throws IOException {
    if (value != null) {
      g.writeStringField(name, value);
    }
  }

  private static void process(JsonGenerator g, String name, ProcessId p) throws IOException {
    if (p != null) {
      g.writeObjectFieldStart(name);
      g.writeNumberField("pid", p.pid());
      g.writeNumberField("startTime", p.startTime());
      g.writeEndObject();
    }
  }

  private static void expect(JsonParser p, JsonToken actual, JsonToken expected) throws IOException {
    if (actual != expected) {
      throw new JsonParseException(p, "expected " + expected.asString() + ", found " + (actual == null ? "the end"
          : actual.asString() != null ? actual.asString() : actual.name()));
    }
  }

  private static String string(JsonParser p, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    if (value != JsonToken.VALUE_STRING) {
      throw new JsonParseException(p, "field '" + p.currentName() + "' must be a string");
    }
    return p.getText();
  }

  private static Status status(JsonParser p, JsonToken value) throws IOException {
    String name = string(p, value);
    try {
      return name == null ? null : Status.fromSpec(name);
    } catch (IllegalArgumentException e) {
      throw new JsonParseException(p, "unknown status '" + name + "'");
    }
  }

  private static ProcessId process(JsonParser p, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    String field = p.currentName();
    expect(p, value, JsonToken.START_OBJECT);
    Integer pid = null;
    Long start = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      if (name.equals("pid") || name.equals("startTime")) {
        if (v != JsonToken.VALUE_NUMBER_INT) {
          throw new JsonParseException(p, "field '" + field + "." + name + "' must be an integer");
        }
        if (name.equals("pid")) {
          pid = p.getIntValue();
        } else {
          start = p.getLongValue();
        }
      } else {
        p.skipChildren();
      }
    }
    if (pid == null || start == null) {
      throw new JsonParseException(p, "field '" + field + "' needs both pid and startTime");
    }
    return new ProcessId(pid, start);
  }

  private static Map<String, String> annotations(JsonParser p, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    expect(p, value, JsonToken.START_OBJECT);
    Map<String, String> out = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      String v = string(p, p.nextToken());
      if (v == null) {
        throw new JsonParseException(p, "annotation '" + key + "' must be a string");
      }
      out.put(key, v);
    }
    return out;
  }
}
