package io.burrow.cli.logging;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Where burrow's log records go: standard error until {@link #configure} names a file (runc's
 * {@code --log}), as text or as runc-style JSON lines ({@code {"level","msg","time"}}), which
 * containerd reads back to report runtime errors. Thread-safe: records are written whole under a lock.
 */
public final class LogSink {
  /** Levels in slf4j order. */
  public enum Level { TRACE, DEBUG, INFO, WARN, ERROR }

  private static final Object LOCK = new Object();
  private static final JsonFactory JSON = new JsonFactory();
  private static OutputStream out = System.err;
  private static boolean json;
  private static boolean toFile;
  private static Level threshold = Level.WARN;

  private LogSink() {}

  public static void configure(String file, boolean jsonFormat, boolean debug) throws IOException {
    synchronized (LOCK) {
      boolean newToFile = file != null && !file.isEmpty();
      OutputStream next = newToFile ? new FileOutputStream(file, true) : System.err;
      if (toFile) {
        out.close(); // an earlier configure's file (tests run several commands in one JVM)
      }
      out = next;
      toFile = newToFile;
      json = jsonFormat;
      threshold = debug ? Level.DEBUG : file == null || file.isEmpty() ? Level.WARN : Level.INFO;
    }
  }

  /** Whether records go to a log file rather than standard error. */
  public static boolean toFile() {
    synchronized (LOCK) {
      return toFile;
    }
  }

  public static boolean enabled(Level level) {
    return level.compareTo(threshold) >= 0;
  }

  public static void log(Level level, String logger, String message, Throwable error) {
    if (!enabled(level)) {
      return;
    }
    String time = OffsetDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    String msg = error == null ? message : message + "\n" + stackTrace(error);
    byte[] line;
    if (json) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      try (JsonGenerator g = JSON.createGenerator(buf)) {
        g.writeStartObject();
        g.writeStringField("level", level == Level.WARN ? "warning" : level.name().toLowerCase(java.util.Locale.ROOT));
        g.writeStringField("msg", msg);
        g.writeStringField("time", time);
        g.writeEndObject();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      buf.write('\n');
      line = buf.toByteArray();
    } else {
      line = (time + " " + level + " " + shortName(logger) + ": " + msg + "\n").getBytes(StandardCharsets.UTF_8);
    }
    synchronized (LOCK) {
      try {
        out.write(line);
        out.flush();
      } catch (IOException e) {
        new PrintStream(System.err, true).println("burrow: cannot write log: " + e.getMessage());
      }
    }
  }

  private static String stackTrace(Throwable error) {
    java.io.StringWriter trace = new java.io.StringWriter();
    error.printStackTrace(new java.io.PrintWriter(trace));
    return trace.toString().strip();
  }

  private static String shortName(String logger) {
    return logger.substring(logger.lastIndexOf('.') + 1);
  }
}
