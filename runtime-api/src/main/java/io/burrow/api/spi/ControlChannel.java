package io.burrow.api.spi;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One-line requests and replies, with file descriptors attached, over a unix socket at a path:
 * how {@code burrow start} hands a child container's io files to the running sandbox of its pod.
 * Thread-safe.
 */
public interface ControlChannel {
  /** Answers one request; the handler owns the fds it receives (and closes them). */
  @FunctionalInterface
  interface Handler {
    String handle(String request, List<IoFile> fds);
  }

  /**
   * Listens at {@code socket} and answers each connection's request on a daemon thread, one
   * request at a time, until the returned handle is closed (which also removes the socket file).
   */
  default AutoCloseable serve(Path socket, Handler handler) throws IOException {
    return serve(socket, 0600, handler);
  }

  /** Like {@link #serve(Path, Handler)}, with the socket file's permission bits {@code mode}. */
  AutoCloseable serve(Path socket, int mode, Handler handler) throws IOException;

  /**
   * Sends {@code request} with {@code fds} (still owned by the caller) and returns the reply
   * line; fails rather than waits longer than {@code timeout}.
   */
  String request(Path socket, String request, List<? extends IoFile> fds, Duration timeout) throws IOException;
}
