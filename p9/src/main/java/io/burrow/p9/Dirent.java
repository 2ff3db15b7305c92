package io.burrow.p9;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One Rreaddir entry: {@code qid[13] offset[8] type[1] name[s]}. {@code offset} is the cookie to
 * pass in the next Treaddir to continue after this entry; {@code type} is a Linux {@code d_type}.
 */
public record Dirent(Qid qid, long offset, int type, String name) {
  /** The encoded size of an entry with a name of {@code nameBytes} bytes. */
  public static int size(int nameBytes) {
    return Qid.SIZE + 8 + 1 + 2 + nameBytes;
  }

  /** Parses packed entries; throws on a truncated or malformed entry. */
  public static List<Dirent> parse(ByteBuffer data) throws P9ProtocolException {
    ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    Codec.In in = new Codec.In(b, -1);
    List<Dirent> out = new ArrayList<>();
    while (b.hasRemaining()) {
      out.add(new Dirent(in.qid(), in.u64(), in.u8(), in.str()));
    }
    return out;
  }

  /** Appends this entry if it fits; returns false (writing nothing) when it does not. */
  public static boolean put(ByteBuffer out, Qid qid, long offset, int type, byte[] name) {
    if (out.remaining() < size(name.length)) {
      return false;
    }
    out.order(ByteOrder.LITTLE_ENDIAN);
    out.put((byte) qid.type()).putInt(qid.version()).putLong(qid.path());
    out.putLong(offset).put((byte) type).putShort((short) name.length).put(name);
    return true;
  }

  public static boolean put(ByteBuffer out, Dirent d) {
    return put(out, d.qid, d.offset, d.type, d.name.getBytes(StandardCharsets.UTF_8));
  }
}
