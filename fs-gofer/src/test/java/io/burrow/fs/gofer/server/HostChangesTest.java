package io.burrow.fs.gofer.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.burrow.p9.Message;
import io.burrow.p9.Message.*;
import io.burrow.p9.client.NinePClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tnotify through the real server on a real socket, fed by inotify: what the host changes in a
 * directory a fid has reached is reported with the directory's qid path and the name; what the
 * connection's own requests change is not; a Tflush ends a waiting Tnotify at once; directories no
 * fid holds any more are no longer watched.
 */
class HostChangesTest {
  private static final long GUARD_SECONDS = 20; // against hangs only, never asserted as a duration
  @TempDir Path tmp;
  Path root;
  ServerFixture fx;
  NinePClient c;
  long rootIno, dirIno;

  @BeforeEach
  void setUp() throws Exception {
    HostChanges.enable();
    root = Files.createDirectories(tmp.resolve("root"));
    Files.createDirectories(root.resolve("dir"));
    Files.writeString(root.resolve("dir/file"), "x");
    fx = new ServerFixture(root, false);
    c = fx.connect();
    rootIno = ServerFixture.attach(c, 0, "").path();
    dirIno = c.call(new Twalk(0, 1, List.of("dir")), Rwalk.class).qids().get(0).path();
    assertThat(c.call(new Tnotify(0), Rnotify.class).changes()).as("a subscribing Tnotify").isEmpty();
  }

  @AfterEach
  void tearDown() throws Exception {
    fx.close();
  }

  /** Changes reported until {@code want} is among them. */
  private List<Change> until(Change want) throws Exception {
    List<Change> seen = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
    while (!seen.contains(want) && System.nanoTime() < deadline) {
      seen.addAll(c.call(new Tnotify(256), Rnotify.class).changes());
    }
    assertThat(seen).as("reported changes").contains(want);
    return seen;
  }

  @Test
  void hostChangesAreReportedByDirectoryAndName() throws Exception {
    Files.writeString(root.resolve("created"), "c");
    until(new Change(Change.ENTRY, rootIno, "created"));
    Files.writeString(root.resolve("dir/file"), "y");
    until(new Change(Change.DATA, dirIno, "file"));
    Files.setPosixFilePermissions(root.resolve("dir/file"), PosixFilePermissions.fromString("rw-------"));
    until(new Change(Change.ATTR, dirIno, "file"));
    Files.move(root.resolve("dir/file"), root.resolve("dir/moved"));
    List<Change> moves = until(new Change(Change.ENTRY, dirIno, "moved"));
    assertThat(moves).contains(new Change(Change.ENTRY, dirIno, "file"));
    Files.delete(root.resolve("created"));
    until(new Change(Change.ENTRY, rootIno, "created"));
  }

  @Test
  void theConnectionsOwnChangesAreNotReported() throws Exception {
    c.call(new Tlcreate(1, "mine", 2, 0644, 0), Rlcreate.class);
    c.call(new Twrite(1, 0, java.nio.ByteBuffer.wrap("data".getBytes())), Rwrite.class);
    c.call(new Tmkdir(0, "mydir", 0755, 0), Rmkdir.class);
    c.call(new Trenameat(0, "mydir", 0, "mydir2"), Rrenameat.class);
    // Then one change from the host: everything reported before it would be the server's own.
    Files.writeString(root.resolve("from-host"), "h");
    List<Change> seen = until(new Change(Change.ENTRY, rootIno, "from-host"));
    assertThat(seen).extracting(Change::name).containsOnly("from-host");
  }

  @Test
  void aFlushEndsAWaitingTnotifyAtOnce() throws Exception {
    NinePClient.Pending waiting = c.send(new Tnotify(16));
    Thread.sleep(50);
    assertThat(waiting.reply()).isNotDone();
    c.call(new Tflush(waiting.tag()), Rflush.class);
    Message r = waiting.reply().get(GUARD_SECONDS, TimeUnit.SECONDS);
    assertThat(r).isInstanceOf(Rnotify.class);
  }

  @Test
  void directoriesNoFidHoldsAreNotWatched() throws Exception {
    HostChanges h = HostChanges.get();
    int before = h.watched();
    c.call(new Twalk(0, 2, List.of("dir")), Rwalk.class);
    assertThat(h.watched()).as("a second fid of a watched directory adds no watch").isEqualTo(before);
    c.call(new Tclunk(1), Rclunk.class);
    c.call(new Tclunk(2), Rclunk.class);
    assertThat(h.watched()).isEqualTo(before - 1);
  }
}
