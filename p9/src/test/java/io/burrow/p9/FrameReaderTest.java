package io.burrow.p9;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** FrameReader on a real socket pair: frames in bursts, split across writes, handed off, transferred. */
class FrameReaderTest {
  SocketPair sv;
  Transport in;

  @BeforeEach
  void open() throws Exception {
    sv = SocketPair.open();
    in = new ChannelTransport(sv.a());
  }

  @AfterEach
  void close() throws Exception {
    sv.close();
  }

  private static byte[] frame(int tag, int payload) {
    ByteBuffer b = ByteBuffer.allocate(P9.HEADER + payload).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(P9.HEADER + payload).put((byte) P9.TCLUNK).putShort((short) tag);
    for (int i = 0; i < payload; i++) {
      b.put((byte) (tag + i));
    }
    return b.array();
  }

  private void write(byte[] bytes, int from, int to) throws Exception {
    ByteBuffer d = ByteBuffer.allocateDirect(to - from).put(bytes, from, to - from);
    new ChannelTransport(sv.b()).writeFully(d, 0, to - from);
  }

  private static void assertFrame(ByteBuffer f, int tag, int payload) {
    assertThat(f.remaining()).isEqualTo(P9.HEADER + payload);
    assertThat(f.getShort(5) & 0xffff).isEqualTo(tag);
    for (int i = 0; i < payload; i++) {
      assertThat(f.get(P9.HEADER + i)).isEqualTo((byte) (tag + i));
    }
  }

  @Test
  void aBurstOfFramesAndFramesSplitAcrossWrites() throws Exception {
    FrameReader r = new FrameReader(in, 4096);
    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
    List<int[]> expected = new ArrayList<>();
    for (int tag = 1; tag <= 300; tag++) {
      int payload = (tag * 37) % 900;
      all.write(frame(tag, payload));
      expected.add(new int[] {tag, payload});
    }
    byte[] bytes = all.toByteArray();
    Thread writer = new Thread(() -> {
      try {
        for (int at = 0; at < bytes.length; at += 777) { // cuts through headers and bodies
          write(bytes, at, Math.min(bytes.length, at + 777));
        }
        sv.b().shutdownOutput();
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    writer.start();
    for (int[] e : expected) {
      assertFrame(r.next(4096), e[0], e[1]);
    }
    assertThat(r.next(4096)).isNull();
    writer.join();
  }

  @Test
  void theBufferStartsSmallAndGrowsOnlyForALargerFrameKeepingWhatFollows() throws Exception {
    FrameReader r = new FrameReader(in, 1 << 20);
    assertThat(r.bufferSize()).isEqualTo(FrameReader.START);
    byte[] small = frame(1, 10), big = frame(2, 300_000), after = frame(3, 20);
    Thread writer = new Thread(() -> {
      try {
        write(small, 0, small.length);
        write(big, 0, big.length);
        write(after, 0, after.length);
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    writer.start();
    assertFrame(r.next(1 << 20), 1, 10);
    assertThat(r.bufferSize()).isEqualTo(FrameReader.START);
    assertFrame(r.next(1 << 20), 2, 300_000);
    assertThat(r.bufferSize()).isBetween(P9.HEADER + 300_000, 1 << 20);
    assertFrame(r.next(1 << 20), 3, 20);
    writer.join();
  }

  @Test
  void aHandedOffBufferMayBeSmallerThanTheCurrentOneIfItHoldsWhatIsBuffered() throws Exception {
    FrameReader r = new FrameReader(in, 8192);
    byte[] a = frame(7, 5000), b = frame(8, 50);
    write(a, 0, a.length);
    write(b, 0, b.length);
    ByteBuffer first = r.next(8192);
    assertThat(r.fill(b.length)).isTrue();
    assertThatThrownBy(() -> r.handOff(ByteBuffer.allocateDirect(b.length - 1))).isInstanceOf(IllegalArgumentException.class);
    r.handOff(ByteBuffer.allocateDirect(b.length));
    assertFrame(r.next(8192), 8, 50);
    assertFrame(first, 7, 5000);
  }

  @Test
  void aHandedOffBufferKeepsItsFrameAndTheReaderKeepsTheRest() throws Exception {
    FrameReader r = new FrameReader(in, 4096);
    byte[] a = frame(7, 100), b = frame(8, 50);
    byte[] both = new byte[a.length + b.length];
    System.arraycopy(a, 0, both, 0, a.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    write(both, 0, both.length);
    ByteBuffer first = r.next(4096);
    r.handOff(ByteBuffer.allocateDirect(4096));
    assertFrame(r.next(4096), 8, 50);
    assertFrame(first, 7, 100); // still intact: the reader no longer writes into that buffer
  }

  @Test
  void transferMovesBufferedAndUnreadPayloadIntoTheSink() throws Exception {
    FrameReader r = new FrameReader(in, 8192);
    byte[] f = frame(3, 6000);
    write(f, 0, 1000); // part of the payload is buffered, the rest still in the socket
    assertThat(r.fill(P9.HEADER)).isTrue();
    Thread late = new Thread(() -> {
      try {
        write(f, 1000, f.length);
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    late.start();
    ByteBuffer sink = ByteBuffer.allocateDirect(6000);
    r.transfer(P9.HEADER, sink, 6000);
    late.join();
    for (int i = 0; i < 6000; i++) {
      assertThat(sink.get(i)).isEqualTo((byte) (3 + i));
    }
  }

  @Test
  void aFrameLargerThanAllowedIsAProtocolError() throws Exception {
    FrameReader r = new FrameReader(in, 4096);
    write(frame(1, 5000), 0, 11);
    assertThatThrownBy(() -> r.next(4096)).isInstanceOf(P9ProtocolException.class);
  }

  @Test
  void aStreamThatEndsInsideAFrameIsAProtocolError() throws Exception {
    FrameReader r = new FrameReader(in, 4096);
    write(frame(1, 100), 0, 40);
    sv.b().shutdownOutput();
    assertThatThrownBy(() -> r.next(4096)).isInstanceOf(P9ProtocolException.class).hasMessageContaining("inside a frame");
  }
}
