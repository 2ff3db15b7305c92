package io.burrow.p9.client;

import java.io.IOException;

/**
 * The 9P connection itself failed (the server hung up, or a send or receive on the socket failed):
 * no answer from the server, unlike an {@link io.burrow.p9.P9Error} from an Rlerror. The
 * socket's own errno (ECONNRESET, EPIPE) says nothing about the file, so callers such as the FUSE
 * bridge answer EIO for it rather than passing it on.
 */
public final class ConnectionLostException extends IOException {
  public ConnectionLostException(String message, Throwable cause) {
    super(message, cause);
  }
}
