package io.burrow.p9.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.burrow.p9.ChannelTransport;
import io.burrow.p9.Dirent;
import io.burrow.p9.Message;
import io.burrow.p9.Message.*;
import io.burrow.p9.P9;
import io.burrow.p9.P9Error;
import io.burrow.p9.SocketPair;
import io.burrow.p9.client.NinePClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link FileServer} over real UNIX-domain sockets with the p9 client and an in-memory
 * {@link MemoryFile} tree: the fid table and the protocol's rules (walks, open state, names,
 * read-only trees, xattr buffering, Tremove, the fid bound) and the guarantees {@link File}
 * states, checked by the tree: every instance closed exactly once, no call after close or before
 * open.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FileServerTest {
  private static final int RDONLY = 0, WRONLY = 1, RDWR = 2;
  private final NinePServer server = new NinePServer(65536);
  private final MemoryFile.Tree tree = new MemoryFile.Tree();
  private final List<AutoCloseable> open = new ArrayList<>();
  private Connection connection;

  @BeforeEach
  void fill() {
    MemoryFile.Entry etc = tree.add(tree.root, "etc", true, "");
    tree.add(etc, "hosts", false, "127.0.0.1 localhost\n");
    tree.add(tree.root, "a", false, "alpha");
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    if (connection != null) {
      connection.awaitEnd();
    }
    server.close();
    assertThat(tree.violations).as("File guarantees broken").isEmpty();
    assertThat(tree.live.get()).as("File instances left open after the connection").isZero();
  }

  private NinePClient client(boolean readOnly, int maxFids) throws Exception {
    SocketPair sp = SocketPair.open();
    connection = server.serve(new ChannelTransport(sp.b()),
        new FileServer(tree::attach, readOnly, e -> new P9Error(P9.EIO, e), maxFids, null), "memory");
    NinePClient c = NinePClient.connect(new ChannelTransport(sp.a()), 8192);
    open.add(c);
    c.call(new Tattach(0, P9.NOFID, "u", "", 0), Rattach.class);
    return c;
  }

  private NinePClient client() throws Exception {
    return client(false, FileServer.MAX_FIDS);
  }

  private static int errno(NinePClient c, Message m) {
    try {
      c.call(m);
    } catch (P9Error e) {
      return e.errno();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError(m + " succeeded");
  }

  private static String read(NinePClient c, int fid, long offset) throws Exception {
    ByteBuffer d = c.call(new Tread(fid, offset, 4096), Rread.class).data();
    return StandardCharsets.UTF_8.decode(d).toString();
  }

  @Test
  void aServerWithoutAChangeFeedRefusesTnotify() throws Exception {
    assertThat(errno(client(), new Tnotify(16))).isEqualTo(P9.EOPNOTSUPP);
  }

  @Test
  void walksCloneStepAndStopPartwayWithoutMakingTheNewFid() throws Exception {
    NinePClient c = client();
    assertThat(c.call(new Twalk(0, 1, List.of()), Rwalk.class).qids()).isEmpty();
    assertThat(c.call(new Twalk(0, 2, List.of("etc", "hosts")), Rwalk.class).qids()).hasSize(2);
    assertThat(c.call(new Twalk(0, 3, List.of("etc", "missing")), Rwalk.class).qids()).as("partial").hasSize(1);
    assertThat(errno(c, new Tgetattr(3, P9.GETATTR_BASIC))).as("a partial walk makes no fid").isEqualTo(P9.EBADF);
    assertThat(errno(c, new Twalk(0, 4, List.of("missing")))).isEqualTo(P9.ENOENT);
    assertThat(errno(c, new Twalk(0, 2, List.of("a")))).as("newfid in use").isEqualTo(P9.EEXIST);
    c.call(new Twalk(1, 1, List.of("etc")), Rwalk.class);
    assertThat(c.call(new Tgetattr(1, P9.GETATTR_BASIC), Rgetattr.class).qid().type()).isEqualTo(P9.QTDIR);
    c.call(new Tlopen(2, RDONLY), Rlopen.class);
    assertThat(errno(c, new Twalk(2, 2, List.of()))).as("walk of an open fid onto itself").isEqualTo(P9.EBUSY);
    assertThat(errno(c, new Twalk(0, P9.NOFID, List.of()))).isEqualTo(P9.EBADF);
  }

  @Test
  void ioNeedsTheRightOpenModeAndAFidOpensOnce() throws Exception {
    NinePClient c = client();
    c.call(new Twalk(0, 1, List.of("a")), Rwalk.class);
    assertThat(errno(c, new Tread(1, 0, 10))).as("read before open").isEqualTo(P9.EBADF);
    assertThat(errno(c, new Tfsync(1, 0))).isEqualTo(P9.EBADF);
    c.call(new Tlopen(1, RDONLY), Rlopen.class);
    assertThat(read(c, 1, 1)).isEqualTo("lpha");
    assertThat(errno(c, new Twrite(1, 0, ByteBuffer.wrap(new byte[] {1})))).as("write on O_RDONLY").isEqualTo(P9.EBADF);
    assertThat(errno(c, new Tlopen(1, RDONLY))).isEqualTo(P9.EBUSY);
    assertThat(errno(c, new Tread(1, -1, 10))).isEqualTo(P9.EINVAL);
    c.call(new Twalk(0, 2, List.of("a")), Rwalk.class);
    c.call(new Tlopen(2, WRONLY), Rlopen.class);
    assertThat(errno(c, new Tread(2, 0, 10))).as("read on O_WRONLY").isEqualTo(P9.EBADF);
    assertThat(c.call(new Twrite(2, 5, ByteBuffer.wrap("bet".getBytes(StandardCharsets.UTF_8))), Rwrite.class).count())
        .isEqualTo(3);
    assertThat(read(c, 1, 0)).isEqualTo("alphabet");
    c.call(new Twalk(0, 3, List.of("etc")), Rwalk.class);
    assertThat(errno(c, new Tlopen(3, RDWR))).as("directories open read-only").isEqualTo(P9.EISDIR);
    assertThat(errno(c, new Tlopen(3, 3))).isEqualTo(P9.EINVAL);
    assertThat(errno(c, new Treaddir(3, 0, 4096))).as("readdir before open").isEqualTo(P9.EBADF);
    c.call(new Tlopen(3, RDONLY), Rlopen.class);
    List<Dirent> entries = Dirent.parse(c.call(new Treaddir(3, 0, 4096), Rreaddir.class).data());
    assertThat(entries).extracting(Dirent::name).containsExactly("hosts");
  }

  @Test
  void lcreateReplacesTheDirectoryFidWithTheOpenNewFileAndNamesAreSingleComponents() throws Exception {
    NinePClient c = client();
    c.call(new Twalk(0, 1, List.of("etc")), Rwalk.class);
    for (String bad : List.of("", ".", "..", "x/y", "nul\0")) {
      assertThat(errno(c, new Tlcreate(1, bad, RDWR, 0644, 0))).as("name '%s'", bad).isEqualTo(P9.EINVAL);
      assertThat(errno(c, new Tmkdir(1, bad, 0755, 0))).as("name '%s'", bad).isEqualTo(P9.EINVAL);
    }
    assertThat(tree.mutations.get()).as("a bad name reaches no File").isZero();
    c.call(new Tlcreate(1, "new", RDWR, 0644, 0), Rlcreate.class);
    c.call(new Twrite(1, 0, ByteBuffer.wrap("fresh".getBytes(StandardCharsets.UTF_8))), Rwrite.class);
    assertThat(read(c, 1, 0)).isEqualTo("fresh");
    assertThat(errno(c, new Tlcreate(1, "again", RDWR, 0644, 0))).isEqualTo(P9.EBUSY);
    c.call(new Twalk(0, 2, List.of("a")), Rwalk.class);
    assertThat(errno(c, new Tlcreate(2, "x", RDWR, 0644, 0))).isEqualTo(P9.ENOTDIR);
    assertThat(errno(c, new Tmkdir(2, "x", 0755, 0))).isEqualTo(P9.ENOTDIR);
    assertThat(errno(c, new Tunlinkat(0, "a", 0x1))).as("unknown unlinkat flags").isEqualTo(P9.EINVAL);
    c.call(new Tunlinkat(0, "a", 0), Runlinkat.class);
    assertThat(errno(c, new Twalk(0, 3, List.of("a")))).isEqualTo(P9.ENOENT);
  }

  @Test
  void aReadOnlyTreeRefusesEveryChangeBeforeAFileSeesIt() throws Exception {
    NinePClient c = client(true, FileServer.MAX_FIDS);
    c.call(new Twalk(0, 1, List.of("a")), Rwalk.class);
    c.call(new Twalk(0, 2, List.of("etc")), Rwalk.class);
    List<Message> changes = List.of(new Tlopen(1, WRONLY), new Tlopen(1, RDONLY | 01000), new Tlcreate(2, "n", RDWR, 0644, 0),
        new Tmkdir(2, "d", 0755, 0), new Tsymlink(2, "s", "t", 0), new Tmknod(2, "f", 0010644, 0, 0, 0),
        new Tlink(2, 1, "l"), new Trename(1, 2, "r"), new Trenameat(0, "a", 2, "b"), new Tunlinkat(0, "a", 0),
        new Tsetattr(1, P9.SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0), new Txattrcreate(1, "user.x", 1, 0));
    for (Message m : changes) {
      assertThat(errno(c, m)).as("%s", m).isEqualTo(P9.EROFS);
    }
    assertThat(errno(c, new Tremove(1))).isEqualTo(P9.EROFS);
    assertThat(errno(c, new Tgetattr(1, P9.GETATTR_BASIC))).as("Tremove clunked the fid anyway").isEqualTo(P9.EBADF);
    assertThat(tree.mutations.get()).isZero();
    c.call(new Twalk(0, 3, List.of("a")), Rwalk.class);
    c.call(new Tlopen(3, RDONLY), Rlopen.class);
    assertThat(read(c, 3, 0)).isEqualTo("alpha");
  }

  @Test
  void xattrsAreBufferedUntilClunkAndAnEmptyReplaceRemovesOne() throws Exception {
    NinePClient c = client();
    c.call(new Twalk(0, 1, List.of("a")), Rwalk.class);
    c.call(new Txattrcreate(1, "user.colour", 4, 0), Rxattrcreate.class);
    c.call(new Twrite(1, 0, ByteBuffer.wrap("bl".getBytes(StandardCharsets.UTF_8))), Rwrite.class);
    c.call(new Twrite(1, 2, ByteBuffer.wrap("ue".getBytes(StandardCharsets.UTF_8))), Rwrite.class);
    assertThat(tree.mutations.get()).as("nothing is set before the clunk").isZero();
    c.call(new Tclunk(1), Rclunk.class);
    c.call(new Twalk(0, 2, List.of("a")), Rwalk.class);
    assertThat(c.call(new Txattrwalk(2, 3, "user.colour"), Rxattrwalk.class).size()).isEqualTo(4);
    assertThat(read(c, 3, 0)).isEqualTo("blue");
    assertThat(read(c, 3, 2)).isEqualTo("ue");
    assertThat(read(c, 3, 9)).isEmpty();
    assertThat(c.call(new Txattrwalk(2, 4, ""), Rxattrwalk.class).size()).as("the name list").isEqualTo(12);
    assertThat(errno(c, new Twalk(3, 5, List.of()))).as("walk from an xattr fid").isEqualTo(P9.EBADF);
    c.call(new Twalk(0, 6, List.of("a")), Rwalk.class);
    c.call(new Txattrcreate(6, "user.colour", 0, 2 /* XATTR_REPLACE */), Rxattrcreate.class);
    c.call(new Tclunk(6), Rclunk.class);
    assertThat(errno(c, new Txattrwalk(2, 7, "user.colour"))).isEqualTo(P9.ENODATA);
    c.call(new Twalk(0, 8, List.of("a")), Rwalk.class);
    c.call(new Txattrcreate(8, "user.short", 3, 0), Rxattrcreate.class);
    assertThat(errno(c, new Twrite(8, 1, ByteBuffer.wrap(new byte[] {1})))).as("a gap").isEqualTo(P9.EINVAL);
    assertThat(errno(c, new Tclunk(8))).as("shorter than announced").isEqualTo(P9.EINVAL);
    assertThat(errno(c, new Tgetattr(8, P9.GETATTR_BASIC))).as("clunked anyway").isEqualTo(P9.EBADF);
    assertThat(errno(c, new Txattrcreate(2, "user.big", FileServer.XATTR_SIZE_MAX + 1, 0))).isEqualTo(P9.E2BIG);
  }

  @Test
  void fidsAreBoundedAndEveryFileIsClosedOnceWhenItsFidGoes() throws Exception {
    NinePClient c = client(false, 4);
    for (int fid = 1; fid < 4; fid++) {
      c.call(new Twalk(0, fid, List.of("a")), Rwalk.class);
    }
    assertThat(errno(c, new Twalk(0, 9, List.of("a")))).isEqualTo(P9.EMFILE);
    assertThat(tree.live.get()).as("one File per fid").isEqualTo(4);
    c.call(new Tclunk(3), Rclunk.class);
    c.call(new Twalk(1, 1, List.of()), Rwalk.class); // a File replaced in place
    assertThat(tree.live.get()).isEqualTo(3);
    c.call(new Tlopen(2, RDONLY), Rlopen.class);
    c.call(new Tremove(2), Rremove.class);
    assertThat(errno(c, new Twalk(0, 5, List.of("a")))).isEqualTo(P9.ENOENT);
    assertThat(tree.live.get()).isEqualTo(2);
    // The rest go with the connection (checked in stop()).
  }
}
