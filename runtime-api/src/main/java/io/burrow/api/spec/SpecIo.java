package io.burrow.api.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads and writes OCI JSON documents (config.json, process.json, state). Errors name the file,
 * the line and column, and the JSON path of the field that was wrong. Thread-safe.
 */
public final class SpecIo {
  /**
   * The shared mapper: absent fields stay absent when written, unknown ones are kept by {@link
   * SpecObject}, and a null inside a list or map ({@code "mounts": [null]}) is an error naming its
   * path, not a NullPointerException later.
   */
  public static final ObjectMapper MAPPER =
      new ObjectMapper()
          .setDefaultSetterInfo(JsonSetter.Value.forContentNulls(Nulls.FAIL))
          .setSerializationInclusion(JsonInclude.Include.NON_NULL)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  private SpecIo() {}

  /** Reads {@code file} as a {@code type}; throws {@link SpecException} naming what was wrong and where. */
  public static <T> T read(Path file, Class<T> type) throws SpecException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new SpecException(file + ": no such file");
    } catch (IOException e) {
      throw new SpecException(file + ": cannot read: " + e.getMessage());
    }
    try {
      T value = MAPPER.readValue(bytes, type);
      if (value == null) {
        throw new SpecException(file + ": empty document");
      }
      return value;
    } catch (JsonProcessingException e) {
      throw new SpecException(describe(file, e));
    } catch (IOException e) {
      throw new SpecException(file + ": " + e.getMessage());
    }
  }

  /**
   * A new copy of the spec {@code burrow spec} writes, as runc's: {@code sh} in a busybox-like
   * {@code rootfs} with the default namespaces, mounts and capabilities. Callers change what they need.
   */
  public static Spec defaultSpec() {
    try (java.io.InputStream in = SpecIo.class.getResourceAsStream("default-spec.json")) {
      return MAPPER.readValue(in, Spec.class);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read burrow's default spec", e);
    }
  }

  /** Serializes {@code value} as compact JSON. */
  public static byte[] toBytes(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize " + value.getClass().getSimpleName(), e);
    }
  }

  static String describe(Path file, JsonProcessingException e) {
    StringBuilder msg = new StringBuilder(file.toString());
    JsonLocation loc = e.getLocation();
    if (loc != null && loc.getLineNr() > 0) {
      msg.append(": line ").append(loc.getLineNr()).append(", column ").append(loc.getColumnNr());
    }
    if (e instanceof JsonMappingException && !((JsonMappingException) e).getPath().isEmpty()) {
      msg.append(": field ").append(jsonPath((JsonMappingException) e));
    }
    msg.append(": ").append(e.getOriginalMessage().split("\n")[0]);
    return msg.toString();
  }

  private static String jsonPath(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (path.length() > 0) {
          path.append('.');
        }
        path.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    return path.toString();
  }
}
