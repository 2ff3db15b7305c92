package io.burrow.api.spec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * Whether a config.json names hooks of some phases, read with Jackson's streaming parser. Binding
 * the whole spec costs a short CLI call about 200 ms, and {@code start} and {@code delete} need the
 * spec only for its hooks, which most containers don't have. Answers true whenever it cannot tell
 * (an unreadable or malformed file), so that the caller binds the spec and reports what is wrong
 * as before. Thread-safe.
 */
public final class HooksProbe {
  private static final JsonFactory FACTORY = new JsonFactory();

  private HooksProbe() {}

  /** True unless {@code config} certainly has no hook of any of {@code phases} ({@code "poststart"}, …). */
  public static boolean mayName(Path config, String... phases) {
    Set<String> wanted = Set.of(phases);
    try (JsonParser p = FACTORY.createParser(config.toFile())) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return true;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (!name.equals("hooks")) {
          p.skipChildren();
          continue;
        }
        if (value == JsonToken.VALUE_NULL) {
          continue;
        }
        if (value != JsonToken.START_OBJECT) {
          return true;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String phase = p.currentName();
          JsonToken hooks = p.nextToken();
          if (wanted.contains(phase) && hooks != JsonToken.VALUE_NULL
              && (hooks != JsonToken.START_ARRAY || p.nextToken() != JsonToken.END_ARRAY)) {
            return true;
          }
          p.skipChildren();
        }
      }
      return p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null;
    } catch (IOException e) {
      return true;
    }
  }
}
