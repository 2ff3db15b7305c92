package io.burrow.fs.gofer;

import static org.assertj.core.api.Assertions.assertThat;

import io.burrow.p9.ChannelTransport;
import io.burrow.p9.Codec;
import io.burrow.p9.Message.*;
import io.burrow.p9.P9;
import io.burrow.p9.client.NinePClient;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gofer as its own process ({@code burrow gofer --serve-unix}, umask and all), with the repo's
 * 9P client over a unix socket: the modes a client asks for are the modes created (the client's
 * kernel already applied its caller's umask), and gVisor's short Tfsync is a full fsync.
 */
class GoferProcessTest {
  @TempDir Path tmp;
  private GoferProcess gofer;
  private Path root;
  private SocketChannel channel;
  private NinePClient c;

  @BeforeEach
  void start() throws Exception {
    root = Files.createDirectories(tmp.resolve("root"));
    gofer = GoferProcess.start(tmp, root);
    channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    channel.connect(UnixDomainSocketAddress.of(gofer.socket));
    c = NinePClient.connect(new ChannelTransport(channel), 65536);
    c.call(new Tattach(0, P9.NOFID, "root", "", 0), Rattach.class);
  }

  @AfterEach
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
    gofer.close();
  }

  private String mode(String name) throws Exception {
    return Integer.toOctalString((Integer) Files.getAttribute(root.resolve(name), "unix:mode") & 07777);
  }

  @Test
  void modesAreCreatedExactlyAsAskedWithNoSecondUmask() throws Exception {
    c.call(new Twalk(0, 1, List.of()), Rwalk.class);
    c.call(new Tlcreate(1, "open", 2, 0777, 0), Rlcreate.class);
    c.call(new Tmkdir(0, "sticky", 01777, 0), Rmkdir.class);
    c.call(new Tmkdir(0, "open-dir", 0777, 0), Rmkdir.class);
    c.call(new Tmknod(0, "fifo", 0010666, 0, 0, 0), Rmknod.class);
    assertThat(mode("open")).isEqualTo("777");
    assertThat(mode("sticky")).isEqualTo("1777");
    assertThat(mode("open-dir")).isEqualTo("777");
    assertThat(mode("fifo")).isEqualTo("666");
  }

  @Test
  void aTfsyncWithoutItsDatasyncFieldIsAcceptedAsGvisorsClientSendsIt() throws Exception {
    c.call(new Twalk(0, 1, List.of()), Rwalk.class);
    c.call(new Tlcreate(1, "f", 2, 0644, 0), Rlcreate.class);
    try (SocketChannel raw = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      raw.connect(UnixDomainSocketAddress.of(gofer.socket));
      ChannelTransport t = new ChannelTransport(raw);
      send(t, 0xffff, new Tversion(8192, P9.VERSION));
      assertThat(reply(t)).isInstanceOf(Rversion.class);
      send(t, 1, new Tattach(0, P9.NOFID, "root", "", 0));
      assertThat(reply(t)).isInstanceOf(Rattach.class);
      send(t, 2, new Twalk(0, 1, List.of("f")));
      assertThat(reply(t)).isInstanceOf(Rwalk.class);
      send(t, 3, new Tlopen(1, 2));
      assertThat(reply(t)).isInstanceOf(Rlopen.class);
      ByteBuffer shortFsync = ByteBuffer.allocateDirect(11).order(ByteOrder.LITTLE_ENDIAN);
      shortFsync.putInt(11).put((byte) P9.TFSYNC).putShort((short) 4).putInt(1);
      t.writeFully(shortFsync, 0, 11);
      assertThat(reply(t)).isInstanceOf(Rfsync.class);
    }
  }

  private static void send(ChannelTransport t, int tag, io.burrow.p9.Message m) throws Exception {
    ByteBuffer b = ByteBuffer.allocateDirect(8192).order(ByteOrder.LITTLE_ENDIAN);
    Codec.encode(tag, m, b);
    t.writeFully(b, 0, b.position());
  }

  private static io.burrow.p9.Message reply(ChannelTransport t) throws Exception {
    ByteBuffer b = ByteBuffer.allocateDirect(8192).order(ByteOrder.LITTLE_ENDIAN);
    int have = 0;
    while (have < 4 || have < b.getInt(0)) {
      int n = t.read(b, have, (have < 4 ? 4 : b.getInt(0)) - have);
      if (n == 0) {
        throw new IllegalStateException("gofer hung up");
      }
      have += n;
    }
    ByteBuffer f = ByteBuffer.allocate(have).order(ByteOrder.LITTLE_ENDIAN);
    f.put(b.duplicate().position(0).limit(have)).flip();
    return Codec.decode(f, 8192).message();
  }
}
