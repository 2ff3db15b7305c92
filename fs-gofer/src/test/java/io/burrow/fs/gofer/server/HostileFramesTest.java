package io.burrow.fs.gofer.server;

import io.burrow.p9.server.Connection;
import io.burrow.p9.server.NinePServer;
import static org.assertj.core.api.Assertions.assertThat;

import io.burrow.p9.client.NinePClient;
import io.burrow.p9.Codec;
import io.burrow.p9.Message;
import io.burrow.p9.Message.*;
import io.burrow.p9.P9;
import io.burrow.linux.sys.Sys;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken and hostile input on one connection: answered or disconnected, and others keep working. */
class HostileFramesTest {
  @TempDir Path root;

  private static byte[] frame(int type, int tag, byte[] body) {
    ByteBuffer b = ByteBuffer.allocate(7 + body.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(7 + body.length).put((byte) type).putShort((short) tag).put(body);
    return b.array();
  }

  private static byte[] encode(int tag, Message m) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(70000);
    Codec.encode(tag, m, b);
    byte[] out = new byte[b.position()];
    b.flip().get(out);
    return out;
  }

  private static void healthy(NinePClient good) throws Exception {
    assertThat(good.call(new Tgetattr(0, P9.GETATTR_BASIC), Rgetattr.class).size()).isPositive();
  }

  @Test
  void malformedBodiesGetRlerrorAndTheConnectionLives() throws Exception {
    Files.writeString(root.resolve("f"), "data");
    try (ServerFixture fx = new ServerFixture(root, false)) {
      NinePClient good = fx.connect();
      ServerFixture.attach(good, 0, "");
      int fd = fx.connectRaw();
      try {
        RawFrames.send(fd, encode(P9.NOTAG, new Tversion(8192, P9.VERSION)));
        assertThat(RawFrames.read(fd)).isInstanceOf(Rversion.class);
        RawFrames.send(fd, frame(112, 1, new byte[0])); // Topen of 9P2000: not in .L
        assertThat(RawFrames.read(fd)).isEqualTo(new Rlerror(P9.EOPNOTSUPP));
        RawFrames.send(fd, frame(P9.TCLUNK, 2, new byte[] {1})); // truncated body
        assertThat(RawFrames.read(fd)).isEqualTo(new Rlerror(P9.EINVAL));
        ByteBuffer walk = ByteBuffer.allocate(200).order(ByteOrder.LITTLE_ENDIAN);
        walk.putInt(0).putInt(1).putShort((short) 17);
        for (int i = 0; i < 17; i++) {
          walk.putShort((short) 1).put((byte) 'a');
        }
        byte[] wb = new byte[walk.position()];
        walk.flip().get(wb);
        RawFrames.send(fd, frame(P9.TWALK, 3, wb));
        assertThat(RawFrames.read(fd)).isEqualTo(new Rlerror(P9.EINVAL));
        RawFrames.send(fd, frame(P9.TMKDIR, 4, new byte[] {0, 0, 0, 0, 2, 0, (byte) 0xc3, 0x28, 0, 0, 0, 0, 0, 0, 0, 0}));
        assertThat(RawFrames.read(fd)).isEqualTo(new Rlerror(P9.EINVAL));
        RawFrames.send(fd, frame(P9.RREAD, 5, new byte[] {0, 0, 0, 0})); // a reply sent as a request
        assertThat(RawFrames.read(fd)).isEqualTo(new Rlerror(P9.EINVAL));
        RawFrames.send(fd, encode(6, new Tgetattr(12345, 1))); // bad fid
        assertThat(RawFrames.read(fd)).isEqualTo(new Rlerror(P9.EBADF));
        RawFrames.send(fd, encode(7, new Tattach(1, P9.NOFID, "", "", 0)));
        assertThat(RawFrames.read(fd)).isInstanceOf(Rattach.class);
        healthy(good);
      } finally {
        Sys.close(fd);
      }
    }
  }

  /** Found by {@link FuzzedSessionsTest}: a Tlopen of a fifo used to wait for the other end for ever. */
  @Test
  void aFifoWithoutItsOtherEndNeverParksAServerThread() throws Exception {
    Sys.checked(Sys.C.mknodat(Sys.AT_FDCWD, Sys.cstr(root.resolve("fifo").toString()), Sys.S_IFIFO | 0644, 0), "mkfifo");
    try (ServerFixture fx = new ServerFixture(root, false)) {
      NinePClient c = fx.connect();
      ServerFixture.attach(c, 0, "");
      c.call(new Twalk(0, 1, List.of("fifo")), Rwalk.class);
      c.call(new Twalk(0, 2, List.of("fifo")), Rwalk.class);
      c.call(new Tlopen(1, 0 /* O_RDONLY */), Rlopen.class);
      assertThat(errno(() -> c.call(new Tread(1, 0, 100)))).isEqualTo(29); // ESPIPE: Tread has an offset
      assertThat(errno(() -> c.call(new Tlopen(2, 1 /* O_WRONLY */)))).isEqualTo(0); // a reader is there now
      c.call(new Tclunk(1), Rclunk.class);
      c.call(new Tclunk(2), Rclunk.class);
      c.call(new Twalk(0, 3, List.of("fifo")), Rwalk.class);
      assertThat(errno(() -> c.call(new Tlopen(3, 1 /* O_WRONLY */)))).isEqualTo(P9.ENXIO); // no reader
    }
  }

  private interface Call {
    Message call() throws Exception;
  }

  /** The errno of a call's Rlerror, or 0 if it succeeded. */
  private static int errno(Call call) throws Exception {
    try {
      Message m = call.call();
      return m instanceof Rlerror e ? e.ecode() : 0;
    } catch (io.burrow.p9.P9Error e) {
      return e.errno();
    }
  }

  @Test
  void oversizedOrTruncatedFramesCloseOnlyThatConnection() throws Exception {
    try (ServerFixture fx = new ServerFixture(root, false)) {
      NinePClient good = fx.connect();
      ServerFixture.attach(good, 0, "");
      for (byte[] bad : List.of(
          new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f, 100, 0, 0}, // 2 GiB frame
          new byte[] {0, 0, 2, 0, 100, 0, 0}, // larger than the initial msize
          new byte[] {3, 0, 0, 0}, // smaller than a header
          new byte[] {50, 0, 0, 0, 100, 1, 0, 1})) { // hangs up inside a frame
        int fd = fx.connectRaw();
        try {
          RawFrames.send(fd, bad);
          Sys.C.shutdown(fd, 1);
          assertThat(RawFrames.read(fd)).isNull(); // server closed it without answering
        } finally {
          Sys.close(fd);
        }
        healthy(good);
      }
    }
  }

  @Test
  void randomGarbageNeverBreaksOtherConnections() throws Exception {
    SplittableRandom rnd = new SplittableRandom(7);
    try (ServerFixture fx = new ServerFixture(root, false)) {
      NinePClient good = fx.connect();
      ServerFixture.attach(good, 0, "");
      for (int i = 0; i < 200; i++) {
        int fd = fx.connectRaw();
        try {
          RawFrames.send(fd, encode(P9.NOTAG, new Tversion(8192, P9.VERSION)));
          RawFrames.read(fd);
          byte[] junk = new byte[rnd.nextInt(7, 200)];
          rnd.nextBytes(junk);
          ByteBuffer.wrap(junk).order(ByteOrder.LITTLE_ENDIAN).putInt(0, junk.length);
          RawFrames.send(fd, junk);
          Sys.C.shutdown(fd, 1);
          while (RawFrames.read(fd) != null) {
            // drain whatever the server answers until it closes
          }
        } catch (io.burrow.p9.P9ProtocolException e) {
          // the server's reply to garbage need not be decodable by this raw reader
        } finally {
          Sys.close(fd);
        }
      }
      healthy(good);
    }
  }
}
