package io.burrow.api.state;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * Writes {@link ContainerState}s as {@code burrow state} and {@code burrow list --format json}
 * print them, with Jackson's streaming generator: the same document as the shared mapper would
 * write (absent fields left out), without loading data binding, which costs a short-lived CLI
 * call more than the rest of its work. Thread-safe.
 */
public final class StateJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private StateJson() {}

  /** One state, indented. */
  public static String pretty(ContainerState state) {
    return write(g -> write(g, state));
  }

  /** A JSON array of states, indented. */
  public static String pretty(List<ContainerState> states) {
    return write(g -> {
      g.writeStartArray();
      for (ContainerState s : states) {
        write(g, s);
      }
      g.writeEndArray();
    });
  }

  private interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private static String write(Body body) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(out).useDefaultPrettyPrinter()) {
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a container state: " + e.getMessage(), e);
    }
    return out.toString();
  }

  private static void write(JsonGenerator g, ContainerState s) throws IOException {
    g.writeStartObject();
    string(g, "ociVersion", s.ociVersion());
    string(g, "id", s.id());
    string(g, "status", s.status() == null ? null : s.status().specName());
    g.writeNumberField("pid", s.pid());
    string(g, "bundle", s.bundle());
    string(g, "rootfs", s.rootfs());
    string(g, "created", s.created());
    string(g, "owner", s.owner());
    if (s.annotations() != null) {
      g.writeObjectFieldStart("annotations");
      for (Map.Entry<String, String> a : s.annotations().entrySet()) {
        g.writeStringField(a.getKey(), a.getValue());
      }
      g.writeEndObject();
    }
    string(g, "fileServer", s.fileServer());
    g.writeEndObject();
  }

  private static void string(JsonGenerator g, String name, String value) throws IOException {
    if (value != null) {
      g.writeStringField(name, value);
    }
  }
}
