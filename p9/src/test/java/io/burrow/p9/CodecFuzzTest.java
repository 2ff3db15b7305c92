package io.burrow.p9;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Drives the decoder with random and mutated frames. The decoder must return a message or throw
 * {@link P9ProtocolException}; any other throwable fails the test. A fixed seed keeps failures
 * reproducible; each iteration is bounded by the frame size, so the test cannot hang.
 */
class CodecFuzzTest {
  private static final int MSIZE = 8192;

  private static void decodeOnly(ByteBuffer frame) {
    try {
      Codec.decode(frame, MSIZE);
    } catch (P9ProtocolException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }

  @Test
  void randomFrames() {
    SplittableRandom rnd = new SplittableRandom(0xB0BB0);
    for (int i = 0; i < 200_000; i++) {
      int len = rnd.nextInt(0, 64);
      byte[] b = new byte[len];
      for (int k = 0; k < len; k++) {
        b[k] = (byte) rnd.nextInt(256);
      }
      ByteBuffer f = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
      if (len >= 5 && rnd.nextBoolean()) {
        f.putInt(0, len); // a consistent size so the body parser is reached
        if (rnd.nextBoolean()) {
          f.put(4, (byte) pickType(rnd));
        }
      }
      decodeOnly(f);
    }
  }

  @Test
  void mutatedValidFrames() throws Exception {
    SplittableRandom rnd = new SplittableRandom(42);
    List<Message> samples = CodecTest.samples();
    int decodedOk = 0;
    for (int i = 0; i < 200_000; i++) {
      Message m = samples.get(rnd.nextInt(samples.size()));
      ByteBuffer enc = CodecTest.encode(rnd.nextInt(0x10000), m);
      byte[] b = new byte[enc.remaining()];
      enc.get(b);
      int mutations = rnd.nextInt(1, 4);
      for (int k = 0; k < mutations; k++) {
        if (b.length == 0) {
          break;
        }
        switch (rnd.nextInt(4)) {
          case 0 -> b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
          case 1 -> b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
          case 2 -> b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length + 1));
          default -> b = java.util.Arrays.copyOf(b, b.length + rnd.nextInt(1, 8));
        }
      }
      ByteBuffer f = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
      if (b.length >= 4 && rnd.nextInt(3) > 0) {
        f.putInt(0, b.length);
      }
      try {
        Codec.decode(f, MSIZE);
        decodedOk++;
      } catch (P9ProtocolException expected) {
        // fine
      }
    }
    // Single-bit mutations of payload bytes still decode: the fuzzer reached the body parsers.
    assertThat(decodedOk).isGreaterThan(1000);
  }

  private static int pickType(SplittableRandom rnd) {
    int t;
    do {
      t = rnd.nextInt(256);
    } while (!Codec.knows(t) && rnd.nextInt(4) > 0);
    return t;
  }
}
