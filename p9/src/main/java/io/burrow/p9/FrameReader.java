package io.burrow.p9;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads 9P frames from a {@link Transport} through one buffer, so that a burst of pipelined frames
 * costs one read instead of two per frame.
 *
 * <p>Not thread-safe: one reader thread owns it. It never owns the transport. A frame returned by
 * {@link #next} is a view into the reader's buffer, valid until the next call on the reader
 * unless the caller takes the buffer with {@link #handOff}.
 */
public final class FrameReader {
  /**
   * What the buffer starts at: every frame but bulk data fits. It grows to the frame size only
   * when a larger frame comes, so a connection that only walks and stats never holds (and
   * zero-fills) an msize of 1 MiB.
   */
  static final int START = 64 * 1024;

  private final Transport in;
  /** Bytes [start, end) are read and not yet consumed. */
  private ByteBuffer buf;
  private int start, end;
  private int limit;

  /** A reader of frames of at most {@code capacity} bytes (see {@link #resize}). */
  public FrameReader(Transport in, int capacity) {
    this.in = in;
    this.limit = capacity;
    this.buf = ByteBuffer.allocateDirect(Math.min(capacity, START)).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Allows frames of {@code capacity} bytes (after msize negotiation), keeping what is buffered. */
  public void resize(int capacity) {
    limit = capacity;
    if (buf.capacity() > capacity) {
      replaceBuffer(ByteBuffer.allocateDirect(Math.max(capacity, end - start)).order(ByteOrder.LITTLE_ENDIAN));
    }
  }

  /** The current buffer's size: what {@link #handOff} needs at least to keep reading without growing. */
  public int bufferSize() {
    return buf.capacity();
  }

  /**
   * Makes sure that at least {@code n} (≤ capacity) unconsumed bytes are buffered; false at end of
   * stream before any of them arrived. A stream that ends inside them is a protocol error.
   */
  public boolean fill(int n) throws IOException, P9ProtocolException {
    if (end - start >= n) {
      return true;
    }
    if (n > buf.capacity()) {
      if (n > limit) {
        throw new IllegalArgumentException(n + " bytes are more than the frame limit " + limit);
      }
      replaceBuffer(ByteBuffer.allocateDirect(Math.min(limit, Math.max(n, 2 * buf.capacity())))
          .order(ByteOrder.LITTLE_ENDIAN));
    } else if (start + n > buf.capacity()) {
      compact();
    }
    while (end - start < n) {
      long r = in.awaitRead(buf, end, buf.capacity() - end);
      if (r == 0) {
        if (end == start) {
          return false;
        }
        throw new P9ProtocolException("peer hung up inside a frame");
      }
      end += (int) r;
    }
    return true;
  }

  /** Whether a whole frame is buffered, so that {@link #next} will not read (or wait). */
  public boolean hasFrame() {
    return end - start >= 4 && Integer.toUnsignedLong(buf.getInt(start)) <= end - start;
  }

  /** The size field of the next frame, checked against {@code maxSize}; -1 at end of stream. */
  public int peekSize(int maxSize) throws IOException, P9ProtocolException {
    if (!fill(4)) {
      return -1;
    }
    return Codec.checkSize(Integer.toUnsignedLong(buf.getInt(start)), Math.min(maxSize, limit));
  }

  /** The byte at {@code offset} of the next frame (which {@link #fill} must have buffered). */
  public int peekByte(int offset) {
    return buf.get(start + offset) & 0xff;
  }

  /** The little-endian u16 at {@code offset} of the next frame (buffered by {@link #fill}). */
  public int peekShort(int offset) {
    return buf.getShort(start + offset) & 0xffff;
  }

  /** The little-endian u32 at {@code offset} of the next frame (buffered by {@link #fill}). */
  public int peekInt(int offset) {
    return buf.getInt(start + offset);
  }

  /**
   * The next whole frame (position 0 .. limit = its size, little-endian, a view of this reader's
   * buffer), or null at end of stream between frames.
   */
  public ByteBuffer next(int maxSize) throws IOException, P9ProtocolException {
    int size = peekSize(maxSize);
    if (size < 0) {
      return null;
    }
    fill(size);
    ByteBuffer frame = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN).limit(start + size).position(start).slice()
        .order(ByteOrder.LITTLE_ENDIAN);
    start += size;
    return frame;
  }

  /**
   * Consumes the next {@code skip} bytes (buffered by {@link #fill}) and then {@code len} more
   * bytes straight into {@code sink} at its position: what is already buffered is copied, the rest
   * is read from the transport into the sink without a copy.
   */
  public void transfer(int skip, ByteBuffer sink, int len) throws IOException, P9ProtocolException {
    start += skip;
    int have = Math.min(len, end - start);
    int at = sink.position();
    sink.duplicate().put(buf.duplicate().limit(start + have).position(start));
    start += have;
    int done = have;
    while (done < len) {
      long r = in.read(sink, at + done, len - done);
      if (r == 0) {
        throw new P9ProtocolException("peer hung up inside a frame");
      }
      done += (int) r;
    }
  }

  /**
   * Gives the current buffer (and with it every frame view handed out) to the caller and goes on
   * with {@code fresh}, copying the unconsumed bytes into it; it must hold them. A later frame
   * larger than it grows it as usual.
   */
  public ByteBuffer handOff(ByteBuffer fresh) {
    if (fresh.capacity() < end - start) {
      throw new IllegalArgumentException("a buffer of " + fresh.capacity() + " bytes for " + (end - start) + " buffered");
    }
    return replaceBuffer(fresh.order(ByteOrder.LITTLE_ENDIAN));
  }

  private ByteBuffer replaceBuffer(ByteBuffer fresh) {
    ByteBuffer old = buf;
    int n = end - start;
    fresh.clear().put(old.duplicate().limit(end).position(start)).clear();
    buf = fresh;
    start = 0;
    end = n;
    return old;
  }

  private void compact() {
    int n = end - start;
    if (n > 0 && start > 0) {
      buf.duplicate().put(0, buf, start, n);
    }
    start = 0;
    end = n;
  }
}
