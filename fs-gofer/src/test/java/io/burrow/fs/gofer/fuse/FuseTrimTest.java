package io.burrow.fs.gofer.fuse;

import io.burrow.fuse.FuseBridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node table (one gofer fid per node) stays bounded: past maxNodes the bridge asks the kernel
 * to drop least recently used names, the kernel forgets them, and their fids are clunked. Without
 * that, a tree bigger than the gofer's 16384 fids per connection could not be walked.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FuseTrimTest {
  @TempDir Path tmp;

  @Test
  void manyFilesStayWithinMaxNodes() throws Exception {
    Path served = Files.createDirectory(tmp.resolve("served"));
    Path mnt = Files.createDirectory(tmp.resolve("mnt"));
    int files = 3000, max = 256;
    try (FuseFixture fx = new FuseFixture(served, mnt, FuseBridge.Options.defaults().withMaxNodes(max))) {
      Path d = Files.createDirectory(mnt.resolve("d"));
      for (int i = 0; i < files; i++) {
        Files.writeString(d.resolve("f" + i), Integer.toString(i));
      }
      long total = 0;
      for (int i = 0; i < files; i++) {
        total += Long.parseLong(Files.readString(d.resolve("f" + i)));
      }
      assertThat(total).isEqualTo((long) files * (files - 1) / 2);
      // the trimmer works asynchronously: wait (bounded) for it to catch up
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (fx.bridge.liveNodes() > max && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(fx.bridge.liveNodes()).as("nodes after touching %d files with maxNodes %d", files, max)
          .isLessThanOrEqualTo(max);
      assertThat(FusePosixTest.list(d)).hasSize(files);
    }
  }
}
