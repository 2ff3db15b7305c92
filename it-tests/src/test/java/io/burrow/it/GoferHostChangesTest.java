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

  private static TestEnv.Container createWith(TestEnv env, Burrow burrow, Bundle b, String id) {
    Path pidFile = env.base().resolve(id + ".pid");
    Burrow.Result r = burrow.run("create", "--bundle", b.dir().toString(), "--pid-file", pidFile.toString(), id).ok();
    long pid = TestEnv.readPidFile(pidFile, r);
    env.trackPid(pid);
    return new TestEnv.Container(id, pid, r, pidFile);
  }
}
