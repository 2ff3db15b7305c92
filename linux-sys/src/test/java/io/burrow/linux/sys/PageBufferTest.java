package io.burrow.linux.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Real mappings: residency read back from /proc/self/smaps_rollup's anonymous total. */
class PageBufferTest {
  private static final int MIB = 1 << 20;

  private static long anonymousKib() throws Exception {
    for (String l : Files.readAllLines(Path.of("/proc/self/smaps_rollup"))) {
      if (l.startsWith("Anonymous:")) {
        return Long.parseLong(l.replaceAll("[^0-9]", ""));
      }
    }
    throw new AssertionError("no Anonymous line in smaps_rollup");
  }

  @Test
  void pagesBecomeResidentOnlyWhenWrittenAndDiscardGivesThemBack() throws Exception {
    try (PageBuffer p = PageBuffer.map(64 * MIB)) {
      ByteBuffer b = p.buffer();
      assertThat(b.isDirect()).isTrue();
      assertThat(b.capacity()).isEqualTo(64 * MIB);
      assertThat(b.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
      assertThat(Sys.address(b)).isNotZero();

      long before = anonymousKib();
      b.putInt(0, 42);
      assertThat(anonymousKib() - before).as("one write, one page (KiB)").isLessThan(8 * 1024);

      for (int off = 0; off < b.capacity(); off += 4096) {
        b.put(off + 1, (byte) 7);
      }
      long written = anonymousKib();
      assertThat(written - before).as("all 64 MiB written").isGreaterThan(60 * 1024);

      p.discardFrom(4096);
      assertThat(written - anonymousKib()).as("given back (KiB)").isGreaterThan(60 * 1024);
      assertThat(b.getInt(0)).as("the first page is kept").isEqualTo(42 | 7 << 8);
      assertThat(b.get(4096 + 1)).as("a discarded page reads as zero").isZero();
    }
  }

  @Test
  void capacityNeedNotBeAPageMultipleAndCloseIsIdempotent() throws Exception {
    PageBuffer p = PageBuffer.map(5000);
    assertThat(p.buffer().capacity()).isEqualTo(5000);
    p.buffer().put(4999, (byte) 1);
    p.discardFrom(5000); // rounds up past the end: nothing to do
    assertThat(p.buffer().get(4999)).isEqualTo((byte) 1);
    p.close();
    p.close();
    assertThatThrownBy(p::buffer).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> PageBuffer.map(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
