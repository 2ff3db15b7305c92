package io.burrow.fs.gofer.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the gofer dies (its end of the 9P socket goes away), every file operation that reaches the
 * bridge fails with EIO (an IOException) within a bounded time instead of hanging, and the mount
 * can still be torn down cleanly.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FuseGoferDeathTest {
  @TempDir Path tmp;

  @Test
  void operationsFailWithEioOnceTheGoferIsGone() throws Exception {
    Path served = Files.createDirectory(tmp.resolve("served"));
    Path mnt = Files.createDirectory(tmp.resolve("mnt"));
    Files.writeString(served.resolve("existing"), "x".repeat(100_000));
    ExecutorService pool = Executors.newCachedThreadPool();
    try (FuseFixture fx = new FuseFixture(served, mnt)) {
      Path existing = mnt.resolve("existing");
      assertThat(Files.size(existing)).isEqualTo(100_000);
      try (FileChannel open = FileChannel.open(existing, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        fx.killGofer();
        // writes are not cached (no writeback cache): this WRITE must reach the dead gofer
        expectIoError(pool, "write to an open file", () -> open.write(ByteBuffer.wrap(new byte[] {1}), 5));
        expectIoError(pool, "create", () -> Files.createFile(mnt.resolve("new")));
        expectIoError(pool, "open of a cached name", () -> Files.readAllBytes(existing));
        expectIoError(pool, "mkdir", () -> Files.createDirectory(mnt.resolve("d")));
        expectIoError(pool, "lookup of an unknown name", () -> Files.size(mnt.resolve("unknown")));
      }
      assertThat(fx.bridge.isRunning()).as("the bridge keeps answering EIO").isTrue();
    } finally {
      pool.shutdownNow();
    }
    assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo"))).noneMatch(l -> l.contains(mnt.toString()));
  }

  private static void expectIoError(ExecutorService pool, String what, Callable<?> op) throws Exception {
    Future<?> f = pool.submit(op);
    try {
      f.get(10, TimeUnit.SECONDS);
      fail(what + " succeeded although the gofer is gone");
    } catch (TimeoutException e) {
      fail(what + " hung for 10 s after the gofer died");
    } catch (ExecutionException e) {
      assertThat(e.getCause()).as(what).isInstanceOf(IOException.class);
      assertThat(e.getCause().getMessage()).as(what).containsAnyOf("Input/output error", "I/O error");
    }
  }
}
