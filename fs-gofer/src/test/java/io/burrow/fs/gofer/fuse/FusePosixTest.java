package io.burrow.fs.gofer.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A POSIX behaviour suite run through a real FUSE mount (FUSE → bridge → 9P → in-process gofer →
 * a temp dir) and, with the same code, on a native temp dir: each scenario returns a transcript
 * of what it observed, and the two transcripts must be equal. Also checks the data really landed
 * in the served directory. Needs root and /dev/fuse (skipped otherwise).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FusePosixTest {
  @TempDir static Path tmp;
  private Path served;
  private Path mnt;
  private Path nativeRoot;
  private FuseFixture fx;
  private int seq;

  @BeforeAll
  void mount() throws Exception {
    FuseFixture.assumeFuse();
    served = Files.createDirectory(tmp.resolve("served"));
    mnt = Files.createDirectory(tmp.resolve("mnt"));
    nativeRoot = Files.createDirectory(tmp.resolve("native"));
    fx = new FuseFixture(served, mnt);
  }

  @AfterAll
  void unmount() throws Exception {
    if (fx != null) {
      fx.close();
    }
  }

  interface Scenario {
    void run(Path root, List<String> log) throws Exception;
  }

  /** Runs {@code s} in fresh dirs natively and through FUSE; the transcripts must match. */
  private List<String> compare(Scenario s) throws Exception {
    String name = "case" + (seq++);
    Path n = Files.createDirectory(nativeRoot.resolve(name));
    Path f = Files.createDirectory(mnt.resolve(name));
    List<String> want = new ArrayList<>();
    List<String> got = new ArrayList<>();
    s.run(n, want);
    s.run(f, got);
    assertThat(got).as("transcript through FUSE vs native").containsExactlyElementsOf(want);
    return got;
  }

  private static Object attr(Path p, String a) throws IOException {
    return Files.getAttribute(p, "unix:" + a, LinkOption.NOFOLLOW_LINKS);
  }

  @Test
  void createWriteReadAppendTruncate() throws Exception {
    compare((root, log) -> {
      Path f = root.resolve("a.txt");
      Files.writeString(f, "hello");
      log.add(Files.readString(f));
      Files.writeString(f, " world", StandardOpenOption.APPEND);
      log.add(Files.readString(f));
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
        ch.truncate(3);
      }
      log.add(Files.readString(f) + " size=" + Files.size(f));
      Files.writeString(f, "xy", StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
      log.add(Files.readString(f));
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap("Z".getBytes(StandardCharsets.UTF_8)), 10); // a hole
      }
      byte[] b = Files.readAllBytes(f);
      log.add("len=" + b.length + " hole=" + (b[5] == 0) + " last=" + (char) b[10]);
      assertThatThrownBy(() -> Files.createFile(f)).isInstanceOf(FileAlreadyExistsException.class);
      log.add("exists " + Files.exists(f) + " missing " + Files.exists(root.resolve("nope")));
      assertThatThrownBy(() -> Files.readString(root.resolve("nope"))).isInstanceOf(NoSuchFileException.class);
    });
    assertThat(Files.readString(served.resolve("case" + (seq - 1)).resolve("a.txt"), StandardCharsets.ISO_8859_1))
        .startsWith("xy");
  }

  @Test
  void renameOverExistingAndDirectories() throws Exception {
    compare((root, log) -> {
      Path a = Files.writeString(root.resolve("a"), "A");
      Path b = Files.writeString(root.resolve("b"), "B");
      Files.move(a, b, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      log.add(Files.exists(a) + " " + Files.readString(b));
      Path d = Files.createDirectories(root.resolve("d1/sub"));
      Files.writeString(d.resolve("f"), "F");
      Files.move(root.resolve("d1"), root.resolve("d2"), StandardCopyOption.ATOMIC_MOVE);
      log.add(Files.readString(root.resolve("d2/sub/f")));
      // rename back and forth, then open the renamed file (its fid must follow the rename)
      Files.move(b, root.resolve("d2/b2"), StandardCopyOption.ATOMIC_MOVE);
      log.add(Files.readString(root.resolve("d2/b2")));
      Files.writeString(root.resolve("d2/b2"), "more", StandardOpenOption.APPEND);
      log.add(Files.readString(root.resolve("d2/b2")));
      Files.createDirectory(root.resolve("empty"));
      Files.move(root.resolve("empty"), root.resolve("d2/sub2"), StandardCopyOption.ATOMIC_MOVE);
      assertThatThrownBy(() -> Files.delete(root.resolve("d2"))).isInstanceOf(IOException.class);
      Files.delete(root.resolve("d2/sub2"));
      log.add(list(root.resolve("d2")).toString());
    });
  }

  @Test
  void hardLinksAndCounts() throws Exception {
    compare((root, log) -> {
      Path a = Files.writeString(root.resolve("a"), "data");
      Files.createLink(root.resolve("b"), a);
      Files.createLink(root.resolve("c"), a);
      log.add("nlink " + attr(a, "nlink") + " " + attr(root.resolve("b"), "nlink"));
      log.add("same ino " + attr(a, "ino").equals(attr(root.resolve("c"), "ino")));
      Files.delete(a);
      log.add("after unlink " + attr(root.resolve("b"), "nlink") + " " + Files.readString(root.resolve("b")));
      Files.writeString(root.resolve("c"), "!", StandardOpenOption.APPEND);
      log.add(Files.readString(root.resolve("b")));
      Files.move(root.resolve("b"), root.resolve("d"), StandardCopyOption.ATOMIC_MOVE);
      Files.delete(root.resolve("c"));
      log.add("last " + attr(root.resolve("d"), "nlink") + " " + Files.readString(root.resolve("d")));
      Path dir = Files.createDirectory(root.resolve("dir"));
      Files.createDirectory(dir.resolve("x"));
      log.add("dir nlink " + attr(dir, "nlink"));
    });
  }

  @Test
  void symlinks() throws Exception {
    compare((root, log) -> {
      Files.writeString(root.resolve("target"), "T");
      Path l = Files.createSymbolicLink(root.resolve("link"), Path.of("target"));
      log.add(Files.readSymbolicLink(l).toString() + " " + Files.readString(l) + " " + Files.isSymbolicLink(l));
      Path dangling = Files.createSymbolicLink(root.resolve("dangling"), Path.of("/nonexistent/ü"));
      log.add(Files.readSymbolicLink(dangling).toString() + " " + Files.exists(dangling));
      Files.createDirectory(root.resolve("d"));
      Files.createSymbolicLink(root.resolve("dl"), Path.of("d"));
      Files.writeString(root.resolve("dl/through"), "x");
      log.add(Files.readString(root.resolve("d/through")));
      log.add("size " + Files.size(l) + " " + Files.getAttribute(l, "unix:size", LinkOption.NOFOLLOW_LINKS));
    });
  }

  @Test
  void permissionsOwnershipAndTimes() throws Exception {
    compare((root, log) -> {
      Path f = Files.writeString(root.resolve("f"), "x");
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-x---"));
      log.add(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
      Files.setAttribute(f, "unix:mode", 04755);
      log.add(Integer.toOctalString((Integer) attr(f, "mode")));
      Files.setAttribute(f, "unix:uid", 1234);
      Files.setAttribute(f, "unix:gid", 4321);
      log.add(attr(f, "uid") + ":" + attr(f, "gid"));
      // set old times, then check that each operation moves the right ones
      FileTime old = FileTime.fromMillis(1_000_000_000_000L);
      Files.setLastModifiedTime(f, old);
      Files.setAttribute(f, "lastAccessTime", old);
      log.add("set " + Files.getLastModifiedTime(f).equals(old) + " " + attr(f, "lastAccessTime").equals(old));
      FileTime ctime0 = (FileTime) attr(f, "ctime");
      Files.writeString(f, "more", StandardOpenOption.APPEND);
      log.add("write moves mtime " + (Files.getLastModifiedTime(f).compareTo(old) > 0)
          + " ctime " + (((FileTime) attr(f, "ctime")).compareTo(ctime0) >= 0));
      Files.setLastModifiedTime(f, old);
      FileTime ctime1 = (FileTime) attr(f, "ctime");
      Files.setAttribute(f, "unix:mode", 0600);
      log.add("chmod keeps mtime " + Files.getLastModifiedTime(f).equals(old)
          + " ctime moves " + (((FileTime) attr(f, "ctime")).compareTo(ctime1) >= 0));
      Path d = Files.createDirectory(root.resolve("d"));
      Files.setLastModifiedTime(d, old);
      Files.createFile(d.resolve("new"));
      log.add("create moves dir mtime " + (Files.getLastModifiedTime(d).compareTo(old) > 0));
      Files.setLastModifiedTime(d, old);
      Files.delete(d.resolve("new"));
      log.add("unlink moves dir mtime " + (Files.getLastModifiedTime(d).compareTo(old) > 0));
      // the setuid bit goes away on chown (kernel semantics, through the gofer's chown)
      Files.setAttribute(f, "unix:mode", 04755);
      Files.setAttribute(f, "unix:uid", 0);
      log.add("after chown " + Integer.toOctalString((Integer) attr(f, "mode")));
      FileTime exact = FileTime.fromMillis(1_234_567_890_123L);
      Files.setLastModifiedTime(f, exact);
      log.add("exact " + Files.getLastModifiedTime(f).toMillis());
    });
  }

  @Test
  void sparseFileBeyond4GiB() throws Exception {
    compare((root, log) -> {
      Path f = root.resolve("sparse");
      long off = 5L << 30;
      byte[] tail = "end of a big sparse file".getBytes(StandardCharsets.UTF_8);
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap("head".getBytes(StandardCharsets.UTF_8)), 0);
        ch.write(ByteBuffer.wrap(tail), off);
      }
      log.add("size " + Files.size(f));
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
        ByteBuffer b = ByteBuffer.allocate(tail.length);
        ch.read(b, off);
        log.add(new String(b.array(), StandardCharsets.UTF_8));
        ByteBuffer z = ByteBuffer.allocate(4096);
        ch.read(z, 3L << 30);
        log.add("zeros " + java.util.Arrays.equals(z.array(), new byte[4096]));
      }
      log.add("blocks small " + ((Long) Files.getAttribute(f, "unix:size") > 0));
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
        ch.truncate(off - 1);
      }
      log.add("truncated " + Files.size(f));
    });
  }

  @Test
  void deepTreeAndUnicodeNames() throws Exception {
    compare((root, log) -> {
      Path p = root;
      for (int i = 0; i < 64; i++) {
        p = p.resolve("d" + i);
      }
      Files.createDirectories(p);
      Files.writeString(p.resolve("leaf"), "deep");
      log.add(Files.readString(p.resolve("leaf")));
      try (Stream<Path> s = Files.walk(root)) {
        log.add("walk " + s.count());
      }
      String[] names = {"héllo wörld", "日本語のファイル", "emoji 😀🎉", "ελληνικά", "a\tb", "'quoted\"", "x".repeat(255)};
      for (String n : names) {
        Files.writeString(root.resolve(n), n);
      }
      for (String n : names) {
        log.add(Files.readString(root.resolve(n)).equals(n) + "");
      }
      log.add(list(root).toString());
      assertThatThrownBy(() -> Files.writeString(root.resolve("y".repeat(256)), "x")).isInstanceOf(IOException.class);
    });
  }

  @Test
  void readdirOf5000Entries() throws Exception {
    compare((root, log) -> {
      for (int i = 0; i < 5000; i++) {
        Files.createFile(root.resolve(String.format("entry-%05d-%s", i, "p".repeat(i % 40))));
      }
      TreeSet<String> names = list(root);
      log.add("count " + names.size() + " first " + names.first() + " last " + names.last());
      long sum = 0;
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
        for (Path e : ds) {
          sum += Files.size(e); // stat every entry (READDIRPLUS or LOOKUP)
        }
      }
      log.add("sizes " + sum);
      // delete half while listing again
      int deleted = 0;
      for (String n : names) {
        if (n.hashCode() % 2 == 0) {
          Files.delete(root.resolve(n));
          deleted++;
        }
      }
      log.add("after delete " + list(root).size() + " deleted " + deleted);
    });
  }

  @Test
  void xattrs() throws Exception {
    compare((root, log) -> {
      Path f = Files.writeString(root.resolve("f"), "x");
      UserDefinedFileAttributeView v = Files.getFileAttributeView(f, UserDefinedFileAttributeView.class);
      v.write("user.one", ByteBuffer.wrap("1".getBytes(StandardCharsets.UTF_8)));
      byte[] big = new byte[3000];
      java.util.Arrays.fill(big, (byte) 'b');
      v.write("user.big", ByteBuffer.wrap(big));
      log.add(new TreeSet<>(v.list()).toString());
      ByteBuffer b = ByteBuffer.allocate(v.size("user.big"));
      v.read("user.big", b);
      log.add("big " + b.position() + " " + java.util.Arrays.equals(b.array(), big));
      v.write("user.one", ByteBuffer.wrap("11".getBytes(StandardCharsets.UTF_8)));
      log.add("one size " + v.size("user.one"));
      assertThatThrownBy(() -> v.size("user.missing")).isInstanceOf(IOException.class);
      Path d = Files.createDirectory(root.resolve("dir"));
      Files.getFileAttributeView(d, UserDefinedFileAttributeView.class)
          .write("user.dir", ByteBuffer.wrap(new byte[] {1, 2}));
      log.add(Files.getFileAttributeView(d, UserDefinedFileAttributeView.class).list().toString());
    });
  }

  @Test
  void fileCapabilitiesSurviveAndAreDroppedByWrites() throws Exception {
    // the bridge remembers "no security.capability" per file; setcap must invalidate that, and the
    // kernel's removal on write must go through
    compare((root, log) -> {
      Path f = Files.writeString(root.resolve("bin"), "x");
      Files.writeString(f, "y", StandardOpenOption.APPEND);
      log.add(run(root, "setcap", "cap_net_raw+ep", "bin"));
      log.add(run(root, "getcap", "bin"));
      Files.writeString(f, "z", StandardOpenOption.APPEND);
      log.add("after write: " + run(root, "getcap", "bin"));
      log.add(run(root, "setcap", "cap_net_raw+ep", "bin") + " " + run(root, "getcap", "bin"));
    });
  }

  @Test
  void removeXattr() throws Exception {
    compare((root, log) -> {
      Path f = Files.writeString(root.resolve("f"), "x");
      UserDefinedFileAttributeView v = Files.getFileAttributeView(f, UserDefinedFileAttributeView.class);
      v.write("user.gone", ByteBuffer.wrap("1".getBytes(StandardCharsets.UTF_8)));
      v.delete("user.gone");
      log.add(v.list().toString());
      assertThatThrownBy(() -> v.delete("user.gone")).isInstanceOf(IOException.class);
    });
  }

  @Test
  void fifosAndDeviceNodes() throws Exception {
    compare((root, log) -> {
      log.add(run(root, "mkfifo", "fifo") + " " + Files.readAttributes(root.resolve("fifo"), java.nio.file.attribute.BasicFileAttributes.class).isOther()
          + " " + Integer.toOctalString((Integer) attr(root.resolve("fifo"), "mode")));
      log.add(run(root, "mknod", "null", "c", "1", "3") + " "
          + Integer.toOctalString((Integer) attr(root.resolve("null"), "mode")) + " rdev "
          + attr(root.resolve("null"), "rdev"));
    });
  }

  @Test
  void aDiskNodeCanBeMadeButNotOpenedThroughTheMount() throws Exception {
    Path d = Files.createDirectory(mnt.resolve("devs"));
    assertThat(run(d, "mknod", "sda", "b", "8", "0")).isEqualTo("exit 0");
    assertThat(run(d, "stat", "-c", "%F %t:%T", "sda")).isEqualTo("exit 0 block special file 8:0");
    // The mount is nodev, and the gofer opens no device but the memory devices.
    assertThat(run(d, "head", "-c", "1", "sda")).startsWith("exit 1").contains("Permission denied");
    assertThat(run(d, "rm", "sda")).isEqualTo("exit 0");
  }

  @Test
  void statfsMatchesServedFilesystem() throws Exception {
    var store = Files.getFileStore(mnt);
    var host = Files.getFileStore(served);
    assertThat(store.getTotalSpace()).isEqualTo(host.getTotalSpace());
    assertThat(store.getBlockSize()).isEqualTo(host.getBlockSize());
    assertThat(store.type()).isEqualTo("fuse.burrow");
  }

  @Test
  void concurrentReadersAndWriters() throws Exception {
    Path dir = Files.createDirectory(mnt.resolve("conc"));
    Path shared = dir.resolve("shared");
    int threads = 8, chunk = 64 * 1024, rounds = 16;
    try (FileChannel ch = FileChannel.open(shared, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.truncate(0);
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        fs.add(pool.submit(() -> {
          byte[] mine = new byte[chunk];
          java.util.Arrays.fill(mine, (byte) ('a' + id));
          Path own = dir.resolve("own" + id);
          try (FileChannel sh = FileChannel.open(shared, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            for (int r = 0; r < rounds; r++) {
              Files.write(own, mine, r == 0 ? new StandardOpenOption[] {StandardOpenOption.CREATE_NEW,
                  StandardOpenOption.WRITE} : new StandardOpenOption[] {StandardOpenOption.APPEND});
              long off = ((long) r * threads + id) * chunk;
              sh.write(ByteBuffer.wrap(mine), off);
              ByteBuffer back = ByteBuffer.allocate(chunk);
              sh.read(back, off);
              assertThat(back.array()).isEqualTo(mine);
            }
          }
          assertThat(Files.size(own)).isEqualTo((long) chunk * rounds);
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    byte[] all = Files.readAllBytes(served.resolve("conc/shared"));
    assertThat(all).hasSize(threads * chunk * rounds);
    for (int i = 0; i < all.length; i += chunk) {
      assertThat(all[i]).isEqualTo((byte) ('a' + (i / chunk) % threads));
    }
  }

  @Test
  void readAheadNeverServesBytesOlderThanAWrite() throws Exception {
    // A cold file (written on the host side) read sequentially goes through the bridge's
    // read-ahead buffer; a write through another handle in the middle must be seen by later reads.
    byte[] data = new byte[4 << 20];
    new java.util.Random(7).nextBytes(data);
    Files.write(served.resolve("ra"), data);
    Path f = mnt.resolve("ra");
    try (FileChannel reader = FileChannel.open(f, StandardOpenOption.READ);
         FileChannel writer = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(64 * 1024);
      long pos = 0;
      while (pos < 256 * 1024) {
        b.clear();
        pos += reader.read(b, pos);
      }
      byte[] patch = "PATCHED-BYTES".getBytes(StandardCharsets.UTF_8);
      for (long at : new long[] {300_001, 700_123, 1_500_007}) {
        writer.write(ByteBuffer.wrap(patch), at);
        System.arraycopy(patch, 0, data, (int) at, patch.length);
      }
      ByteBuffer all = ByteBuffer.allocate(data.length);
      while (all.hasRemaining()) {
        if (reader.read(all, all.position()) < 0) {
          break;
        }
      }
      assertThat(all.array()).isEqualTo(data);
    }
  }

  @Test
  void aPrefetchedPieceNeverServesBytesOlderThanAWrite() throws Exception {
    // Past half of the first read-ahead piece the bridge fetches the next one in the background;
    // writes into that next piece, made before the reader gets there, must still be seen.
    byte[] data = new byte[8 << 20];
    new java.util.Random(11).nextBytes(data);
    Files.write(served.resolve("pre"), data);
    Path f = mnt.resolve("pre");
    try (FileChannel reader = FileChannel.open(f, StandardOpenOption.READ);
         FileChannel writer = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ByteBuffer all = ByteBuffer.allocate(data.length);
      while (all.position() < 1_600_000) {
        reader.read(all.limit(Math.min(data.length, all.position() + 128 * 1024)), all.position());
      }
      byte[] patch = "PREFETCH-PATCH".getBytes(StandardCharsets.UTF_8);
      for (long at : new long[] {2_100_003, 2_900_001, 5_000_017}) {
        writer.write(ByteBuffer.wrap(patch), at);
        System.arraycopy(patch, 0, data, (int) at, patch.length);
      }
      all.limit(data.length);
      while (all.hasRemaining()) {
        if (reader.read(all, all.position()) < 0) {
          break;
        }
      }
      // The first 1.6 MB were read before the patches, which all lie beyond them.
      assertThat(all.array()).isEqualTo(data);
    }
  }

  @Test
  void aLargeColdFileReadsBackExactly() throws Exception {
    byte[] data = new byte[24 << 20];
    new java.util.Random(13).nextBytes(data);
    Files.write(served.resolve("large"), data);
    try (var in = Files.newInputStream(mnt.resolve("large"))) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
  }

  @Test
  void lookupCountsReturnToZeroWhenTheKernelForgets() throws Exception {
    Path d = Files.createDirectory(mnt.resolve("forget"));
    for (int i = 0; i < 200; i++) {
      Files.writeString(d.resolve("f" + i), "x");
      Files.createLink(d.resolve("l" + i), d.resolve("f" + i));
    }
    list(d);
    int before = fx.bridge.liveNodes();
    assertThat(before).isGreaterThan(200);
    // drop dentries and inodes: the kernel sends FORGETs for everything not in use
    Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "2");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (fx.bridge.liveNodes() > 10 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(fx.bridge.liveNodes()).as("nodes left after drop_caches (started with %d)", before)
        .isLessThanOrEqualTo(10);
    assertThat(fx.bridge.openHandles()).isZero();
    // and everything still works after being forgotten
    assertThat(Files.readString(d.resolve("l7"))).isEqualTo("x");
    assertThat(attr(d.resolve("f7"), "nlink")).isEqualTo(2);
  }

  static TreeSet<String> list(Path dir) throws IOException {
    TreeSet<String> out = new TreeSet<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        out.add(p.getFileName().toString());
      }
    }
    return out;
  }

  /** Runs a command in {@code dir}; returns "exit N" plus its output. */
  static String run(Path dir, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " did not finish within 60 s");
    }
    return "exit " + p.exitValue() + (out.isEmpty() ? "" : " " + out.strip());
  }
}
