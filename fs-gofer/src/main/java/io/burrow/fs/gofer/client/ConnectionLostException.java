package io.burrow.fs.gofer.client;

import java.io.IOException;

/**
 * The 9P connection itself failed (the server hung up, or a send or receive on the socket failed):
 * no answer from the server, unlike an {@link io.burrow.fs.gofer.sys.Errno} from an Rlerror. The
 * socket's own errno (ECONNRESET, EPIPE) says nothing about the file, so callers such as the FUSE
 * bridge answer EIO for it rather than passing it on.
 */
public final class ConnectionLostException extends IOException {
  public ConnectionLostException(String message, Throwable cause) {
    super(message, cause);
  }
}
