package io.burrow.fs.gofer.server;

import io.burrow.p9.server.Connection;
import io.burrow.p9.server.NinePServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.burrow.p9.client.NinePClient;
import io.burrow.p9.Codec;
import io.burrow.p9.Dirent;
import io.burrow.p9.Message;
import io.burrow.p9.Message.*;
import io.burrow.p9.P9;
import io.burrow.p9.Qid;
import io.burrow.p9.P9Error;
import io.burrow.linux.sys.Sys;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our client against our server over a real socketpair, on real files: every message type. */
class NinePServerTest {
  @TempDir Path root;
  ServerFixture fx;
  NinePClient c;

  @BeforeEach
  void start() throws Exception {
    Files.writeString(root.resolve("hello.txt"), "hello world\n");
    Files.createDirectories(root.resolve("dir/sub"));
    Files.writeString(root.resolve("dir/inner.txt"), "inner");
    fx = new ServerFixture(root, false);
    c = fx.connect();
    ServerFixture.attach(c, 0, "");
  }

  @AfterEach
  void stop() throws Exception {
    fx.close();
  }

  private static int errno(ThrowingRunnable r) {
    try {
      r.run();
    } catch (P9Error e) {
      return e.errno();
    } catch (Exception e) {
      throw new AssertionError("expected P9Error, got " + e, e);
    }
    throw new AssertionError("expected an error");
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  private Rwalk walk(int fid, int newfid, String... names) throws Exception {
    return c.call(new Twalk(fid, newfid, List.of(names)), Rwalk.class);
  }

  private String readAll(int fid) throws Exception {
    StringBuilder sb = new StringBuilder();
    long off = 0;
    while (true) {
      ByteBuffer d = c.call(new Tread(fid, off, 3), Rread.class).data();
      if (!d.hasRemaining()) {
        return sb.toString();
      }
      off += d.remaining();
      sb.append(StandardCharsets.UTF_8.decode(d));
    }
  }

  @Test
  void requestsThatDependOnEachOtherMayBePipelined() throws Exception {
    // The order docs/gofer.md promises: walk to a new fid, create through it, stat and open the
    // result, all sent before any reply is read. Repeated, so that a reordering would show.
    for (int i = 0; i < 200; i++) {
      int dir = 1000 + 4 * i, file = dir + 1, again = dir + 2;
      List<Message> batch = List.of(
          new Twalk(0, dir, List.of("dir")),
          new Twalk(dir, file, List.of()),
          new Tlcreate(file, "p" + i, Sys.O_WRONLY, 0644, 0),
          new Twrite(file, 0, ByteBuffer.wrap(("x" + i).getBytes(StandardCharsets.UTF_8))),
          new Twalk(dir, again, List.of("p" + i)),
          new Tgetattr(again, P9.GETATTR_BASIC),
          new Tlopen(again, Sys.O_RDONLY),
          new Tread(again, 0, 16),
          new Tclunk(file),
          new Tclunk(again),
          new Tclunk(dir));
      List<CompletableFuture<Message>> replies = new ArrayList<>();
      for (Message m : batch) {
        replies.add(c.send(m).reply());
      }
      for (int k = 0; k < batch.size(); k++) {
        assertThat(NinePClient.await(replies.get(k), batch.get(k))).as("reply %d of round %d", k, i)
            .isNotInstanceOf(Rlerror.class);
      }
      assertThat(((Rgetattr) replies.get(5).join()).size()).isEqualTo(("x" + i).length());
      assertThat(StandardCharsets.UTF_8.decode(((Rread) replies.get(7).join()).data()).toString()).isEqualTo("x" + i);
    }
    assertThat(Files.list(root.resolve("dir")).filter(p -> p.getFileName().toString().startsWith("p"))).hasSize(200);
  }

  @Test
  void versionNegotiatesMsizeAndRejectsOtherVersions() throws Exception {
    assertThat(c.msize()).isEqualTo(65536);
    int fd = fx.connectRaw();
    try {
      ByteBuffer b = ByteBuffer.allocateDirect(8192).order(ByteOrder.LITTLE_ENDIAN);
      Codec.encode(P9.NOTAG, new Tversion(1 << 24, "9P2000.L"), b);
      Sys.send(fd, b, 0, b.position());
      assertThat(RawFrames.read(fd)).isEqualTo(new Rversion(NinePServer.DEFAULT_MAX_MSIZE, "9P2000.L"));
      b.clear();
      Codec.encode(P9.NOTAG, new Tversion(8192, "9P2000.u"), b);
      Sys.send(fd, b, 0, b.position());
      assertThat(RawFrames.read(fd)).isEqualTo(new Rversion(8192, "unknown"));
    } finally {
      Sys.close(fd);
    }
  }

  @Test
  void authIsNotRequired() {
    assertThat(errno(() -> c.call(new Tauth(9, "root", "", 0)))).isEqualTo(P9.ENOENT);
  }

  @Test
  void attachResolvesAnameBeneathTheRoot() throws Exception {
    Qid q = ServerFixture.attach(c, 1, "/dir/sub");
    assertThat(q.isDir()).isTrue();
    assertThat(q.path()).isEqualTo(Files.getAttribute(root.resolve("dir/sub"), "unix:ino"));
    assertThat(ServerFixture.attach(c, 2, "/").path()).isEqualTo(Files.getAttribute(root, "unix:ino"));
    assertThat(errno(() -> ServerFixture.attach(c, 3, "nope"))).isEqualTo(P9.ENOENT);
    assertThat(errno(() -> ServerFixture.attach(c, 1, ""))).isEqualTo(P9.EEXIST);
  }

  @Test
  void walkGetattrLopenReadClunk() throws Exception {
    Rwalk w = walk(0, 1, "dir", "inner.txt");
    assertThat(w.qids()).hasSize(2);
    assertThat(w.qids().get(0).isDir()).isTrue();
    Rgetattr a = c.call(new Tgetattr(1, P9.GETATTR_ALL), Rgetattr.class);
    assertThat(a.size()).isEqualTo(5);
    assertThat(a.mode() & Sys.S_IFMT).isEqualTo(Sys.S_IFREG);
    assertThat(a.qid()).isEqualTo(w.qids().get(1));
    assertThat(a.mtimeSec()).isEqualTo(Files.getLastModifiedTime(root.resolve("dir/inner.txt")).toInstant().getEpochSecond());
    c.call(new Tlopen(1, 0), Rlopen.class);
    assertThat(readAll(1)).isEqualTo("inner");
    // diod's tools walk from an open fid
    assertThat(walk(0, 5, "dir").qids()).hasSize(1);
    c.call(new Tlopen(5, 0), Rlopen.class);
    assertThat(walk(5, 6, "sub").qids()).hasSize(1);
    c.call(new Tclunk(1), Rclunk.class);
    assertThat(errno(() -> c.call(new Tclunk(1)))).isEqualTo(P9.EBADF);
  }

  @Test
  void walkErrors() throws Exception {
    assertThat(errno(() -> walk(0, 1, "missing"))).isEqualTo(P9.ENOENT);
    assertThat(walk(0, 1, "dir", "missing").qids()).hasSize(1); // partial walk
    assertThat(errno(() -> c.call(new Tclunk(1)))).isEqualTo(P9.EBADF); // newfid was not created
    assertThat(walk(0, 1, "hello.txt", "x").qids()).hasSize(1); // stops at the file
    assertThat(errno(() -> c.call(new Tclunk(1)))).isEqualTo(P9.EBADF); // partial: no newfid
    walk(0, 9, "hello.txt");
    assertThat(errno(() -> walk(9, 1, "x"))).isEqualTo(P9.ENOTDIR);
    assertThat(errno(() -> walk(77, 1))).isEqualTo(P9.EBADF);
    assertThat(errno(() -> walk(0, 1, "a/b"))).isEqualTo(P9.EINVAL);
    walk(0, 1);
    assertThat(errno(() -> walk(0, 1))).isEqualTo(P9.EEXIST);
    assertThat(walk(1, 2, "..", "..", ".", "dir").qids().get(3).path())
        .isEqualTo(Files.getAttribute(root.resolve("dir"), "unix:ino"));
  }

  @Test
  void lcreateWriteFsyncSetattr() throws Exception {
    walk(0, 1, "dir");
    Rlcreate cr = c.call(new Tlcreate(1, "new.txt", Sys.O_RDWR, 0640, 0), Rlcreate.class);
    assertThat(cr.qid().isDir()).isFalse();
    ByteBuffer data = ByteBuffer.wrap("written".getBytes(StandardCharsets.UTF_8));
    assertThat(c.call(new Twrite(1, 0, data), Rwrite.class).count()).isEqualTo(7);
    c.call(new Tfsync(1, 0), Rfsync.class);
    Path f = root.resolve("dir/new.txt");
    assertThat(Files.readString(f)).isEqualTo("written");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-r-----");
    c.call(new Tsetattr(1, P9.SETATTR_MODE | P9.SETATTR_SIZE | P9.SETATTR_MTIME | P9.SETATTR_MTIME_SET,
        0600, 0, 0, 3, 0, 0, 1_000_000, 5), Rsetattr.class);
    assertThat(Files.readString(f)).isEqualTo("wri");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
    assertThat(Files.getLastModifiedTime(f)).isEqualTo(FileTime.from(java.time.Instant.ofEpochSecond(1_000_000, 5)));
    c.call(new Tsetattr(1, P9.SETATTR_UID | P9.SETATTR_GID, 0, 4242, 4343, 0, 0, 0, 0, 0), Rsetattr.class);
    assertThat(Files.getAttribute(f, "unix:uid")).isEqualTo(4242);
    assertThat(errno(() -> c.call(new Tlcreate(0, "hello.txt", 0, 0644, 0)))).isEqualTo(P9.EEXIST);
  }

  @Test
  void readdirListsEveryEntryAcrossSmallBuffers() throws Exception {
    for (int i = 0; i < 50; i++) {
      Files.writeString(root.resolve("dir/f" + i), "");
    }
    walk(0, 1, "dir");
    c.call(new Tlopen(1, 0), Rlopen.class);
    List<String> names = new ArrayList<>();
    long off = 0;
    while (true) {
      ByteBuffer d = c.call(new Treaddir(1, off, 100), Rreaddir.class).data();
      List<Dirent> ents = Dirent.parse(d);
      if (ents.isEmpty()) {
        break;
      }
      ents.forEach(e -> names.add(e.name()));
      off = ents.get(ents.size() - 1).offset();
    }
    List<String> want = new ArrayList<>();
    try (var s = Files.list(root.resolve("dir"))) {
      s.forEach(p -> want.add(p.getFileName().toString()));
    }
    want.add(".");
    want.add("..");
    assertThat(names).containsExactlyInAnyOrderElementsOf(want);
    assertThat(errno(() -> c.call(new Treaddir(0, 0, 100)))).isEqualTo(P9.EBADF); // not open
  }

  @Test
  void dotDotInAReaddirOfTheServedRootIsTheRootItself() throws Exception {
    Qid rootQid = c.call(new Tgetattr(0, P9.GETATTR_BASIC), Rgetattr.class).qid();
    walk(0, 1);
    c.call(new Tlopen(1, 0), Rlopen.class);
    List<Dirent> ents = Dirent.parse(c.call(new Treaddir(1, 0, 8192), Rreaddir.class).data());
    assertThat(ents).filteredOn(e -> e.name().equals("..")).singleElement()
        .satisfies(e -> assertThat(e.qid().path()).as("qid of ..").isEqualTo(rootQid.path()));
    walk(0, 2, "dir");
    c.call(new Tlopen(2, 0), Rlopen.class);
    List<Dirent> below = Dirent.parse(c.call(new Treaddir(2, 0, 8192), Rreaddir.class).data());
    assertThat(below).filteredOn(e -> e.name().equals("..")).singleElement()
        .satisfies(e -> assertThat(e.qid().path()).as("below the root, .. is the parent").isEqualTo(rootQid.path()));
  }

  @Test
  void mkdirSymlinkReadlinkMknodLink() throws Exception {
    Rmkdir md = c.call(new Tmkdir(0, "made", 0750, 0), Rmkdir.class);
    assertThat(md.qid().isDir()).isTrue();
    assertThat(Files.isDirectory(root.resolve("made"))).isTrue();
    Rsymlink sl = c.call(new Tsymlink(0, "ln", "hello.txt", 0), Rsymlink.class);
    assertThat(sl.qid().type()).isEqualTo(P9.QTSYMLINK);
    walk(0, 1, "ln");
    assertThat(c.call(new Treadlink(1), Rreadlink.class).target()).isEqualTo("hello.txt");
    assertThat(errno(() -> c.call(new Tlopen(1, 0)))).isEqualTo(P9.ELOOP);
    c.call(new Tmknod(0, "fifo", Sys.S_IFIFO | 0600, 0, 0, 0), Rmknod.class);
    assertThat(Files.getAttribute(root.resolve("fifo"), "unix:mode")).isEqualTo(Sys.S_IFIFO | 0600);
    assertThat(errno(() -> c.call(new Tmknod(0, "sda", Sys.S_IFBLK | 0600, 8, 0, 0)))).isEqualTo(P9.EPERM);
    walk(0, 2, "hello.txt");
    c.call(new Tlink(0, 2, "hard"), Rlink.class);
    assertThat(Files.getAttribute(root.resolve("hard"), "unix:ino"))
        .isEqualTo(Files.getAttribute(root.resolve("hello.txt"), "unix:ino"));
  }

  @Test
  void renameRenameatUnlinkatRemove() throws Exception {
    walk(0, 1, "hello.txt");
    walk(0, 2, "dir");
    c.call(new Trename(1, 2, "moved.txt"), Rrename.class);
    assertThat(Files.readString(root.resolve("dir/moved.txt"))).startsWith("hello");
    c.call(new Tlopen(1, 0), Rlopen.class); // the fid follows its file
    assertThat(readAll(1)).isEqualTo("hello world\n");
    c.call(new Trenameat(2, "moved.txt", 0, "back.txt"), Rrenameat.class);
    assertThat(Files.exists(root.resolve("back.txt"))).isTrue();
    c.call(new Tunlinkat(0, "back.txt", 0), Runlinkat.class);
    assertThat(Files.exists(root.resolve("back.txt"))).isFalse();
    assertThat(errno(() -> c.call(new Tunlinkat(2, "sub", 0)))).isEqualTo(P9.EISDIR);
    c.call(new Tunlinkat(2, "sub", 0x200), Runlinkat.class);
    walk(0, 3, "dir", "inner.txt");
    c.call(new Tremove(3), Rremove.class);
    assertThat(Files.exists(root.resolve("dir/inner.txt"))).isFalse();
    assertThat(errno(() -> c.call(new Tclunk(3)))).isEqualTo(P9.EBADF); // remove clunked it
    walk(0, 4);
    assertThat(errno(() -> c.call(new Tremove(4)))).isEqualTo(P9.EBUSY); // never the mount root
  }

  @Test
  void trenameatMovesEveryFidWalkedToTheOldNameOnEveryConnection() throws Exception {
    int before = Node.indexed();
    NinePClient other = fx.connect();
    ServerFixture.attach(other, 0, "");
    walk(0, 1, "dir", "inner.txt");
    walk(0, 2, "dir");
    walk(0, 3, "dir", "sub");
    other.call(new Twalk(0, 1, List.of("dir", "inner.txt")), Rwalk.class);
    // As the Linux v9fs client renames: by directory fids and names, not by the file's fid.
    c.call(new Trenameat(2, "inner.txt", 3, "renamed.txt"), Rrenameat.class);
    assertThat(root.resolve("dir/sub/renamed.txt")).hasContent("inner");
    c.call(new Tlopen(1, 0), Rlopen.class);
    assertThat(readAll(1)).as("the fid follows its file").isEqualTo("inner");
    c.call(new Tsetattr(1, P9.SETATTR_MODE, 0600, 0, 0, 0, 0, 0, 0, 0), Rsetattr.class);
    assertThat(Files.getAttribute(root.resolve("dir/sub/renamed.txt"), "unix:mode")).isEqualTo(0100600);
    other.call(new Tlopen(1, 0), Rlopen.class);
    assertThat(other.call(new Tread(1, 0, 100), Rread.class).data().remaining()).as("on another connection too").isEqualTo(5);
    c.call(new Tlink(0, 1, "linked.txt"), Rlink.class);
    assertThat(root.resolve("linked.txt")).hasContent("inner");
    // A directory moves with its fids, and what is below it stays reachable.
    c.call(new Trenameat(0, "dir", 0, "dir2"), Rrenameat.class);
    c.call(new Tlcreate(3, "new.txt", 2, 0644, 0), Rlcreate.class);
    assertThat(root.resolve("dir2/sub/new.txt")).exists();
    for (int fid : new int[] {1, 2, 3}) {
      c.call(new Tclunk(fid), Rclunk.class);
    }
    other.call(new Tclunk(1), Rclunk.class);
    assertThat(Node.indexed()).as("nodes indexed by name after their fids are clunked").isEqualTo(before);
  }

  @Test
  void statfsMatchesTheHostFilesystem() throws Exception {
    Rstatfs s = c.call(new Tstatfs(0), Rstatfs.class);
    assertThat(s.bsize()).isPositive();
    assertThat(s.namelen()).isEqualTo(255);
    assertThat(s.blocks()).isEqualTo(Files.getFileStore(root).getTotalSpace() / s.bsize());
  }

  @Test
  void xattrsWalkAndCreate() throws Exception {
    walk(0, 1, "hello.txt");
    c.call(new Txattrcreate(1, "user.color", 4, 0), Rxattrcreate.class);
    c.call(new Twrite(1, 0, ByteBuffer.wrap("blue".getBytes(StandardCharsets.UTF_8))), Rwrite.class);
    c.call(new Tclunk(1), Rclunk.class); // commits
    walk(0, 2, "hello.txt");
    Rxattrwalk xw = c.call(new Txattrwalk(2, 3, "user.color"), Rxattrwalk.class);
    assertThat(xw.size()).isEqualTo(4);
    assertThat(StandardCharsets.UTF_8.decode(c.call(new Tread(3, 0, 100), Rread.class).data()).toString())
        .isEqualTo("blue");
    Rxattrwalk list = c.call(new Txattrwalk(2, 4, ""), Rxattrwalk.class);
    String names = StandardCharsets.UTF_8.decode(c.call(new Tread(4, 0, 1000), Rread.class).data()).toString();
    assertThat(list.size()).isEqualTo(names.length());
    assertThat(names).contains("user.color");
    assertThat(errno(() -> c.call(new Txattrwalk(2, 5, "user.none")))).isEqualTo(P9.ENODATA);
  }

  @Test
  void lockAndGetlockUseOpenFileDescriptionLocks() throws Exception {
    walk(0, 1, "hello.txt");
    walk(0, 2, "hello.txt");
    c.call(new Tlopen(1, Sys.O_RDWR), Rlopen.class);
    c.call(new Tlopen(2, Sys.O_RDWR), Rlopen.class);
    assertThat(c.call(new Tlock(1, P9.LOCK_TYPE_WRLCK, 0, 0, 10, 1, "a"), Rlock.class).status())
        .isEqualTo(P9.LOCK_SUCCESS);
    assertThat(c.call(new Tlock(2, P9.LOCK_TYPE_WRLCK, 0, 0, 10, 2, "b"), Rlock.class).status())
        .isEqualTo(P9.LOCK_BLOCKED);
    Rgetlock gl = c.call(new Tgetlock(2, P9.LOCK_TYPE_WRLCK, 0, 10, 2, "b"), Rgetlock.class);
    assertThat(gl.lockType()).isEqualTo(P9.LOCK_TYPE_WRLCK);
    c.call(new Tlock(1, P9.LOCK_TYPE_UNLCK, 0, 0, 10, 1, "a"), Rlock.class);
    assertThat(c.call(new Tgetlock(2, P9.LOCK_TYPE_WRLCK, 0, 10, 2, "b"), Rgetlock.class).lockType())
        .isEqualTo(P9.LOCK_TYPE_UNLCK);
  }

  @Test
  void flushIsAnsweredAfterTheOriginal() throws Exception {
    walk(0, 1, "hello.txt");
    NinePClient.Pending p = c.send(new Tgetattr(1, P9.GETATTR_ALL));
    Message fr = c.call(new Tflush(p.tag()));
    assertThat(fr).isInstanceOf(Rflush.class);
    assertThat(p.reply()).isDone(); // the original reply (if any) arrived before Rflush
    assertThat(c.call(new Tflush(4242))).isInstanceOf(Rflush.class); // unknown tag: plain Rflush
  }

  @Test
  void concurrentRequestsFromManyThreadsAndConnections() throws Exception {
    byte[] big = new byte[200_000];
    new java.util.Random(1).nextBytes(big);
    Files.write(root.resolve("big"), big);
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int conn = 0; conn < 3; conn++) {
      NinePClient cc = fx.connect(8192);
      ServerFixture.attach(cc, 0, "");
      for (int t = 0; t < 4; t++) {
        int fid = 10 + t;
        all.add(CompletableFuture.runAsync(() -> {
          try {
            cc.call(new Twalk(0, fid, List.of("big")), Rwalk.class);
            cc.call(new Tlopen(fid, 0), Rlopen.class);
            byte[] got = new byte[big.length];
            List<NinePClient.Pending> reads = new ArrayList<>();
            int chunk = cc.iounit();
            for (int off = 0; off < big.length; off += chunk) {
              reads.add(cc.send(new Tread(fid, off, chunk)));
            }
            int off = 0;
            for (NinePClient.Pending p : reads) {
              ByteBuffer d = ((Rread) NinePClient.await(p.reply(), null)).data();
              d.get(got, off, d.remaining());
              off += chunk;
            }
            assertThat(got).isEqualTo(big);
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        }));
      }
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get();
  }

  @Test
  void badFidsAndClosedFidsAreEbadf() {
    for (Message m : List.of(new Tgetattr(99, 1), new Tlopen(99, 0), new Tread(99, 0, 1),
        new Twrite(99, 0, ByteBuffer.allocate(1)), new Tstatfs(99), new Treadlink(99), new Tfsync(99, 0),
        new Tmkdir(99, "x", 0755, 0), new Tsetattr(99, 0, 0, 0, 0, 0, 0, 0, 0, 0))) {
      assertThat(errno(() -> c.call(m))).as(m.toString()).isEqualTo(P9.EBADF);
    }
    assertThat(errno(() -> c.call(new Tread(0, 0, 1)))).isEqualTo(P9.EBADF); // not open
  }

  static Map<String, Long> inodes(Path dir) throws Exception {
    try (var s = Files.list(dir)) {
      return s.collect(Collectors.toMap(p -> p.getFileName().toString(), p -> {
        try {
          return (Long) Files.getAttribute(p, "unix:ino");
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      }));
    }
  }
}
