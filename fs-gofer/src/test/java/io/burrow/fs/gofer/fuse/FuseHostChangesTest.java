package io.burrow.fs.gofer.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.burrow.fs.gofer.server.HostChanges;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A caching mount (60 s entry and attribute timeouts, cached pages and listings) over a gofer that
 * reports host changes: contents, listings, modes and misses the mount has cached follow what the
 * host does to the served directory, each long before any cache would time out. Without the
 * reports every check but the miss would see the old state for a minute.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FuseHostChangesTest {
  /** Far below the 60 s caches; a guard for a loaded machine, not a measurement. */
  private static final long SEEN_WITHIN_MS = 5000;
  @TempDir Path tmp;

  @Test
  void hostChangesReachTheMountsCaches() throws Exception {
    HostChanges.enable();
    Path served = Files.createDirectory(tmp.resolve("served"));
    Path mnt = Files.createDirectory(tmp.resolve("mnt"));
    Files.createDirectory(served.resolve("d"));
    Files.writeString(served.resolve("d/data"), "aaaa");
    try (FuseFixture fx = new FuseFixture(served, mnt)) {
      Path d = mnt.resolve("d");
      // Fill the caches: contents, listing, mode, and a miss.
      assertThat(Files.readString(d.resolve("data"))).isEqualTo("aaaa");
      assertThat(list(d)).isEqualTo("data");
      assertThat(mode(d.resolve("data"))).isEqualTo("rw-r--r--");
      assertThat(Files.exists(d.resolve("new"))).isFalse();

      Files.writeString(served.resolve("d/data"), "bbbb"); // same size: only the report can tell
      awaitSeen("new contents", () -> Files.readString(d.resolve("data")), "bbbb");
      Files.writeString(served.resolve("d/new"), "n");
      awaitSeen("a created file", () -> Files.exists(d.resolve("new")), true);
      awaitSeen("the listing with it", () -> list(d), "data,new");
      Files.move(served.resolve("d/new"), served.resolve("d/renamed"));
      awaitSeen("the listing after a rename", () -> list(d), "data,renamed");
      awaitSeen("the old name gone", () -> Files.exists(d.resolve("new")), false);
      Files.delete(served.resolve("d/renamed"));
      awaitSeen("the listing after a delete", () -> list(d), "data");
      Files.setPosixFilePermissions(served.resolve("d/data"), PosixFilePermissions.fromString("rw-------"));
      awaitSeen("a mode change", () -> mode(d.resolve("data")), "rw-------");

      // The mount's own changes are not reported back: a file made through it stays cached.
      Files.writeString(d.resolve("own"), "o");
      assertThat(Files.readString(d.resolve("own"))).isEqualTo("o");
    }
  }

  private static String list(Path d) throws Exception {
    try (var s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.joining(","));
    }
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private static void awaitSeen(String what, Callable<Object> view, Object expected) throws Exception {
    long start = System.nanoTime();
    Object last = null;
    while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(SEEN_WITHIN_MS)) {
      last = view.call();
      if (expected.equals(last)) {
        System.out.println(what + " seen after " + (System.nanoTime() - start) / 1_000_000 + " ms");
        return;
      }
      Thread.sleep(5);
    }
    assertThat(last).as("%s through the mount within %d ms", what, SEEN_WITHIN_MS).isEqualTo(expected);
  }
}
