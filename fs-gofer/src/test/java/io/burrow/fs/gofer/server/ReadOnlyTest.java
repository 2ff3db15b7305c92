package io.burrow.fs.gofer.server;

import io.burrow.p9.server.Connection;
import io.burrow.p9.server.NinePServer;
import static org.assertj.core.api.Assertions.assertThat;

import io.burrow.p9.client.NinePClient;
import io.burrow.p9.Message;
import io.burrow.p9.Message.*;
import io.burrow.p9.P9;
import io.burrow.p9.P9Error;
import io.burrow.linux.sys.Sys;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A read-only mount (panic-on-write, or an "ro" bind) refuses every mutating request with EROFS. */
class ReadOnlyTest {
  @TempDir Path root;

  @Test
  void everyMutationIsRefusedAndNothingChanges() throws Exception {
    Path f = Files.writeString(root.resolve("file.txt"), "original");
    Files.createDirectories(root.resolve("dir"));
    long mtime = Files.getLastModifiedTime(f).toMillis();
    Map<String, Long> before = NinePServerTest.inodes(root);
    try (ServerFixture fx = new ServerFixture(root, true)) {
      NinePClient c = fx.connect();
      ServerFixture.attach(c, 0, "");
      c.call(new Twalk(0, 1, List.of("file.txt")), Rwalk.class);
      c.call(new Twalk(0, 2, List.of("dir")), Rwalk.class);
      c.call(new Twalk(0, 3, List.of("file.txt")), Rwalk.class);
      c.call(new Twalk(0, 4, List.of()), Rwalk.class);
      List<Message> mutations = List.of(
          new Tlopen(1, Sys.O_WRONLY), new Tlopen(1, Sys.O_RDWR), new Tlopen(1, 01000),
          new Tlcreate(4, "new", Sys.O_RDWR, 0644, 0), new Tmkdir(0, "newdir", 0755, 0),
          new Tsymlink(0, "ln", "file.txt", 0), new Tmknod(0, "fifo", Sys.S_IFIFO | 0644, 0, 0, 0),
          new Tlink(0, 1, "hard"), new Trename(1, 2, "moved"), new Trenameat(0, "file.txt", 2, "moved"),
          new Tunlinkat(0, "file.txt", 0), new Tunlinkat(0, "dir", 0x200),
          new Tsetattr(1, P9.SETATTR_MODE, 0777, 0, 0, 0, 0, 0, 0, 0),
          new Tsetattr(1, P9.SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0),
          new Tsetattr(1, P9.SETATTR_MTIME, 0, 0, 0, 0, 0, 0, 0, 0),
          new Txattrcreate(1, "user.x", 1, 0), new Tremove(3));
      for (Message m : mutations) {
        try {
          c.call(m);
          throw new AssertionError("mutation allowed on a read-only mount: " + m);
        } catch (P9Error e) {
          assertThat(e.errno()).as(m.toString()).isEqualTo(P9.EROFS);
        }
      }
      // reads still work, and a read-only fid cannot be written
      c.call(new Tlopen(1, 0), Rlopen.class);
      try {
        c.call(new Twrite(1, 0, ByteBuffer.wrap(new byte[] {'x'})));
        throw new AssertionError("write allowed");
      } catch (P9Error e) {
        assertThat(e.errno()).isEqualTo(P9.EROFS);
      }
    }
    assertThat(Files.readString(f)).isEqualTo("original");
    assertThat(Files.getLastModifiedTime(f).toMillis()).isEqualTo(mtime);
    assertThat(NinePServerTest.inodes(root)).isEqualTo(before);
  }
}
