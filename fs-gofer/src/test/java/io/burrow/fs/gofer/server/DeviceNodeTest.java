package io.burrow.fs.gofer.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.burrow.linux.sys.Native;
import io.burrow.linux.sys.Sys;
import io.burrow.p9.Message;
import io.burrow.p9.Message.*;
import io.burrow.p9.P9;
import io.burrow.p9.P9Error;
import io.burrow.p9.client.NinePClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Device nodes through the real server: a container allowed to make them (CAP_MKNOD, no user
 * namespace) can create, stat, chown, rename and unlink block and character devices like any
 * file; none allowed otherwise; and the gofer never opens one that is not a memory device, not
 * through Tlopen, a truncate or an xattr call, and not when the host swaps a device node in under
 * the name of a file a fid was walked to.
 */
class DeviceNodeTest {
  /** /dev/mem and the first loop device: opening either is what the gofer must never do. */
  static final int MEM_MAJOR = 1, MEM_MINOR = 1, LOOP_MAJOR = 7;
  @TempDir Path tmp;
  Path root;
  ServerFixture fx;
  NinePClient c;

  @BeforeEach
  void needRoot() {
    assumeTrue(Native.posix().getuid() == 0, "making device nodes needs root");
  }

  void serve(boolean deviceNodes) throws Exception {
    root = Files.createDirectories(tmp.resolve("root"));
    fx = new ServerFixture(root, false, deviceNodes);
    c = fx.connect();
    ServerFixture.attach(c, 0, "");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (fx != null) {
      fx.close();
    }
    assertNoDeviceOpen();
  }

  private int errno(Message m) throws Exception {
    try {
      Message r = c.call(m);
      throw new AssertionError("should have been refused: " + m + " -> " + r);
    } catch (P9Error e) {
      return e.errno();
    }
  }

  private void walk(int fid, int newfid, String... names) throws Exception {
    c.call(new Twalk(fid, newfid, List.of(names)), Rwalk.class);
  }

  @Test
  void withoutPermissionNoDeviceCanBeMade() throws Exception {
    serve(false);
    assertThat(errno(new Tmknod(0, "loop", Sys.S_IFBLK | 0600, LOOP_MAJOR, 0, 0))).isEqualTo(P9.EPERM);
    assertThat(errno(new Tmknod(0, "mem", Sys.S_IFCHR | 0600, MEM_MAJOR, MEM_MINOR, 0))).isEqualTo(P9.EPERM);
    assertThat(errno(new Tmknod(0, "null", Sys.S_IFCHR | 0666, 1, 3, 0))).isEqualTo(P9.EPERM);
    c.call(new Tmknod(0, "fifo", Sys.S_IFIFO | 0600, 0, 0, 0), Rmknod.class);
    try (var s = Files.list(root)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("fifo");
    }
  }

  @Test
  void devicesAreMadeStattedChownedRenamedAndUnlinkedLikeAnyFile() throws Exception {
    serve(true);
    Rmknod b = c.call(new Tmknod(0, "loop", Sys.S_IFBLK | 0640, LOOP_MAJOR, 0, 0), Rmknod.class);
    c.call(new Tmknod(0, "mem", Sys.S_IFCHR | 0600, MEM_MAJOR, MEM_MINOR, 0), Rmknod.class);
    Sys.Stat host = Sys.statx(Sys.AT_FDCWD, root.resolve("loop").toString(), Sys.AT_SYMLINK_NOFOLLOW);
    assertThat(host.fileType()).isEqualTo(Sys.S_IFBLK);
    assertThat(host.mode() & 07777).isEqualTo(0640);
    assertThat(host.rdevMajor()).isEqualTo(LOOP_MAJOR);
    assertThat(b.qid().path()).isEqualTo(host.ino());

    walk(0, 1, "loop");
    Rgetattr a = c.call(new Tgetattr(1, P9.GETATTR_BASIC), Rgetattr.class);
    assertThat(a.mode()).isEqualTo(Sys.S_IFBLK | 0640);
    assertThat(a.rdev()).isEqualTo(host.rdev());
    c.call(new Tsetattr(1, P9.SETATTR_UID | P9.SETATTR_GID, 0, 1000, 1000, 0, 0, 0, 0, 0), Rsetattr.class);
    c.call(new Tsetattr(1, P9.SETATTR_MODE, 0604, 0, 0, 0, 0, 0, 0, 0), Rsetattr.class);
    c.call(new Tsetattr(1, P9.SETATTR_MTIME | P9.SETATTR_MTIME_SET, 0, 0, 0, 0, 0, 0, 12345, 0), Rsetattr.class);
    host = Sys.statx(Sys.AT_FDCWD, root.resolve("loop").toString(), Sys.AT_SYMLINK_NOFOLLOW);
    assertThat(List.of(host.uid(), host.gid(), host.mode() & 07777)).containsExactly(1000, 1000, 0604);
    assertThat(host.mtimeSec()).isEqualTo(12345);

    c.call(new Trenameat(0, "loop", 0, "loop-moved"), Rrenameat.class);
    assertThat(c.call(new Tgetattr(1, P9.GETATTR_BASIC), Rgetattr.class).rdev()).isEqualTo(host.rdev());
    c.call(new Tlink(0, 1, "loop-link"), Rlink.class);
    assertThat(Sys.statx(Sys.AT_FDCWD, root.resolve("loop-moved").toString(), Sys.AT_SYMLINK_NOFOLLOW).nlink())
        .isEqualTo(2);
    c.call(new Tunlinkat(0, "loop-moved", 0), Runlinkat.class);
    c.call(new Tunlinkat(0, "loop-link", 0), Runlinkat.class);
    c.call(new Tunlinkat(0, "mem", 0), Runlinkat.class);
    try (var s = Files.list(root)) {
      assertThat(s.count()).isZero();
    }
  }

  @Test
  void noDeviceIsOpenedButTheMemoryDevices() throws Exception {
    serve(true);
    c.call(new Tmknod(0, "mem", Sys.S_IFCHR | 0666, MEM_MAJOR, MEM_MINOR, 0), Rmknod.class);
    c.call(new Tmknod(0, "loop", Sys.S_IFBLK | 0666, LOOP_MAJOR, 0, 0), Rmknod.class);
    c.call(new Tmknod(0, "zero", Sys.S_IFCHR | 0666, 1, 5, 0), Rmknod.class);
    int fid = 1;
    for (String name : List.of("mem", "loop")) {
      walk(0, fid, name);
      for (int flags : new int[] {0, 1, 2, 04000}) {
        assertThat(errno(new Tlopen(fid, flags))).as("%s flags %o", name, flags).isEqualTo(P9.EPERM);
      }
      assertThat(errno(new Tsetattr(fid, P9.SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0))).isEqualTo(P9.EPERM);
      assertThat(errno(new Txattrwalk(fid, 50, "user.x"))).isIn(P9.EOPNOTSUPP, P9.EPERM);
      fid++;
    }
    walk(0, fid, "zero");
    c.call(new Tlopen(fid, 0), Rlopen.class);
    ByteBuffer z = c.call(new Tread(fid, 0, 8), Rread.class).data();
    assertThat(z.remaining()).isEqualTo(8);
  }

  @Test
  void aDeviceSwappedInUnderAWalkedNameIsNeverOpened() throws Exception {
    serve(true);
    Path f = Files.writeString(root.resolve("f"), "original");
    walk(0, 1, "f");
    // The host (or another container sharing the directory) swaps a device in under the name.
    Files.move(f, root.resolve("f.old"));
    Sys.mknodat(Sys.AT_FDCWD, f.toString(), Sys.S_IFCHR | 0666, MEM_MAJOR, MEM_MINOR);
    // A truncate and an open of the fid reach the file it was walked to, never the device.
    c.call(new Tsetattr(1, P9.SETATTR_SIZE, 0, 0, 0, 3, 0, 0, 0, 0), Rsetattr.class);
    c.call(new Tlopen(1, 0), Rlopen.class);
    ByteBuffer d = c.call(new Tread(1, 0, 100), Rread.class).data();
    assertThat(StandardCharsets.UTF_8.decode(d).toString()).isEqualTo("ori");
    assertThat(Files.readString(root.resolve("f.old"))).isEqualTo("ori");
    walk(0, 2, "f");
    assertThat(errno(new Tlopen(2, 0))).isEqualTo(P9.EPERM);
  }

  /** Neither the server nor anything else in this process holds a non-memory device open. */
  private static void assertNoDeviceOpen() throws Exception {
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        try {
          Sys.Stat s = Sys.statx(Sys.AT_FDCWD, fd.toString(), 0);
          boolean device = s.fileType() == Sys.S_IFCHR || s.fileType() == Sys.S_IFBLK;
          if (device && s.rdevMajor() == MEM_MAJOR && s.rdevMinor() == MEM_MINOR) {
            throw new AssertionError("fd " + fd + " is /dev/mem");
          }
          if (device && s.rdevMajor() == LOOP_MAJOR) {
            throw new AssertionError("fd " + fd + " is a loop device");
          }
        } catch (io.burrow.linux.sys.Errno e) {
          // closed while listing
        }
      }
    }
  }
}
