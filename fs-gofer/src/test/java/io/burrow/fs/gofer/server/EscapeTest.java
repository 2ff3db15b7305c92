package io.burrow.fs.gofer.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.burrow.p9.client.NinePClient;
import io.burrow.p9.Message;
import io.burrow.p9.Message.*;
import io.burrow.p9.P9;
import io.burrow.p9.P9Error;
import io.burrow.linux.sys.Sys;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attempts to reach a file outside the served root through the real server: "..", absolute and
 * relative symlinks, /proc magic links, slashes in names, operations on symlinks whose effect
 * would land on their target, and a directory/symlink swap race. Every attempt must fail or stay
 * inside; the outside file's content, mode, size and times must never change or be read.
 */
class EscapeTest {
  static final String SECRET = "TOP-SECRET";
  @TempDir Path tmp;
  Path root;
  Path outside;
  Path secret;
  ServerFixture fx;
  NinePClient c;
  long rootIno;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createDirectories(tmp.resolve("root"));
    outside = Files.createDirectories(tmp.resolve("outside"));
    secret = Files.writeString(outside.resolve("secret.txt"), SECRET);
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
    Files.setLastModifiedTime(secret, java.nio.file.attribute.FileTime.fromMillis(1_000_000_000L));
    Files.writeString(root.resolve("inside.txt"), "inside");
    Files.createDirectories(root.resolve("dir"));
    Files.createSymbolicLink(root.resolve("abs"), secret);
    Files.createSymbolicLink(root.resolve("absdir"), outside);
    Files.createSymbolicLink(root.resolve("rel"), Path.of("../outside/secret.txt"));
    Files.createSymbolicLink(root.resolve("reldir"), Path.of("../outside"));
    Files.createSymbolicLink(root.resolve("dir/deep"), Path.of("../../outside"));
    Files.createSymbolicLink(root.resolve("procroot"), Path.of("/proc/self/root"));
    Files.createSymbolicLink(root.resolve("proccwd"), Path.of("/proc/self/cwd"));
    Files.createSymbolicLink(root.resolve("procfd"), Path.of("/proc/self/fd"));
    Files.createSymbolicLink(root.resolve("procfd3"), Path.of("/proc/self/fd/3"));
    Files.createSymbolicLink(root.resolve("dangling"), outside.resolve("created-by-escape"));
    fx = new ServerFixture(root, false);
    c = fx.connect();
    ServerFixture.attach(c, 0, "");
    rootIno = (Long) Files.getAttribute(root, "unix:ino");
  }

  @AfterEach
  void tearDown() throws Exception {
    fx.close();
    assertThat(Files.readString(secret)).isEqualTo(SECRET);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).isEqualTo("rw-r--r--");
    assertThat(Files.getLastModifiedTime(secret).toMillis()).isEqualTo(1_000_000_000L);
    assertThat(Files.getAttribute(secret, "unix:uid")).isEqualTo(0);
    try (var s = Files.list(outside)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("secret.txt");
    }
  }

  /** Attempts made and refused over the whole class, for the report. */
  private static final java.util.concurrent.atomic.AtomicInteger REFUSED = new java.util.concurrent.atomic.AtomicInteger();

  @org.junit.jupiter.api.AfterAll
  static void report() {
    System.out.println("EscapeTest: " + REFUSED.get() + " escape attempts made, all refused");
  }

  private int errno(Message m) throws Exception {
    REFUSED.incrementAndGet(); // counted as refused: the test fails if it is not
    try {
      Message r = c.call(m);
      throw new AssertionError("escape attempt succeeded: " + m + " -> " + r);
    } catch (P9Error e) {
      return e.errno();
    }
  }

  private Rwalk walk(int fid, int newfid, String... names) throws Exception {
    return c.call(new Twalk(fid, newfid, List.of(names)), Rwalk.class);
  }

  private void assertNeverReadable(int fid) throws Exception {
    REFUSED.incrementAndGet();
    try {
      c.call(new Tlopen(fid, 0), Rlopen.class);
    } catch (P9Error e) {
      return;
    }
    ByteBuffer d = c.call(new Tread(fid, 0, 100), Rread.class).data();
    assertThat(StandardCharsets.UTF_8.decode(d).toString()).doesNotContain(SECRET);
  }

  @Test
  void dotDotStaysAtTheRoot() throws Exception {
    Rwalk w = walk(0, 1, "..", "..", "..", "..");
    assertThat(w.qids()).allSatisfy(q -> assertThat(q.path()).isEqualTo(rootIno));
    assertThat(errno(new Twalk(1, 2, List.of("outside")))).isEqualTo(P9.ENOENT);
    walk(0, 3, "dir", "..", "..");
    assertThat(c.call(new Tgetattr(3, 1), Rgetattr.class).qid().path()).isEqualTo(rootIno);
  }

  @Test
  void namesWithSlashesAreRejectedEverywhere() throws Exception {
    for (Message m : List.of(new Twalk(0, 1, List.of("../outside")), new Twalk(0, 1, List.of("/etc")),
        new Twalk(0, 1, List.of("dir/../../outside")), new Tlcreate(0, "../outside/x", 0, 0644, 0),
        new Tmkdir(0, "../outside/d", 0755, 0), new Tsymlink(0, "../outside/l", "x", 0),
        new Tmknod(0, "../outside/f", Sys.S_IFIFO | 0644, 0, 0, 0), new Tunlinkat(0, "../outside/secret.txt", 0),
        new Tunlinkat(0, "..", 0x200), new Trenameat(0, "inside.txt", 0, "../outside/x"),
        new Trenameat(0, "../outside/secret.txt", 0, "stolen"), new Tlink(0, 0, "../x"))) {
      assertThat(errno(m)).as(m.toString()).isEqualTo(P9.EINVAL);
    }
  }

  @Test
  void attachAnameCannotLeave() throws Exception {
    assertThat(errno(new Tattach(5, P9.NOFID, "", "../outside", 0))).isEqualTo(P9.ENOENT);
    assertThat(errno(new Tattach(5, P9.NOFID, "", "absdir/secret.txt", 0))).isEqualTo(P9.ENOTDIR);
    assertThat(errno(new Tattach(5, P9.NOFID, "", "/reldir/secret.txt", 0))).isEqualTo(P9.ENOTDIR);
    assertThat(errno(new Tattach(5, P9.NOFID, "", "procroot/etc", 0))).isEqualTo(P9.ENOTDIR);
  }

  @Test
  void symlinksAreNeverFollowedByWalks() throws Exception {
    for (String link : List.of("absdir", "reldir", "procroot", "proccwd", "procfd")) {
      walk(0, 1, link);
      assertThat(errno(new Twalk(1, 2, List.of("secret.txt")))).as(link).isEqualTo(P9.ENOTDIR);
      assertThat(errno(new Twalk(1, 2, List.of("etc")))).as(link).isEqualTo(P9.ENOTDIR);
      c.call(new Tclunk(1));
    }
    walk(0, 1, "dir", "deep");
    assertThat(errno(new Twalk(1, 2, List.of("secret.txt")))).isEqualTo(P9.ENOTDIR);
  }

  @Test
  void symlinksAreNeverOpenedOrReadThrough() throws Exception {
    for (String link : List.of("abs", "rel", "dangling", "procroot", "absdir", "procfd3")) {
      walk(0, 1, link);
      assertThat(errno(new Tlopen(1, 0))).as(link).isEqualTo(P9.ELOOP);
      assertThat(errno(new Tlopen(1, Sys.O_RDWR | 01000))).as(link).isEqualTo(P9.ELOOP);
      assertThat(c.call(new Tgetattr(1, P9.GETATTR_ALL), Rgetattr.class).mode() & Sys.S_IFMT)
          .as("getattr of the link itself").isEqualTo(Sys.S_IFLNK);
      assertThat(errno(new Txattrwalk(1, 2, ""))).isEqualTo(P9.EOPNOTSUPP);
      c.call(new Tclunk(1));
    }
  }

  @Test
  void creatingThroughADanglingSymlinkFails() throws Exception {
    walk(0, 1);
    assertThat(errno(new Tlcreate(1, "dangling", Sys.O_RDWR, 0644, 0))).isEqualTo(P9.EEXIST);
    assertThat(errno(new Tmkdir(0, "dangling", 0755, 0))).isEqualTo(P9.EEXIST);
  }

  @Test
  void attributeChangesOnSymlinksStayOnTheLink() throws Exception {
    walk(0, 1, "abs");
    assertThat(errno(new Tsetattr(1, P9.SETATTR_MODE, 0777, 0, 0, 0, 0, 0, 0, 0))).isEqualTo(P9.EOPNOTSUPP);
    assertThat(errno(new Tsetattr(1, P9.SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0))).isEqualTo(P9.ELOOP);
    // times and owner apply to the link itself (AT_SYMLINK_NOFOLLOW); the target is untouched
    c.call(new Tsetattr(1, P9.SETATTR_MTIME | P9.SETATTR_MTIME_SET, 0, 0, 0, 0, 0, 0, 5, 0), Rsetattr.class);
    c.call(new Tsetattr(1, P9.SETATTR_UID, 0, 4242, 0, 0, 0, 0, 0, 0), Rsetattr.class);
    assertThat(Files.getAttribute(root.resolve("abs"), "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS))
        .isEqualTo(4242);
  }

  @Test
  void hardLinkOfASymlinkLinksTheSymlink() throws Exception {
    walk(0, 1, "abs");
    c.call(new Tlink(0, 1, "hard"), Rlink.class);
    assertThat(Files.isSymbolicLink(root.resolve("hard"))).isTrue();
    walk(0, 2, "hard");
    assertNeverReadable(2);
  }

  @Test
  void overLongNamesAreRefusedAndTheLongestWorks() throws Exception {
    String longest = "n".repeat(255), tooLong = "n".repeat(256);
    walk(0, 1);
    c.call(new Tlcreate(1, longest, Sys.O_RDWR, 0644, 0), Rlcreate.class);
    walk(0, 2, longest);
    for (Message m : List.of(new Twalk(0, 3, List.of(tooLong)), new Tmkdir(0, tooLong, 0755, 0),
        new Tsymlink(0, tooLong, "x", 0), new Tmknod(0, tooLong, Sys.S_IFIFO | 0644, 0, 0, 0),
        new Trenameat(0, longest, 0, tooLong), new Tlink(0, 2, tooLong), new Tunlinkat(0, tooLong, 0))) {
      assertThat(errno(m)).as(m.toString().substring(0, 40)).isEqualTo(P9.ENAMETOOLONG);
    }
    walk(0, 4);
    assertThat(errno(new Tlcreate(4, tooLong, Sys.O_RDWR, 0644, 0))).isEqualTo(P9.ENAMETOOLONG);
  }

  @Test
  void aClunkedFidIsGoneAndAFidInUseIsNeverReplaced() throws Exception {
    walk(0, 1, "inside.txt");
    c.call(new Tclunk(1));
    for (Message m : List.of(new Tlopen(1, 0), new Tgetattr(1, P9.GETATTR_ALL), new Twalk(1, 2, List.of()),
        new Tread(1, 0, 10), new Tclunk(1))) {
      assertThat(errno(m)).as(m.toString()).isEqualTo(P9.EBADF);
    }
    // A walk onto a fid in use fails and leaves that fid as it was.
    walk(0, 3, "dir");
    walk(0, 4, "inside.txt");
    assertThat(errno(new Twalk(4, 3, List.of()))).isEqualTo(P9.EEXIST);
    assertThat(c.call(new Tgetattr(3, P9.GETATTR_ALL), Rgetattr.class).mode() & Sys.S_IFMT).isEqualTo(Sys.S_IFDIR);
    // The root fid clunked: the session holds nothing, and a walk from it fails.
    c.call(new Tclunk(0));
    assertThat(errno(new Twalk(0, 5, List.of("inside.txt")))).isEqualTo(P9.EBADF);
  }

  @Test
  void renameOfAFidCannotTargetOutside() throws Exception {
    walk(0, 1, "inside.txt");
    walk(0, 2, "absdir");
    assertThat(errno(new Trename(1, 2, "moved"))).isEqualTo(P9.ENOTDIR);
    walk(0, 3, "dir");
    assertThat(errno(new Trenameat(3, "deep", 2, "x"))).isEqualTo(P9.ENOTDIR);
  }

  @Test
  void deviceNodesAreNotServed() throws Exception {
    Sys.mknodat(Sys.AT_FDCWD, root.resolve("mem").toString(), Sys.S_IFCHR | 0600, 1, 1);
    Sys.mknodat(Sys.AT_FDCWD, root.resolve("zero").toString(), Sys.S_IFCHR | 0600, 1, 5);
    walk(0, 1, "mem");
    assertThat(errno(new Tlopen(1, 0))).isEqualTo(P9.EPERM);
    walk(0, 2, "zero");
    c.call(new Tlopen(2, 0), Rlopen.class); // memory devices are harmless
    assertThat(errno(new Tmknod(0, "sda", Sys.S_IFBLK | 0600, 8, 0, 0))).isEqualTo(P9.EPERM);
    assertThat(errno(new Tmknod(0, "kmem", Sys.S_IFCHR | 0600, 1, 2, 0))).isEqualTo(P9.EPERM);
  }

  @Test
  void symlinkTargetsAreStoredNotFollowed() throws Exception {
    c.call(new Tsymlink(0, "mine", secret.toString(), 0), Rsymlink.class);
    walk(0, 1, "mine");
    assertThat(c.call(new Treadlink(1), Rreadlink.class).target()).isEqualTo(secret.toString());
    assertNeverReadable(1);
  }

  @Test
  void directorySwappedForASymlinkBetweenRequests() throws Exception {
    Path race = Files.createDirectories(root.resolve("race"));
    Path d = Files.createDirectories(race.resolve("d"));
    Files.writeString(d.resolve("secret.txt"), "decoy");
    Path held = race.resolve("d.held");
    Path link = race.resolve("link");
    Files.createSymbolicLink(link, outside);
    walk(0, 1, "race", "d"); // a fid pinned on the real directory before any swap
    AtomicBoolean stop = new AtomicBoolean();
    Thread attacker = new Thread(() -> {
      int i = 0;
      while (!stop.get() && i++ < 200_000) {
        try {
          Files.move(d, held, StandardCopyOption.ATOMIC_MOVE);
          Files.move(link, d, StandardCopyOption.ATOMIC_MOVE); // d is now a symlink to outside
          Files.move(d, link, StandardCopyOption.ATOMIC_MOVE);
          Files.move(held, d, StandardCopyOption.ATOMIC_MOVE);
        } catch (Exception e) {
          // a move may race the client; the next iteration restores
        }
      }
    });
    attacker.start();
    int reads = 0;
    try {
      for (int i = 0; i < 1500; i++) {
        int fid = 100 + (i % 50);
        try {
          walk(0, fid, "race", "d", "secret.txt");
          try {
            c.call(new Tlopen(fid, 0), Rlopen.class);
            String got = StandardCharsets.UTF_8.decode(c.call(new Tread(fid, 0, 100), Rread.class).data()).toString();
            assertThat(got).isEqualTo("decoy");
            reads++;
          } catch (P9Error e) {
            // fine: refused or raced
          }
        } catch (P9Error e) {
          assertThat(e.errno()).isIn(P9.ENOENT, P9.ENOTDIR, P9.ELOOP, P9.EXDEV, P9.EAGAIN, P9.ESTALE);
        }
        try {
          c.call(new Tclunk(fid));
        } catch (P9Error e) {
          // the walk did not create it
        }
        // the pinned fid keeps naming the real directory whatever its name is now
        try {
          walk(1, 99, "secret.txt");
          c.call(new Tlopen(99, 0), Rlopen.class);
          assertThat(StandardCharsets.UTF_8.decode(c.call(new Tread(99, 0, 100), Rread.class).data()).toString())
              .isEqualTo("decoy");
          c.call(new Tclunk(99));
        } catch (P9Error e) {
          assertThat(e.errno()).isIn(P9.ENOENT, P9.ESTALE);
          try {
            c.call(new Tclunk(99));
          } catch (P9Error ignored) {
            // not created
          }
        }
      }
    } finally {
      stop.set(true);
      attacker.join();
    }
    assertThat(reads).as("the race loop did real reads").isPositive();
  }
}
