package io.burrow.fs.gofer.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** coreutils and tar through the FUSE mount, checked against the same data natively. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FuseToolsTest {
  @TempDir static Path tmp;
  private Path served;
  private Path mnt;
  private FuseFixture fx;

  @BeforeAll
  void mount() throws Exception {
    FuseFixture.assumeFuse();
    served = Files.createDirectory(tmp.resolve("served"));
    mnt = Files.createDirectory(tmp.resolve("mnt"));
    fx = new FuseFixture(served, mnt);
  }

  @AfterAll
  void unmount() throws Exception {
    if (fx != null) {
      fx.close();
    }
  }

  static String sh(String script) throws Exception {
    Process p = new ProcessBuilder("sh", "-ec", script).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("did not finish within 120 s: " + script);
    }
    assertThat(p.exitValue()).as("exit of `%s`, output:%n%s", script, out).isZero();
    return out;
  }

  /** Every entry's path, type, mode, size, link target and content hash. */
  static String manifest(Path dir) throws Exception {
    return sh("cd '" + dir + "' && find . -printf '%P %y %m %s %l %n\\n' | sort"
        + " && find . -type f -print0 | sort -z | xargs -0r sha256sum");
  }

  @Test
  void tarTreeInAndOut() throws Exception {
    Path src = Files.createDirectory(tmp.resolve("src"));
    sh("cd '" + src + "' && for d in a b c/d c/e/f; do mkdir -p $d; done"
        + " && for i in $(seq 1 300); do head -c $((i * 37)) /dev/urandom > c/e/f/file$i; done"
        + " && seq 1 100000 > a/numbers && ln -s ../a/numbers b/link && ln a/numbers b/hard"
        + " && chmod 750 c && chmod 4755 a/numbers && mkfifo b/fifo && touch -d 2001-02-03 b/dated");
    sh("tar -C '" + src + "' -cf - . | tar -C '" + mnt + "' -xpf -");
    assertThat(manifest(mnt)).isEqualTo(manifest(src));
    assertThat(manifest(served)).isEqualTo(manifest(src));
    Path out = Files.createDirectory(tmp.resolve("out"));
    sh("tar -C '" + mnt + "' -cf - . | tar -C '" + out + "' -xpf -");
    assertThat(manifest(out)).isEqualTo(manifest(src));
    sh("rm -rf '" + mnt + "'/*");
    assertThat(FusePosixTest.list(served)).isEmpty();
  }

  @Test
  void ddQuarterGibibyteWriteAndReadBack() throws Exception {
    Path big = tmp.resolve("big");
    sh("head -c 268435456 /dev/urandom > '" + big + "'");
    String want = sh("sha256sum < '" + big + "'");
    sh("dd if='" + big + "' of='" + mnt + "/big' bs=1M status=none");
    assertThat(sh("sha256sum < '" + served + "/big'")).as("bytes that reached the gofer").isEqualTo(want);
    // O_DIRECT bypasses the page cache, so every byte comes back through the bridge
    assertThat(sh("dd if='" + mnt + "/big' iflag=direct bs=1M status=none | sha256sum")).isEqualTo(want);
    assertThat(sh("sha256sum < '" + mnt + "/big'")).isEqualTo(want);
    Files.delete(big);
    Files.delete(mnt.resolve("big"));
  }
}
