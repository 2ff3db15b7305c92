package io.burrow.p9;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A connected, reliable byte stream that 9P frames travel over: the only I/O this library does.
 * Production transports (an AF_UNIX socket fd read with tuned loops into direct buffers) live with
 * the code that owns the fd; {@code io.burrow.p9}'s tests use JDK UNIX-domain socket channels.
 *
 * <p>Threading: one thread reads ({@link #read}, {@link #awaitRead}) while others write; writes
 * are serialised by the caller (the client and server each hold a write lock), so an
 * implementation needs no locking of its own beyond making {@link #shutdown} and {@link #close}
 * safe from any thread. The transport owns its underlying channel: {@link #close} releases it.
 */
public interface Transport extends AutoCloseable {
  /**
   * Reads at least one and up to {@code len} bytes into {@code dst[off, off+len)} (absolute
   * indices; position and limit are not used or changed), blocking until some arrive. Returns 0 at
   * end of stream. Interrupted system calls are retried, never reported.
   */
  int read(ByteBuffer dst, int off, int len) throws IOException;

  /**
   * Like {@link #read}, for a reader that expects the peer's bytes soon (the next request or
   * reply): an implementation may poll briefly before it blocks, to save a wake-up.
   */
  default int awaitRead(ByteBuffer dst, int off, int len) throws IOException {
    return read(dst, off, len);
  }

  /**
   * Writes at least one and up to {@code len} bytes of {@code src[off, off+len)}; returns how many.
   * A vanished peer is an IOException (never a signal); interrupted calls are retried.
   */
  int write(ByteBuffer src, int off, int len) throws IOException;

  /** Writes all of {@code src[off, off+len)}. */
  default void writeFully(ByteBuffer src, int off, int len) throws IOException {
    int done = 0;
    while (done < len) {
      done += write(src, off + done, len - done);
    }
  }

  /**
   * Shuts the stream down in both directions: a blocked {@link #read} returns (0 or an error) and
   * further writes fail. Idempotent, safe from any thread, and a no-op after {@link #close}.
   */
  void shutdown();

  /** Releases the underlying channel. Idempotent; call once no thread uses the transport any more. */
  @Override
  void close();
}
