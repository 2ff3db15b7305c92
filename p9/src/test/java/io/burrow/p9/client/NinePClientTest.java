package io.burrow.p9.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.burrow.p9.Codec;
import io.burrow.p9.Message;
import io.burrow.p9.P9;
import io.burrow.p9.ChannelTransport;
import io.burrow.p9.P9Error;
import io.burrow.p9.SocketPair;
import io.burrow.p9.Transport;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server that hangs up is a {@link ConnectionLostException}, never a {@link P9Error} carrying the
 * socket's ECONNRESET or EPIPE: those would reach the container as if the file had that error.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NinePClientTest {
  private static final int MSIZE = 65536;

  @Test
  void aServerThatClosesWithRequestsUnreadIsAConnectionLossNotEconnreset() throws Exception {
    SocketPair sv = SocketPair.open();
    Transport server = new ChannelTransport(sv.b());
    Transport mine = new ChannelTransport(sv.a());
    CompletableFuture<Void> version = CompletableFuture.runAsync(() -> answerVersion(server));
    try (NinePClient client = NinePClient.connect(mine, MSIZE)) {
      version.get(10, TimeUnit.SECONDS);
      CompletableFuture<Message> reply = client.send(new Message.Tgetattr(1, P9.GETATTR_ALL)).reply();
      // An AF_UNIX send lands in the peer's queue before it returns: closing now, with the request
      // unread, makes the client's recv fail with ECONNRESET.
      server.close();
      Message.Tgetattr again = new Message.Tgetattr(1, P9.GETATTR_ALL);
      assertThatThrownBy(() -> NinePClient.await(reply, again))
          .isInstanceOf(ConnectionLostException.class)
          .hasMessageContaining("9P connection " + mine);
      assertThatThrownBy(() -> client.call(again))
          .as("a request after the loss").isInstanceOf(ConnectionLostException.class);
    }
  }

  @Test
  void anErrorReplyIsTheServersErrno() throws Exception {
    SocketPair sv = SocketPair.open();
    Transport server = new ChannelTransport(sv.b());
    CompletableFuture<Void> serve = CompletableFuture.runAsync(() -> {
      answerVersion(server);
      try {
        ByteBuffer in = readFrame(server);
        ByteBuffer out = ByteBuffer.allocateDirect(64).order(ByteOrder.LITTLE_ENDIAN);
        Codec.encode(in.getShort(5) & 0xffff, new Message.Rlerror(P9.ENOENT), out);
        server.writeFully(out, 0, out.position());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    try (NinePClient client = NinePClient.connect(new ChannelTransport(sv.a()), MSIZE)) {
      assertThatThrownBy(() -> client.call(new Message.Tgetattr(1, P9.GETATTR_ALL)))
          .isInstanceOfSatisfying(P9Error.class, e -> assertThat(e.errno()).isEqualTo(P9.ENOENT));
      serve.get(10, TimeUnit.SECONDS);
    } finally {
      server.close();
    }
  }

  @Test
  void requestsLargerThanTheStartingBufferAreSentWholeAloneAndInABatch() throws Exception {
    int msize = 1 << 20;
    List<String> names = Collections.nCopies(16, "n".repeat(5000)); // an 80 KB Twalk
    SocketPair sv = SocketPair.open();
    Transport server = new ChannelTransport(sv.b());
    CompletableFuture<List<Message>> received = CompletableFuture.supplyAsync(() -> {
      try {
        readFrame(server, msize);
        ByteBuffer out = ByteBuffer.allocateDirect(64).order(ByteOrder.LITTLE_ENDIAN);
        Codec.encode(P9.NOTAG, new Message.Rversion(msize, P9.VERSION), out);
        server.writeFully(out, 0, out.position());
        List<Message> got = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          ByteBuffer f = readFrame(server, msize);
          got.add(Codec.decode(f.limit(f.getInt(0)), msize).message());
        }
        return got;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    try (NinePClient client = NinePClient.connect(new ChannelTransport(sv.a()), msize)) {
      client.send(new Message.Twalk(1, 2, names));
      client.sendAll(List.of(new Message.Tclunk(3), new Message.Twalk(1, 4, names)));
      assertThat(received.get(10, TimeUnit.SECONDS))
          .containsExactly(new Message.Twalk(1, 2, names), new Message.Tclunk(3), new Message.Twalk(1, 4, names));
    } finally {
      server.close();
    }
  }

  private static void answerVersion(Transport fd) {
    try {
      readFrame(fd);
      ByteBuffer out = ByteBuffer.allocateDirect(64).order(ByteOrder.LITTLE_ENDIAN);
      Codec.encode(P9.NOTAG, new Message.Rversion(MSIZE, P9.VERSION), out);
      fd.writeFully(out, 0, out.position());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static ByteBuffer readFrame(Transport fd) throws Exception {
    return readFrame(fd, MSIZE);
  }

  private static ByteBuffer readFrame(Transport fd, int msize) throws Exception {
    ByteBuffer b = ByteBuffer.allocateDirect(msize).order(ByteOrder.LITTLE_ENDIAN);
    int have = 0;
    while (have < 4 || have < b.getInt(0)) {
      long n = fd.read(b, have, (have < 4 ? 4 : b.getInt(0)) - have);
      if (n == 0) {
        throw new IllegalStateException("client hung up");
      }
      have += (int) n;
    }
    return b;
  }
}
