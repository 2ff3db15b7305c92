package io.burrow.p9;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * A {@link Transport} over a connected, blocking JDK {@link SocketChannel} (TCP or, since Java 16,
 * a UNIX-domain socket): 9P without native code. Slower than a raw-fd transport (a channel
 * read is a native call plus the JDK's locking) but portable; this library's own tests use it.
 *
 * <p>Owns the channel from construction; {@link #close} closes it. Thread-safety as
 * {@link Transport} requires (the JDK channel is itself thread-safe).
 */
public final class ChannelTransport implements Transport {
  private final SocketChannel channel;

  public ChannelTransport(SocketChannel channel) {
    if (!channel.isBlocking()) {
      throw new IllegalArgumentException("channel must be in blocking mode");
    }
    this.channel = channel;
  }

  @Override
  public int read(ByteBuffer dst, int off, int len) throws IOException {
    int n = channel.read(dst.duplicate().limit(off + len).position(off));
    return Math.max(n, 0); // -1 (end of stream) is 0 here
  }

  @Override
  public int write(ByteBuffer src, int off, int len) throws IOException {
    return channel.write(src.duplicate().limit(off + len).position(off));
  }

  @Override
  public void shutdown() {
    if (!channel.isOpen()) {
      return;
    }
    try {
      channel.shutdownInput();
      channel.shutdownOutput();
    } catch (IOException e) {
      // Already shut down or reset: either way the stream is over, which is what was asked.
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // The channel is released either way (see SocketChannel#close).
    }
  }

  @Override
  public String toString() {
    return "channel " + channel;
  }
}
