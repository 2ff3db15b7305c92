package io.burrow.fs.gofer.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.burrow.fs.gofer.p9.Codec;
import io.burrow.fs.gofer.p9.Message;
import io.burrow.fs.gofer.p9.P9;
import io.burrow.fs.gofer.sys.Errno;
import io.burrow.fs.gofer.sys.Sys;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server that hangs up is a {@link ConnectionLostException}, never an {@link Errno} carrying the
 * socket's ECONNRESET or EPIPE: those would reach the container as if the file had that error.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NinePClientTest {
  private static final int MSIZE = 65536;

  @Test
  void aServerThatClosesWithRequestsUnreadIsAConnectionLossNotEconnreset() throws Exception {
    int[] sv = Sys.socketpair();
    int server = sv[1];
    CompletableFuture<Void> version = CompletableFuture.runAsync(() -> answerVersion(server));
    try (NinePClient client = NinePClient.connect(sv[0], MSIZE)) {
      version.get(10, TimeUnit.SECONDS);
      CompletableFuture<Message> reply = client.send(new Message.Tgetattr(1, P9.GETATTR_ALL)).reply();
      // An AF_UNIX send lands in the peer's queue before it returns: closing now, with the request
      // unread, makes the client's recv fail with ECONNRESET.
      Sys.close(server);
      Message.Tgetattr again = new Message.Tgetattr(1, P9.GETATTR_ALL);
      assertThatThrownBy(() -> NinePClient.await(reply, again))
          .isInstanceOf(ConnectionLostException.class)
          .hasMessageContaining("9P connection on fd " + sv[0]);
      assertThatThrownBy(() -> client.call(again))
          .as("a request after the loss").isInstanceOf(ConnectionLostException.class);
    }
  }

  @Test
  void anErrorReplyIsTheServersErrno() throws Exception {
    int[] sv = Sys.socketpair();
    int server = sv[1];
    CompletableFuture<Void> serve = CompletableFuture.runAsync(() -> {
      answerVersion(server);
      try {
        ByteBuffer in = readFrame(server);
        ByteBuffer out = ByteBuffer.allocateDirect(64).order(ByteOrder.LITTLE_ENDIAN);
        Codec.encode(in.getShort(5) & 0xffff, new Message.Rlerror(P9.ENOENT), out);
        Sys.write(server, out, 0, out.position());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    try (NinePClient client = NinePClient.connect(sv[0], MSIZE)) {
      assertThatThrownBy(() -> client.call(new Message.Tgetattr(1, P9.GETATTR_ALL)))
          .isInstanceOfSatisfying(Errno.class, e -> assertThat(e.errno()).isEqualTo(P9.ENOENT));
      serve.get(10, TimeUnit.SECONDS);
    } finally {
      Sys.close(server);
    }
  }

  private static void answerVersion(int fd) {
    try {
      readFrame(fd);
      ByteBuffer out = ByteBuffer.allocateDirect(64).order(ByteOrder.LITTLE_ENDIAN);
      Codec.encode(P9.NOTAG, new Message.Rversion(MSIZE, P9.VERSION), out);
      Sys.write(fd, out, 0, out.position());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static ByteBuffer readFrame(int fd) throws Exception {
    ByteBuffer b = ByteBuffer.allocateDirect(MSIZE).order(ByteOrder.LITTLE_ENDIAN);
    int have = 0;
    while (have < 4 || have < b.getInt(0)) {
      long n = Sys.read(fd, b, have, (have < 4 ? 4 : b.getInt(0)) - have);
      if (n == 0) {
        throw new IllegalStateException("client hung up");
      }
      have += (int) n;
    }
    return b;
  }
}
