package io.burrow.linux.sys;



import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bindings jnr-posix lacks, called for real (needs root); openat2 through {@link Sys}, the one
 * place it is bound. Namespace changes happen on a
 * dedicated thread: unshare(CLONE_NEWNS) moves only that thread, so the JVM's other threads and
 * the host never see the mounts.
 */
class LibCTest {
  private static final int CLONE_NEWNS = 0x00020000;
  private static final long MS_REC = 16384, MS_PRIVATE = 1 << 18;
  private static final int MNT_DETACH = 2;
  private static final int PR_GET_NO_NEW_PRIVS = 39, PR_SET_NO_NEW_PRIVS = 38;
  private static final long RESOLVE_BENEATH = 0x08;
  private static final int EXDEV = 18;

  private static final ExecutorService NS_THREAD = Executors.newSingleThreadExecutor();

  @TempDir Path dir;

  @AfterAll
  static void stop() {
    NS_THREAD.shutdownNow();
  }

  private static <T> T onOwnThread(Callable<T> work) throws Exception {
    // A fresh thread each time, so a namespace change never outlives the test that made it.
    ExecutorService once = Executors.newSingleThreadExecutor();
    try {
      return once.submit(work).get();
    } finally {
      once.shutdownNow();
    }
  }

  private static String mountinfo() throws Exception {
    return Files.readString(Path.of("/proc/thread-self/mountinfo"));
  }

  @Test
  void unshareMountUmountAndSetnsBack() throws Exception {
    Path target = Files.createDirectory(dir.resolve("t"));
    String hostNs = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString();
    int hostNsFd = Native.posix().open("/proc/self/ns/mnt", Native.O_RDONLY | Native.O_CLOEXEC, 0);
    try {
      String seen = onOwnThread(() -> {
        LibC libc = Native.libc();
        assertThat(libc.unshare(CLONE_NEWNS)).as(Native.error("unshare")).isZero();
        assertThat(libc.mount("", "/", "", MS_REC | MS_PRIVATE, "")).as(Native.error("make private")).isZero();
        assertThat(libc.mount("tmpfs", target.toString(), "tmpfs", 0, "size=1m")).as(Native.error("mount")).isZero();
        String inside = mountinfo();
        assertThat(Files.readSymbolicLink(Path.of("/proc/thread-self/ns/mnt")).toString()).isNotEqualTo(hostNs);
        assertThat(libc.umount2(target.toString(), MNT_DETACH)).as(Native.error("umount2")).isZero();
        assertThat(mountinfo()).doesNotContain(" " + target + " ");
        assertThat(libc.setns(hostNsFd, CLONE_NEWNS)).as(Native.error("setns")).isZero();
        assertThat(Files.readSymbolicLink(Path.of("/proc/thread-self/ns/mnt")).toString()).isEqualTo(hostNs);
        return inside;
      });
      assertThat(seen).contains(" " + target + " ");
      assertThat(mountinfo()).doesNotContain(" " + target + " ");
    } finally {
      Native.libc().close(hostNsFd);
    }
  }

  @Test
  void pivotRootMovesOnlyTheThreadsMountNamespace() throws Exception {
    Path newRoot = Files.createDirectory(dir.resolve("newroot"));
    String rootAfter = onOwnThread(() -> {
      LibC libc = Native.libc();
      assertThat(libc.unshare(CLONE_NEWNS)).isZero();
      assertThat(libc.mount("", "/", "", MS_REC | MS_PRIVATE, "")).isZero();
      assertThat(libc.mount("tmpfs", newRoot.toString(), "tmpfs", 0, "size=1m")).isZero();
      Files.writeString(newRoot.resolve("marker"), "inside");
      Files.createDirectory(newRoot.resolve("old"));
      assertThat(libc.syscall(Native.SYS_PIVOT_ROOT, newRoot.toString(), newRoot.resolve("old").toString()))
          .as(Native.error("pivot_root")).isZero();
      assertThat(libc.chdir(Sys.cstr("/"))).isZero();
      String marker = Files.readString(Path.of("/marker"));
      assertThat(libc.umount2("/old", MNT_DETACH)).isZero();
      return marker;
    });
    assertThat(rootAfter).isEqualTo("inside");
    assertThat(Path.of("/marker")).doesNotExist();
    assertThat(mountinfo()).doesNotContain(newRoot.toString());
  }

  @Test
  void openat2ResolveBeneathRefusesEscapes() throws Exception {
    Path base = Files.createDirectory(dir.resolve("base"));
    Files.writeString(base.resolve("inside"), "x");
    Files.createSymbolicLink(base.resolve("up"), Path.of(".."));
    int dirfd = Native.posix().open(base.toString(), Native.O_RDONLY | Native.O_CLOEXEC, 0);
    try {
      assertThat(openBeneath(dirfd, "inside")).isGreaterThanOrEqualTo(0);
      assertThat(openBeneath(dirfd, "../etc")).isEqualTo(-EXDEV);
      assertThat(openBeneath(dirfd, "up/x")).isEqualTo(-EXDEV);
    } finally {
      Native.libc().close(dirfd);
    }
  }

  /** The fd, or -errno. */
  private static long openBeneath(int dirfd, String path) {
    try {
      int fd = Sys.openat2(dirfd, path, Sys.O_RDONLY, 0, RESOLVE_BENEATH);
      Sys.close(fd);
      return fd;
    } catch (Errno e) {
      return -e.errno();
    }
  }

  @Test
  void prctlNoNewPrivsIsPerThread() throws Exception {
    int onThread = onOwnThread(() -> {
      assertThat(Native.libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)).isZero();
      return Native.libc().prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    });
    assertThat(onThread).isEqualTo(1);
  }
}
