package io.burrow.p9;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.burrow.p9.Message.*;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CodecTest {
  static final Qid Q = new Qid(P9.QTDIR, 7, 0x1122334455667788L);

  /** One instance of every message type, with distinct field values. */
  static List<Message> samples() {
    ByteBuffer data = ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5});
    return List.of(
        new Tversion(65536, "9P2000.L"), new Rversion(8192, "9P2000.L"),
        new Tauth(1, "root", "ctl", 0), new Rauth(Q),
        new Tattach(2, P9.NOFID, "u", "/x", 1000), new Rattach(Q),
        new Rlerror(P9.ENOENT), new Tflush(9), new Rflush(),
        new Twalk(1, 2, List.of("a", "bé", "c")), new Rwalk(List.of(Q, new Qid(0, 1, 2))),
        new Tread(3, 1L << 40, 4096), new Rread(data.duplicate()),
        new Twrite(3, 12, data.duplicate()), new Rwrite(5),
        new Tclunk(4), new Rclunk(), new Tremove(5), new Rremove(),
        new Tstatfs(6), new Rstatfs(0xEF53, 4096, 10, 9, 8, 7, 6, 5, 255),
        new Tlopen(7, 0x8002), new Rlopen(Q, 8192),
        new Tlcreate(8, "new", 0x41, 0644, 100), new Rlcreate(Q, 0),
        new Tsymlink(9, "ln", "/target", 100), new Rsymlink(Q),
        new Tmknod(10, "fifo", 010644, 1, 3, 100), new Rmknod(Q),
        new Trename(11, 12, "moved"), new Rrename(),
        new Treadlink(13), new Rreadlink("../x"),
        new Tgetattr(14, P9.GETATTR_ALL),
        new Rgetattr(0x7ff, Q, 040755, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17),
        new Tsetattr(15, 0x3f, 0600, 1, 2, 99, 1, 2, 3, 4), new Rsetattr(),
        new Txattrwalk(16, 17, "user.x"), new Rxattrwalk(42),
        new Txattrcreate(18, "user.y", 5, 1), new Rxattrcreate(),
        new Treaddir(19, 77, 8192), new Rreaddir(data.duplicate()),
        new Tfsync(20, 1), new Rfsync(),
        new Tlock(21, P9.LOCK_TYPE_WRLCK, 1, 0, 100, 1234, "host"), new Rlock(P9.LOCK_SUCCESS),
        new Tgetlock(22, P9.LOCK_TYPE_RDLCK, 5, 6, 7, "h"), new Rgetlock(P9.LOCK_TYPE_UNLCK, 5, 6, 7, "h"),
        new Tlink(23, 24, "hard"), new Rlink(),
        new Tmkdir(25, "dir", 0755, 100), new Rmkdir(Q),
        new Trenameat(26, "a", 27, "b"), new Rrenameat(),
        new Tunlinkat(28, "gone", 0x200), new Runlinkat(),
        new Tnotify(256), new Rnotify(List.of(new Change(Change.ENTRY, 7, "née"), new Change(Change.ATTR, 8, ""),
            new Change(Change.DATA, 1L << 40, "f"), new Change(Change.ALL, 0, ""))));
  }

  static ByteBuffer encode(int tag, Message m) throws P9ProtocolException {
    ByteBuffer out = ByteBuffer.allocate(70000);
    Codec.encode(tag, m, out);
    return out.flip();
  }

  @Test
  void everyMessageTypeRoundTrips() throws Exception {
    Set<Integer> types = new HashSet<>();
    for (Message m : samples()) {
      ByteBuffer frame = encode(0x1234, m);
      assertThat(frame.order(ByteOrder.LITTLE_ENDIAN).getInt(0)).isEqualTo(frame.remaining());
      Codec.Frame f = Codec.decode(frame, 70000);
      assertThat(f.tag()).isEqualTo(0x1234);
      assertThat(f.message()).as("round trip of type %d", m.type()).isEqualTo(m);
      types.add(m.type());
    }
    for (int t = 0; t < 256; t++) {
      if (Codec.knows(t)) {
        assertThat(types).as("sample of type %d", t).contains(t);
      }
    }
    assertThat(types).hasSize(59);
  }

  @Test
  void knownLayoutOfTversion() throws Exception {
    ByteBuffer f = encode(P9.NOTAG, new Tversion(8192, "9P2000.L"));
    byte[] want = {21, 0, 0, 0, 100, (byte) 0xff, (byte) 0xff, 0, 0x20, 0, 0, 8, 0,
        '9', 'P', '2', '0', '0', '0', '.', 'L'};
    byte[] got = new byte[f.remaining()];
    f.get(got);
    assertThat(got).isEqualTo(want);
  }

  @Test
  void aTfsyncWithoutItsDatasyncFieldIsAFullFsync() throws Exception {
    // gVisor's p9 client sends Tfsync as size[4] type[1] tag[2] fid[4]: 11 bytes.
    ByteBuffer f = ByteBuffer.allocate(11).order(ByteOrder.LITTLE_ENDIAN);
    f.putInt(11).put((byte) P9.TFSYNC).putShort((short) 7).putInt(42).flip();
    Codec.Frame frame = Codec.decode(f, 8192);
    assertThat(frame.message()).isEqualTo(new Tfsync(42, 0));
    assertThat(frame.tag()).isEqualTo(7);
  }

  @Test
  void anRnotifyOfUnknownKindOrTooManyChangesIsRefused() throws Exception {
    ByteBuffer bad = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    bad.putInt(0).put((byte) P9.RNOTIFY).putShort((short) 3).putShort((short) 1).put((byte) 9).putLong(1).putShort((short) 0);
    bad.putInt(0, bad.position()).flip();
    assertThatThrownBy(() -> Codec.decode(bad, 8192)).isInstanceOf(P9ProtocolException.class).hasMessageContaining("kind 9");
    ByteBuffer many = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    many.putInt(0).put((byte) P9.RNOTIFY).putShort((short) 3).putShort((short) 60000);
    many.putInt(0, many.position()).flip();
    assertThatThrownBy(() -> Codec.decode(many, 8192)).isInstanceOf(P9ProtocolException.class);
  }

  @Test
  void knownLayoutOfRgetattrSize() throws Exception {
    ByteBuffer f = encode(1, new Rgetattr(0, Q, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    // header 7 + valid 8 + qid 13 + mode/uid/gid 12 + 15 u64
    assertThat(f.remaining()).isEqualTo(7 + 8 + 13 + 12 + 15 * 8);
  }

  @Test
  void rejectsSizeLargerThanMsize() {
    ByteBuffer f = ByteBuffer.allocate(7).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 1 << 30).put(4, (byte) 100);
    assertThatThrownBy(() -> Codec.decode(f, 8192)).isInstanceOf(P9ProtocolException.class)
        .hasMessageContaining("exceeds msize");
    assertThatThrownBy(() -> Codec.checkSize(0xffffffffL, 8192)).isInstanceOf(P9ProtocolException.class);
    assertThatThrownBy(() -> Codec.checkSize(3, 8192)).isInstanceOf(P9ProtocolException.class);
  }

  @Test
  void rejectsTruncatedFrames() throws Exception {
    ByteBuffer whole = encode(5, new Tattach(1, P9.NOFID, "root", "ctl", 0));
    for (int len = 0; len < whole.remaining(); len++) {
      ByteBuffer cut = ByteBuffer.allocate(len);
      cut.put(whole.duplicate().limit(len)).flip();
      if (len >= 4) {
        cut.order(ByteOrder.LITTLE_ENDIAN).putInt(0, len); // a consistent size field, short body
      }
      assertThatThrownBy(() -> Codec.decode(cut, 8192)).as("length %d", len)
          .isInstanceOf(P9ProtocolException.class);
    }
  }

  @Test
  void truncatedBodyKeepsTagForAnError() throws Exception {
    ByteBuffer f = ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN);
    f.putInt(9).put((byte) P9.TCLUNK).putShort((short) 77).putShort((short) 0).flip();
    try {
      Codec.decode(f, 8192);
    } catch (P9ProtocolException e) {
      assertThat(e.tag()).isEqualTo(77);
      assertThat(e.errno()).isEqualTo(P9.EINVAL);
      return;
    }
    throw new AssertionError("no exception");
  }

  @Test
  void rejectsUnknownTypeWithEopnotsupp() {
    ByteBuffer f = ByteBuffer.allocate(7).order(ByteOrder.LITTLE_ENDIAN);
    f.putInt(7).put((byte) 112).putShort((short) 3).flip(); // 9P2000 Topen is not in .L
    assertThatThrownBy(() -> Codec.decode(f, 8192)).isInstanceOfSatisfying(P9ProtocolException.class,
        e -> assertThat(e.errno()).isEqualTo(P9.EOPNOTSUPP));
  }

  @Test
  void rejectsWalkOfSeventeenNames() throws Exception {
    List<String> names = new ArrayList<>(Collections.nCopies(17, "a"));
    assertThatThrownBy(() -> encode(1, new Twalk(1, 2, names))).isInstanceOf(P9ProtocolException.class);
    // Hand-built frame claiming 17 names.
    ByteBuffer f = ByteBuffer.allocate(100).order(ByteOrder.LITTLE_ENDIAN);
    f.putInt(0).put((byte) P9.TWALK).putShort((short) 1).putInt(1).putInt(2).putShort((short) 17);
    for (int k = 0; k < 17; k++) {
      f.putShort((short) 1).put((byte) 'a');
    }
    f.putInt(0, f.position()).flip();
    assertThatThrownBy(() -> Codec.decode(f, 8192)).isInstanceOf(P9ProtocolException.class)
        .hasMessageContaining("17 names");
  }

  @Test
  void rejectsInvalidStrings() {
    for (byte[] bad : List.of(new byte[] {'a', 0, 'b'}, new byte[] {(byte) 0xc3, 0x28}, new byte[] {(byte) 0xff})) {
      ByteBuffer f = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
      f.putInt(0).put((byte) P9.TMKDIR).putShort((short) 1).putInt(1).putShort((short) bad.length).put(bad)
          .putInt(0755).putInt(0);
      f.putInt(0, f.position()).flip();
      assertThatThrownBy(() -> Codec.decode(f, 8192)).isInstanceOf(P9ProtocolException.class);
    }
  }

  @Test
  void rejectsDataCountBeyondFrameAndTrailingBytes() throws Exception {
    ByteBuffer f = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    f.putInt(0).put((byte) P9.TWRITE).putShort((short) 1).putInt(1).putLong(0).putInt(-1).put((byte) 1);
    f.putInt(0, f.position()).flip();
    assertThatThrownBy(() -> Codec.decode(f, 8192)).isInstanceOf(P9ProtocolException.class)
        .hasMessageContaining("data count");
    ByteBuffer ok = encode(1, new Tclunk(3));
    ByteBuffer longer = ByteBuffer.allocate(ok.remaining() + 1).order(ByteOrder.LITTLE_ENDIAN).put(ok).put((byte) 9);
    longer.putInt(0, longer.capacity()).flip();
    assertThatThrownBy(() -> Codec.decode(longer, 8192)).isInstanceOf(P9ProtocolException.class)
        .hasMessageContaining("trailing");
  }

  @Test
  void encodeRefusesFramesThatDoNotFit() {
    ByteBuffer small = ByteBuffer.allocate(20);
    assertThatThrownBy(() -> Codec.encode(1, new Rread(ByteBuffer.allocate(100)), small))
        .isInstanceOf(P9ProtocolException.class);
    assertThat(small.position()).isZero();
  }

  @Test
  void direntsRoundTrip() throws Exception {
    ByteBuffer b = ByteBuffer.allocate(200);
    assertThat(Dirent.put(b, new Dirent(Q, 1, 4, "."))).isTrue();
    assertThat(Dirent.put(b, new Dirent(new Qid(0, 0, 9), 2, 8, "fïle"))).isTrue();
    b.flip();
    assertThat(Dirent.parse(b)).containsExactly(new Dirent(Q, 1, 4, "."), new Dirent(new Qid(0, 0, 9), 2, 8, "fïle"));
    ByteBuffer tiny = ByteBuffer.allocate(10);
    assertThat(Dirent.put(tiny, new Dirent(Q, 1, 4, "x"))).isFalse();
    assertThat(tiny.position()).isZero();
  }
}
