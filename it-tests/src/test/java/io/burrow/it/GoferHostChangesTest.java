package io.burrow.it;

import static io.burrow.it.GoferSupport.gofer;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Changes made on the host to a running gofer-mode container's rootfs, as {@code docker cp} makes
 * them, reach the container although the root's FUSE mount caches: a name the container looked for
 * and did not find must not stay missing.
 */
@ExtendWith(BurrowExtension.class)
class GoferHostChangesTest {
  /**
   * How long the container polls after the host made the files: far above the 1 s for which a
   * missing name may be cached, so a loaded machine does not fail the test, and below the 60 s
   * of the root's entry timeout, so a miss cached as long as a hit does fail it.
   */
  private static final int POLL_SECONDS = 45;

  @Test
  void aFileCreatedOnTheHostAppearsToAContainerPollingForIt(TestEnv env) throws Exception {
    Bundle b = env.bundle().shell(
        // Looks the names up (and misses) before saying it polls, so the misses are in the caches.
        "[ -f /etc/arrived ]; [ -f /newdir/arrived ]; echo polling > /polling; "
            + "i=0; while [ $i -lt " + POLL_SECONDS * 10 + " ]; do "
            + "if [ -f /etc/arrived ] && [ -f /newdir/arrived ]; then echo \"seen $(cat /etc/arrived /newdir/arrived)\" > /result; exit 0; fi; "
            + "sleep 0.1; i=$((i+1)); done; echo not-seen > /result; exit 1");
    Burrow burrow = gofer(env);
    TestEnv.Container c = createWith(env, burrow, b, "hostcp");
    burrow.run("start", c.id()).ok();
    Path rootfs = b.rootfs();
    assertThat(Host.eventually(Duration.ofSeconds(120), () -> Files.exists(rootfs.resolve("polling"))))
        .as("the container started polling").isTrue();

    // What docker cp does: files written straight into the rootfs on the host.
    Files.writeString(rootfs.resolve("etc/arrived"), "one");
    Files.createDirectories(rootfs.resolve("newdir"));
    Files.writeString(rootfs.resolve("newdir/arrived"), "two");

    assertThat(Host.eventually(Duration.ofSeconds(POLL_SECONDS + 30), () -> Files.exists(rootfs.resolve("result"))))
        .as("the container's loop ended").isTrue();
    assertThat(rootfs.resolve("result")).hasContent("seen onetwo");
    env.awaitStatus(c.id(), "stopped");
    burrow.run("delete", c.id()).ok();
  }

  /**
   * Every kind of change the host makes to files the container holds in its caches (60 s for the
   * root) reaches it through the gofer's change reports: new contents of a file it has read, a new
   * name in a directory it has listed, a rename, a removal, a mode change. Each must be seen far
   * sooner than any cache would expire; the latencies are printed.
   */
  @Test
  void hostChangesToCachedFilesAreSeenAtOnce(TestEnv env) throws Exception {
    Bundle b = env.bundle().shell("while true; do "
        + "v=\"$(cat /watch/data) $(ls /watch | tr '\\n' ,) $(stat -c %a /watch/data)\"; "
        + "[ \"$v\" = \"$last\" ] || { echo \"$v\" > /view.tmp; mv /view.tmp /view; last=\"$v\"; }; "
        + "sleep 0.05; done");
    Path rootfs = b.rootfs();
    Path watch = Files.createDirectories(rootfs.resolve("watch"));
    Files.writeString(watch.resolve("data"), "aaaa");
    Files.setPosixFilePermissions(watch.resolve("data"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    Burrow burrow = gofer(env);
    TestEnv.Container c = createWith(env, burrow, b, "hostchg");
    burrow.run("start", c.id()).ok();
    awaitView(rootfs, "aaaa data, 644", Duration.ofSeconds(60));

    java.util.List<String> latencies = new java.util.ArrayList<>();
    latencies.add("write " + change(rootfs, "bbbb data, 644", () -> Files.writeString(watch.resolve("data"), "bbbb")));
    latencies.add("create " + change(rootfs, "bbbb data,new, 644", () -> Files.writeString(watch.resolve("new"), "n")));
    latencies.add("rename " + change(rootfs, "bbbb data,renamed, 644",
        () -> Files.move(watch.resolve("new"), watch.resolve("renamed"))));
    latencies.add("delete " + change(rootfs, "bbbb data, 644", () -> Files.delete(watch.resolve("renamed"))));
    latencies.add("chmod " + change(rootfs, "bbbb data, 600", () -> Files.setPosixFilePermissions(watch.resolve("data"),
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))));
    System.out.println("host change -> seen in the container (ms, 50 ms polling): " + latencies);
    burrow.run("delete", "--force", c.id()).ok();
  }

  /** Upper bound for a change to be seen: well under the 10 s a miss and the 60 s a hit are cached. */
  private static final Duration SEEN_WITHIN = Duration.ofSeconds(5);

  private interface HostChange {
    void make() throws Exception;
  }

  /** Makes the change and returns after how many ms the container's view showed {@code expected}. */
  private static long change(Path rootfs, String expected, HostChange change) throws Exception {
    long start = System.nanoTime();
    change.make();
    awaitView(rootfs, expected, SEEN_WITHIN);
    return (System.nanoTime() - start) / 1_000_000;
  }

  private static void awaitView(Path rootfs, String expected, Duration within) {
    String[] last = {""};
    boolean seen = Host.eventually(within, () -> {
      try {
        last[0] = Files.readString(rootfs.resolve("view")).trim();
      } catch (java.io.IOException e) {
        return false;
      }
      return last[0].equals(expected);
    });
    assertThat(seen).as("the container sees '%s' within %s (it sees '%s')", expected, within, last[0]).isTrue();
  }

  private static TestEnv.Container createWith(TestEnv env, Burrow burrow, Bundle b, String id) {
    Path pidFile = env.base().resolve(id + ".pid");
    Burrow.Result r = burrow.run("create", "--bundle", b.dir().toString(), "--pid-file", pidFile.toString(), id).ok();
    long pid = TestEnv.readPidFile(pidFile, r);
    env.trackPid(pid);
    return new TestEnv.Container(id, pid, r, pidFile);
  }
}
