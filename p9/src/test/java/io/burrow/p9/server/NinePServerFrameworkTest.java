package io.burrow.p9.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.burrow.p9.ChannelTransport;
import io.burrow.p9.Codec;
import io.burrow.p9.Message;
import io.burrow.p9.Message.*;
import io.burrow.p9.P9;
import io.burrow.p9.P9Error;
import io.burrow.p9.SocketPair;
import io.burrow.p9.Transport;
import io.burrow.p9.client.NinePClient;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server framework (version negotiation, dispatch, tags, flush, errors, connection end) with
 * the p9 client, over real UNIX-domain sockets and an in-memory {@link FakeTree}: no native code.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NinePServerFrameworkTest {
  private final NinePServer server = new NinePServer(65536);
  private final FakeTree tree = new FakeTree(Map.of("a", "alpha", "slow", "late", "boom", "x"));
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    tree.release.countDown();
    for (AutoCloseable c : open) {
      c.close();
    }
    server.close();
  }

  private Connection serve(SocketPair sp) {
    return server.serve(new ChannelTransport(sp.b()), tree, "fake");
  }

  /** A session is one connection's: a second connection gets its own tree. */
  private Connection serve(SocketPair sp, FakeTree own) {
    return server.serve(new ChannelTransport(sp.b()), own, "fake");
  }

  private NinePClient client(int msize) throws Exception {
    SocketPair sp = SocketPair.open();
    serve(sp);
    NinePClient c = NinePClient.connect(new ChannelTransport(sp.a()), msize);
    open.add(c);
    c.call(new Tattach(0, P9.NOFID, "u", "", 0), Rattach.class);
    return c;
  }

  @Test
  void msizeIsCappedAtTheServersMaximumAndFilesAreRead() throws Exception {
    NinePClient c = client(1 << 20);
    assertThat(c.msize()).isEqualTo(65536);
    c.call(new Twalk(0, 1, List.of("a")), Rwalk.class);
    c.call(new Tlopen(1, 0), Rlopen.class);
    ByteBuffer d = c.call(new Tread(1, 1, 100), Rread.class).data();
    assertThat(StandardCharsets.UTF_8.decode(d).toString()).isEqualTo("lpha");
  }

  @Test
  void aSessionsErrorIsTheClientsErrnoAndABugIsEio() throws Exception {
    NinePClient c = client(8192);
    assertThatThrownBy(() -> c.call(new Twalk(0, 1, List.of("missing"))))
        .isInstanceOfSatisfying(P9Error.class, e -> assertThat(e.errno()).isEqualTo(P9.ENOENT));
    assertThatThrownBy(() -> c.call(new Twalk(0, 1, List.of("boom"))))
        .isInstanceOfSatisfying(P9Error.class, e -> assertThat(e.errno()).isEqualTo(P9.EIO));
    // the connection survives both
    c.call(new Twalk(0, 2, List.of("a")), Rwalk.class);
  }

  @Test
  void inlineRequestsAreAnsweredInArrivalOrderSoABatchMayUseAFidItMakes() throws Exception {
    NinePClient c = client(8192);
    List<CompletableFuture<Message>> replies = c.sendAll(List.of(
        new Twalk(0, 5, List.of("a")), new Treadlink(5), new Tclunk(5)));
    assertThat(((Rreadlink) NinePClient.await(replies.get(1), new Treadlink(5))).target()).isEqualTo("alpha");
    NinePClient.await(replies.get(2), new Tclunk(5));
    assertThat(tree.fidCount()).isEqualTo(1); // only the root is left
  }

  @Test
  void rflushComesAfterTheReplyOfTheRequestItFlushes() throws Exception {
    NinePClient c = client(8192);
    c.call(new Twalk(0, 1, List.of("slow")), Rwalk.class);
    NinePClient.Pending read = c.send(new Tread(1, 0, 100));
    List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
    read.reply().whenComplete((r, e) -> order.add("read"));
    NinePClient.Pending flush = c.send(new Tflush(read.tag()));
    flush.reply().whenComplete((r, e) -> order.add("flush"));
    // other requests are still answered while the read waits
    c.call(new Twalk(0, 2, List.of("a")), Rwalk.class);
    Thread.sleep(100);
    assertThat(flush.reply()).as("Rflush before the flushed request's reply").isNotDone();
    tree.release.countDown();
    assertThat(flush.reply().get(10, TimeUnit.SECONDS)).isInstanceOf(Rflush.class);
    assertThat(read.reply().get(10, TimeUnit.SECONDS)).isInstanceOf(Rread.class);
    assertThat(order).containsExactly("read", "flush");
  }

  @Test
  void tversionResetsTheSessionAndAnUnknownVersionIsRefused() throws Exception {
    SocketPair sp = SocketPair.open();
    open.add(sp);
    serve(sp);
    Transport t = new ChannelTransport(sp.a());
    ByteBuffer b = ByteBuffer.allocateDirect(8192).order(ByteOrder.LITTLE_ENDIAN);
    Codec.encode(P9.NOTAG, new Tversion(8192, "9P2000.u"), b);
    t.writeFully(b, 0, b.position());
    Rversion rv = (Rversion) readReply(t);
    assertThat(rv.version()).isEqualTo("unknown");
    assertThat(tree.resets.get()).isEqualTo(1);
  }

  @Test
  void aFrameLargerThanMsizeEndsThatConnectionOnlyAndReleasesItsFids() throws Exception {
    NinePClient good = client(8192);
    SocketPair sp = SocketPair.open();
    open.add(sp);
    FakeTree badTree = new FakeTree(Map.of());
    Connection bad = serve(sp, badTree);
    Transport t = new ChannelTransport(sp.a());
    ByteBuffer b = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0, 1 << 30).put(4, (byte) P9.TWALK).putShort(5, (short) 1);
    t.writeFully(b, 0, 7);
    bad.awaitEnd();
    assertThat(bad.hasEnded()).isTrue();
    assertThat(t.read(b, 0, 16)).as("the server closed its end").isZero();
    assertThat(badTree.resets.get()).as("its fids were dropped").isEqualTo(1);
    good.call(new Twalk(0, 9, List.of("a")), Rwalk.class);
  }

  @Test
  void whenThePeerHangsUpTheConnectionEndsAndResetsItsSession() throws Exception {
    SocketPair sp = SocketPair.open();
    Connection conn = serve(sp);
    NinePClient c = NinePClient.connect(new ChannelTransport(sp.a()), 8192);
    c.call(new Tattach(0, P9.NOFID, "u", "", 0), Rattach.class);
    int before = tree.resets.get();
    c.close();
    conn.awaitEnd();
    assertThat(tree.resets.get()).isGreaterThan(before);
    assertThat(tree.fidCount()).isZero();
    assertThat(sp.b().isOpen()).as("the server closed its transport").isFalse();
  }

  private static Message readReply(Transport t) throws Exception {
    ByteBuffer b = ByteBuffer.allocateDirect(8192).order(ByteOrder.LITTLE_ENDIAN);
    int have = 0;
    while (have < 4 || have < b.getInt(0)) {
      int n = t.read(b, have, (have < 4 ? 4 : b.getInt(0)) - have);
      if (n == 0) {
        throw new IllegalStateException("server hung up");
      }
      have += n;
    }
    ByteBuffer f = ByteBuffer.allocate(have).order(ByteOrder.LITTLE_ENDIAN);
    f.put(b.duplicate().position(0).limit(have)).flip();
    return Codec.decode(f, 8192).message();
  }
}
