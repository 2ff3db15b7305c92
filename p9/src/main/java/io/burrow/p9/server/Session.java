package io.burrow.p9.server;

import io.burrow.p9.Message;
import io.burrow.p9.P9Error;
import java.nio.ByteBuffer;

/**
 * What a {@link Connection} serves: the file-system side of one 9P connection (its fid table and
 * the files behind it). The connection does the protocol (framing, Tversion, tags, Tflush, the
 * bound on requests in flight, reply ordering and batching) and calls the session for every other
 * request.
 *
 * <p>Threading: {@link #handle} is called concurrently, from the connection's reader thread and
 * from worker threads, for requests on different (or the same) fids; the session guards its own
 * state. {@link #reset} is called with no request in progress. The session never sees the
 * transport and owns nothing of the connection's.
 */
public interface Session {
  /**
   * Whether the connection's reader answers {@code m} itself, in arrival order, before it reads
   * the next request ({@code alone}: no other request of the connection is in progress), rather
   * than handing it to a worker. Answer true only for requests that finish quickly and never wait
   * for a peer: the reader is blocked meanwhile. Called on the reader thread; a stale answer must
   * be safe.
   */
  boolean answerInline(Message m, boolean alone);

  /**
   * Executes one request (never Tversion or Tflush) and returns its reply, or null when the reply
   * frame was built directly in {@code out} (from 0 to its position; Rread and Rreaddir do this
   * to save a copy). {@code out} holds at most the negotiated msize. Throws {@link P9Error} for
   * an Rlerror; a RuntimeException becomes Rlerror(EIO) and is logged.
   */
  Message handle(int tag, Message m, ByteBuffer out) throws P9Error;

  /** Drops every fid: a Tversion reset the session, or the connection ended. Idempotent. */
  void reset();

  /**
   * Asks the request with {@code tag}, if it is one that waits (Tnotify), to finish now: a Tflush
   * named it, or the connection is ending. Called from the reader thread; must not block.
   */
  default void cancel(int tag) {}

  /** A short description of a request for log lines. */
  default String describe(Message m) {
    return m.getClass().getSimpleName();
  }
}
