package io.burrow.p9;

/**
 * A frame that violates 9P2000.L: truncated, oversized, of an unknown type, or with an invalid
 * field. The only exception the decoder throws. {@link #tag()} is the frame's tag when the header
 * was readable (so the server can still answer with Rlerror), else -1.
 */
public final class P9ProtocolException extends Exception {
  private static final long serialVersionUID = 1L;
  private final int tag;
  private final int errno;

  public P9ProtocolException(String message) {
    this(message, -1, P9.EPROTO);
  }

  public P9ProtocolException(String message, int tag, int errno) {
    super(message);
    this.tag = tag;
    this.errno = errno;
  }

  public int tag() {
    return tag;
  }

  /** The errno a server answers with when it can answer at all. */
  public int errno() {
    return errno;
  }

  P9ProtocolException withTag(int newTag) {
    return new P9ProtocolException(getMessage(), newTag, errno);
  }
}
