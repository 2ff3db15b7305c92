package io.burrow.p9;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A connected pair of real UNIX-domain stream sockets made with the JDK alone (it has no
 * socketpair(2)): a listener on a fresh path in a temporary directory, one connect, one accept,
 * then the path and directory are removed. The caller owns and closes both channels.
 */
public record SocketPair(SocketChannel a, SocketChannel b) implements AutoCloseable {
  public static SocketPair open() throws IOException {
    Path dir = Files.createTempDirectory("p9-test");
    Path sock = dir.resolve("s");
    try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      listener.bind(UnixDomainSocketAddress.of(sock));
      SocketChannel a = SocketChannel.open(StandardProtocolFamily.UNIX);
      try {
        a.connect(UnixDomainSocketAddress.of(sock));
        return new SocketPair(a, listener.accept());
      } catch (IOException e) {
        a.close();
        throw e;
      }
    } finally {
      Files.deleteIfExists(sock);
      Files.deleteIfExists(dir);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      a.close();
    } finally {
      b.close();
    }
  }
}
