package io.burrow.p9;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes and decodes 9P2000.L frames ({@code size[4] type[1] tag[2] body}). Stateless and
 * thread-safe.
 *
 * <p>Decoding is bounded: it reads only inside the frame it is given, allocates at most a few
 * objects per field (strings are bounded by the frame, walks by {@link P9#MAXWELEM}), and throws
 * only {@link P9ProtocolException} for anything malformed: a size field that disagrees with the
 * frame or exceeds the limit, truncation, trailing bytes, unknown types, invalid UTF-8 or NUL bytes
 * in strings. Payloads ({@code Twrite}, {@code Rread}, {@code Rreaddir}) are views into the frame
 * buffer, not copies.
 */
public final class Codec {
  private Codec() {}

  /** A decoded frame: its tag and body. */
  public record Frame(int tag, Message message) {}

  /** True when {@code type} is a message type of 9P2000.L this codec handles. */
  public static boolean knows(int type) {
    return switch (type) {
      case P9.RLERROR, P9.TSTATFS, P9.RSTATFS, P9.TLOPEN, P9.RLOPEN, P9.TLCREATE, P9.RLCREATE, P9.TSYMLINK,
          P9.RSYMLINK, P9.TMKNOD, P9.RMKNOD, P9.TRENAME, P9.RRENAME, P9.TREADLINK, P9.RREADLINK, P9.TGETATTR,
          P9.RGETATTR, P9.TSETATTR, P9.RSETATTR, P9.TXATTRWALK, P9.RXATTRWALK, P9.TXATTRCREATE,
          P9.RXATTRCREATE, P9.TREADDIR, P9.RREADDIR, P9.TFSYNC, P9.RFSYNC, P9.TLOCK, P9.RLOCK, P9.TGETLOCK,
          P9.RGETLOCK, P9.TLINK, P9.RLINK, P9.TMKDIR, P9.RMKDIR, P9.TRENAMEAT, P9.RRENAMEAT, P9.TUNLINKAT,
          P9.RUNLINKAT, P9.TVERSION, P9.RVERSION, P9.TAUTH, P9.RAUTH, P9.TATTACH, P9.RATTACH, P9.TFLUSH,
          P9.RFLUSH, P9.TWALK, P9.RWALK, P9.TREAD, P9.RREAD, P9.TWRITE, P9.RWRITE, P9.TCLUNK, P9.RCLUNK,
          P9.TREMOVE, P9.RREMOVE, P9.TNOTIFY, P9.RNOTIFY -> true;
      default -> false;
    };
  }

  /**
   * Checks a frame's size field before its body is read, so that a reader never allocates or
   * waits for more than {@code maxSize} bytes.
   */
  public static int checkSize(long size, int maxSize) throws P9ProtocolException {
    if (size < P9.HEADER) {
      throw new P9ProtocolException("frame size " + size + " is smaller than the 7-byte header");
    }
    if (size > maxSize) {
      throw new P9ProtocolException("frame size " + size + " exceeds msize " + maxSize);
    }
    return (int) size;
  }

  /**
   * Decodes one whole frame: {@code frame} holds exactly the frame from its position to its limit,
   * size field included. The buffer's byte order is set to little-endian; payload views share it.
   */
  public static Frame decode(ByteBuffer frame, int maxSize) throws P9ProtocolException {
    frame.order(ByteOrder.LITTLE_ENDIAN);
    int start = frame.position();
    int avail = frame.remaining();
    if (avail < P9.HEADER) {
      throw new P9ProtocolException("truncated frame: " + avail + " bytes, header needs 7");
    }
    long size = Integer.toUnsignedLong(frame.getInt(start));
    checkSize(size, maxSize);
    if (size != avail) {
      throw new P9ProtocolException("frame size field " + size + " disagrees with the " + avail + " bytes given");
    }
    int type = frame.get(start + 4) & 0xff;
    int tag = frame.getShort(start + 5) & 0xffff;
    In in = new In(frame.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(start + P9.HEADER), tag);
    Message m;
    try {
      m = body(type, in, tag);
    } catch (P9ProtocolException e) {
      throw e.tag() < 0 ? e.withTag(tag) : e;
    }
    if (in.b.hasRemaining()) {
      throw new P9ProtocolException(
          "type " + type + " frame has " + in.b.remaining() + " trailing bytes", tag, P9.EINVAL);
    }
    return new Frame(tag, m);
  }

  private static Message body(int type, In i, int tag) throws P9ProtocolException {
    return switch (type) {
      case P9.TVERSION -> new Message.Tversion(i.u32(), i.str());
      case P9.RVERSION -> new Message.Rversion(i.u32(), i.str());
      case P9.TAUTH -> new Message.Tauth(i.u32(), i.str(), i.str(), i.u32());
      case P9.RAUTH -> new Message.Rauth(i.qid());
      case P9.TATTACH -> new Message.Tattach(i.u32(), i.u32(), i.str(), i.str(), i.u32());
      case P9.RATTACH -> new Message.Rattach(i.qid());
      case P9.RLERROR -> new Message.Rlerror(i.u32());
      case P9.TFLUSH -> new Message.Tflush(i.u16());
      case P9.RFLUSH -> new Message.Rflush();
      case P9.TWALK -> {
        int fid = i.u32();
        int newfid = i.u32();
        int n = i.u16();
        if (n > P9.MAXWELEM) {
          throw new P9ProtocolException("Twalk of " + n + " names exceeds " + P9.MAXWELEM, tag, P9.EINVAL);
        }
        List<String> names = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
          names.add(i.str());
        }
        yield new Message.Twalk(fid, newfid, names);
      }
      case P9.RWALK -> {
        int n = i.u16();
        if (n > P9.MAXWELEM) {
          throw new P9ProtocolException("Rwalk of " + n + " qids exceeds " + P9.MAXWELEM);
        }
        List<Qid> qids = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
          qids.add(i.qid());
        }
        yield new Message.Rwalk(qids);
      }
      case P9.TREAD -> new Message.Tread(i.u32(), i.u64(), i.u32());
      case P9.RREAD -> new Message.Rread(i.data());
      case P9.TWRITE -> new Message.Twrite(i.u32(), i.u64(), i.data());
      case P9.RWRITE -> new Message.Rwrite(i.u32());
      case P9.TCLUNK -> new Message.Tclunk(i.u32());
      case P9.RCLUNK -> new Message.Rclunk();
      case P9.TREMOVE -> new Message.Tremove(i.u32());
      case P9.RREMOVE -> new Message.Rremove();
      case P9.TSTATFS -> new Message.Tstatfs(i.u32());
      case P9.RSTATFS -> new Message.Rstatfs(i.u32(), i.u32(), i.u64(), i.u64(), i.u64(), i.u64(), i.u64(),
          i.u64(), i.u32());
      case P9.TLOPEN -> new Message.Tlopen(i.u32(), i.u32());
      case P9.RLOPEN -> new Message.Rlopen(i.qid(), i.u32());
      case P9.TLCREATE -> new Message.Tlcreate(i.u32(), i.str(), i.u32(), i.u32(), i.u32());
      case P9.RLCREATE -> new Message.Rlcreate(i.qid(), i.u32());
      case P9.TSYMLINK -> new Message.Tsymlink(i.u32(), i.str(), i.str(), i.u32());
      case P9.RSYMLINK -> new Message.Rsymlink(i.qid());
      case P9.TMKNOD -> new Message.Tmknod(i.u32(), i.str(), i.u32(), i.u32(), i.u32(), i.u32());
      case P9.RMKNOD -> new Message.Rmknod(i.qid());
      case P9.TRENAME -> new Message.Trename(i.u32(), i.u32(), i.str());
      case P9.RRENAME -> new Message.Rrename();
      case P9.TREADLINK -> new Message.Treadlink(i.u32());
      case P9.RREADLINK -> new Message.Rreadlink(i.str());
      case P9.TGETATTR -> new Message.Tgetattr(i.u32(), i.u64());
      case P9.RGETATTR -> new Message.Rgetattr(i.u64(), i.qid(), i.u32(), i.u32(), i.u32(), i.u64(), i.u64(),
          i.u64(), i.u64(), i.u64(), i.u64(), i.u64(), i.u64(), i.u64(), i.u64(), i.u64(), i.u64(), i.u64(),
          i.u64(), i.u64());
      case P9.TSETATTR -> new Message.Tsetattr(i.u32(), i.u32(), i.u32(), i.u32(), i.u32(), i.u64(), i.u64(),
          i.u64(), i.u64(), i.u64());
      case P9.RSETATTR -> new Message.Rsetattr();
      case P9.TXATTRWALK -> new Message.Txattrwalk(i.u32(), i.u32(), i.str());
      case P9.RXATTRWALK -> new Message.Rxattrwalk(i.u64());
      case P9.TXATTRCREATE -> new Message.Txattrcreate(i.u32(), i.str(), i.u64(), i.u32());
      case P9.RXATTRCREATE -> new Message.Rxattrcreate();
      case P9.TREADDIR -> new Message.Treaddir(i.u32(), i.u64(), i.u32());
      case P9.RREADDIR -> new Message.Rreaddir(i.data());
      // The datasync field is newer than Tfsync: gVisor's client (and older kernels) send an 11-byte
      // frame without it, which diod reads as a full fsync. So do we.
      case P9.TFSYNC -> new Message.Tfsync(i.u32(), i.b.remaining() == 0 ? 0 : i.u32());
      case P9.RFSYNC -> new Message.Rfsync();
      case P9.TLOCK -> new Message.Tlock(i.u32(), i.u8(), i.u32(), i.u64(), i.u64(), i.u32(), i.str());
      case P9.RLOCK -> new Message.Rlock(i.u8());
      case P9.TGETLOCK -> new Message.Tgetlock(i.u32(), i.u8(), i.u64(), i.u64(), i.u32(), i.str());
      case P9.RGETLOCK -> new Message.Rgetlock(i.u8(), i.u64(), i.u64(), i.u32(), i.str());
      case P9.TLINK -> new Message.Tlink(i.u32(), i.u32(), i.str());
      case P9.RLINK -> new Message.Rlink();
      case P9.TMKDIR -> new Message.Tmkdir(i.u32(), i.str(), i.u32(), i.u32());
      case P9.RMKDIR -> new Message.Rmkdir(i.qid());
      case P9.TRENAMEAT -> new Message.Trenameat(i.u32(), i.str(), i.u32(), i.str());
      case P9.RRENAMEAT -> new Message.Rrenameat();
      case P9.TUNLINKAT -> new Message.Tunlinkat(i.u32(), i.str(), i.u32());
      case P9.RUNLINKAT -> new Message.Runlinkat();
      case P9.TNOTIFY -> new Message.Tnotify(i.u16());
      case P9.RNOTIFY -> {
        int n = i.u16();
        List<Message.Change> changes = new ArrayList<>(Math.min(n, i.b.remaining() / Message.Change.MIN_SIZE));
        for (int k = 0; k < n; k++) {
          int kind = i.u8();
          if (kind < Message.Change.ENTRY || kind > Message.Change.ALL) {
            throw new P9ProtocolException("Rnotify change of unknown kind " + kind, tag, P9.EINVAL);
          }
          changes.add(new Message.Change(kind, i.u64(), i.str()));
        }
        yield new Message.Rnotify(changes);
      }
      default -> throw new P9ProtocolException("unknown message type " + type, tag, P9.EOPNOTSUPP);
    };
  }

  /**
   * Encodes a whole frame at {@code out}'s position; on return the position is after the frame.
   * Throws when the frame does not fit in {@code out}'s remaining space (callers size it to msize).
   */
  public static void encode(int tag, Message m, ByteBuffer out) throws P9ProtocolException {
    out.order(ByteOrder.LITTLE_ENDIAN);
    int start = out.position();
    try {
      out.putInt(0).put((byte) m.type()).putShort((short) tag);
      m.encode(new Out(out));
    } catch (BufferOverflowException e) {
      out.position(start);
      throw new P9ProtocolException("type " + m.type() + " message does not fit in " + (out.limit() - start) + " bytes");
    }
    out.putInt(start, out.position() - start);
  }

  /** A little-endian writer over a buffer; overflow surfaces as {@link BufferOverflowException}. */
  public static final class Out {
    private final ByteBuffer b;

    Out(ByteBuffer b) {
      this.b = b;
    }

    public void u8(int v) { b.put((byte) v); }
    public void u16(int v) { b.putShort((short) v); }
    public void u32(int v) { b.putInt(v); }
    public void u64(long v) { b.putLong(v); }

    public void qid(Qid q) {
      b.put((byte) q.type()).putInt(q.version()).putLong(q.path());
    }

    public void str(String s) throws P9ProtocolException {
      byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
      if (bytes.length > 0xffff) {
        throw new P9ProtocolException("string of " + bytes.length + " bytes exceeds 65535");
      }
      b.putShort((short) bytes.length).put(bytes);
    }

    public void bytes(ByteBuffer data) {
      b.put(data.duplicate());
    }
  }

  /** A bounds-checked little-endian reader over one frame's body. */
  static final class In {
    private static final ThreadLocal<CharsetDecoder> UTF8 = ThreadLocal.withInitial(() ->
        StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT));
    final ByteBuffer b;
    final int tag;

    In(ByteBuffer b, int tag) {
      this.b = b;
      this.tag = tag;
    }

    private void need(int n, String what) throws P9ProtocolException {
      if (b.remaining() < n) {
        throw new P9ProtocolException("truncated frame: " + what + " needs " + n + " bytes, "
            + b.remaining() + " left", tag, P9.EINVAL);
      }
    }

    int u8() throws P9ProtocolException { need(1, "u8"); return b.get() & 0xff; }
    int u16() throws P9ProtocolException { need(2, "u16"); return b.getShort() & 0xffff; }
    int u32() throws P9ProtocolException { need(4, "u32"); return b.getInt(); }
    long u64() throws P9ProtocolException { need(8, "u64"); return b.getLong(); }

    Qid qid() throws P9ProtocolException {
      need(Qid.SIZE, "qid");
      return new Qid(b.get() & 0xff, b.getInt(), b.getLong());
    }

    String str() throws P9ProtocolException {
      int n = u16();
      need(n, "string");
      if (n == 0) {
        return "";
      }
      ByteBuffer slice = b.slice().limit(n);
      b.position(b.position() + n);
      boolean ascii = true;
      for (int k = 0; k < n; k++) {
        byte c = slice.get(k);
        if (c == 0) {
          throw new P9ProtocolException("string contains a NUL byte", tag, P9.EINVAL);
        }
        if (c < 0) {
          ascii = false;
        }
      }
      if (ascii) {
        byte[] bytes = new byte[n];
        slice.get(bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
      }
      try {
        CharBuffer cb = UTF8.get().reset().decode(slice);
        return cb.toString();
      } catch (CharacterCodingException e) {
        throw new P9ProtocolException("string is not valid UTF-8", tag, P9.EINVAL);
      }
    }

    ByteBuffer data() throws P9ProtocolException {
      long count = Integer.toUnsignedLong(u32());
      if (count > b.remaining()) {
        throw new P9ProtocolException("data count " + count + " exceeds the " + b.remaining()
            + " bytes left in the frame", tag, P9.EINVAL);
      }
      ByteBuffer slice = b.slice().limit((int) count).order(ByteOrder.LITTLE_ENDIAN);
      b.position(b.position() + (int) count);
      return slice;
    }
  }
}
