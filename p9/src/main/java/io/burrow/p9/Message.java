package io.burrow.p9;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * One 9P2000.L message body (the part after size[4] type[1] tag[2]). Every T and R message of the
 * 9P2000.L set is a record here; {@link Codec} encodes and decodes them. Records are immutable
 * except for their {@link ByteBuffer} payloads, which are views owned by whoever holds the frame.
 */
public sealed interface Message {
  /** The wire type number. */
  int type();

  /** Writes the body (without header). */
  void encode(Codec.Out out) throws P9ProtocolException;

  record Tversion(int msize, String version) implements Message {
    public int type() { return P9.TVERSION; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u32(msize); o.str(version); }
  }

  record Rversion(int msize, String version) implements Message {
    public int type() { return P9.RVERSION; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u32(msize); o.str(version); }
  }

  record Tauth(int afid, String uname, String aname, int nUname) implements Message {
    public int type() { return P9.TAUTH; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u32(afid); o.str(uname); o.str(aname); o.u32(nUname); }
  }

  record Rauth(Qid aqid) implements Message {
    public int type() { return P9.RAUTH; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.qid(aqid); }
  }

  record Tattach(int fid, int afid, String uname, String aname, int nUname) implements Message {
    public int type() { return P9.TATTACH; }
    public void encode(Codec.Out o) throws P9ProtocolException {
      o.u32(fid); o.u32(afid); o.str(uname); o.str(aname); o.u32(nUname);
    }
  }

  record Rattach(Qid qid) implements Message {
    public int type() { return P9.RATTACH; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.qid(qid); }
  }

  record Rlerror(int ecode) implements Message {
    public int type() { return P9.RLERROR; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u32(ecode); }
  }

  record Tflush(int oldtag) implements Message {
    public int type() { return P9.TFLUSH; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u16(oldtag); }
  }

  record Rflush() implements Message {
    public int type() { return P9.RFLUSH; }
    public void encode(Codec.Out o) {}
  }

  record Twalk(int fid, int newfid, List<String> names) implements Message {
    public Twalk { names = List.copyOf(names); }
    public int type() { return P9.TWALK; }
    public void encode(Codec.Out o) throws P9ProtocolException {
      if (names.size() > P9.MAXWELEM) {
        throw new P9ProtocolException("Twalk of " + names.size() + " names exceeds " + P9.MAXWELEM);
      }
      o.u32(fid); o.u32(newfid); o.u16(names.size());
      for (String n : names) { o.str(n); }
    }
  }

  record Rwalk(List<Qid> qids) implements Message {
    public Rwalk { qids = List.copyOf(qids); }
    public int type() { return P9.RWALK; }
    public void encode(Codec.Out o) throws P9ProtocolException {
      o.u16(qids.size());
      for (Qid q : qids) { o.qid(q); }
    }
  }

  record Tread(int fid, long offset, int count) implements Message {
    public int type() { return P9.TREAD; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u32(fid); o.u64(offset); o.u32(count); }
  }

  /** data: the bytes read, position to limit. */
  record Rread(ByteBuffer data) implements Message {
    public int type() { return P9.RREAD; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u32(data.remaining()); o.bytes(data); }
  }

  record Twrite(int fid, long offset, ByteBuffer data) implements Message {
    public int type() { return P9.TWRITE; }
    public void encode(Codec.Out o) throws P9ProtocolException {
      o.u32(fid); o.u64(offset); o.u32(data.remaining()); o.bytes(data);
    }
  }

  record Rwrite(int count) implements Message {
    public int type() { return P9.RWRITE; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u32(count); }
  }

  record Tclunk(int fid) implements Message {
    public int type() { return P9.TCLUNK; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u32(fid); }
  }

  record Rclunk() implements Message {
    public int type() { return P9.RCLUNK; }
    public void encode(Codec.Out o) {}
  }

  record Tremove(int fid) implements Message {
    public int type() { return P9.TREMOVE; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u32(fid); }
  }

  record Rremove() implements Message {
    public int type() { return P9.RREMOVE; }
    public void encode(Codec.Out o) {}
  }

  record Tstatfs(int fid) implements Message {
    public int type() { return P9.TSTATFS; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u32(fid); }
  }

  record Rstatfs(int fsType, int bsize, long blocks, long bfree, long bavail, long files, long ffree,
      long fsid, int namelen) implements Message {
    public int type() { return P9.RSTATFS; }
    public void encode(Codec.Out o) throws P9ProtocolException {
      o.u32(fsType); o.u32(bsize); o.u64(blocks); o.u64(bfree); o.u64(bavail); o.u64(files); o.u64(ffree);
      o.u64(fsid); o.u32(namelen);
    }
  }

  record Tlopen(int fid, int flags) implements Message {
    public int type() { return P9.TLOPEN; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u32(fid); o.u32(flags); }
  }

  record Rlopen(Qid qid, int iounit) implements Message {
    public int type() { return P9.RLOPEN; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.qid(qid); o.u32(iounit); }
  }

  record Tlcreate(int fid, String name, int flags, int mode, int gid) implements Message {
    public int type() { return P9.TLCREATE; }
    public void encode(Codec.Out o) throws P9ProtocolException {
      o.u32(fid); o.str(name); o.u32(flags); o.u32(mode); o.u32(gid);
    }
  }

  record Rlcreate(Qid qid, int iounit) implements Message {
    public int type() { return P9.RLCREATE; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.qid(qid); o.u32(iounit); }
  }

  record Tsymlink(int fid, String name, String target, int gid) implements Message {
    public int type() { return P9.TSYMLINK; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u32(fid); o.str(name); o.str(target); o.u32(gid); }
  }

  record Rsymlink(Qid qid) implements Message {
    public int type() { return P9.RSYMLINK; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.qid(qid); }
  }

  record Tmknod(int dfid, String name, int mode, int major, int minor, int gid) implements Message {
    public int type() { return P9.TMKNOD; }
    public void encode(Codec.Out o) throws P9ProtocolException {
      o.u32(dfid); o.str(name); o.u32(mode); o.u32(major); o.u32(minor); o.u32(gid);
    }
  }

  record Rmknod(Qid qid) implements Message {
    public int type() { return P9.RMKNOD; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.qid(qid); }
  }

  record Trename(int fid, int dfid, String name) implements Message {
    public int type() { return P9.TRENAME; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u32(fid); o.u32(dfid); o.str(name); }
  }

  record Rrename() implements Message {
    public int type() { return P9.RRENAME; }
    public void encode(Codec.Out o) {}
  }

  record Treadlink(int fid) implements Message {
    public int type() { return P9.TREADLINK; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u32(fid); }
  }

  record Rreadlink(String target) implements Message {
    public int type() { return P9.RREADLINK; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.str(target); }
  }

  record Tgetattr(int fid, long requestMask) implements Message {
    public int type() { return P9.TGETATTR; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u32(fid); o.u64(requestMask); }
  }

  record Rgetattr(long valid, Qid qid, int mode, int uid, int gid, long nlink, long rdev, long size,
      long blksize, long blocks, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec,
      long ctimeSec, long ctimeNsec, long btimeSec, long btimeNsec, long gen, long dataVersion)
      implements Message {
    public int type() { return P9.RGETATTR; }
    public void encode(Codec.Out o) throws P9ProtocolException {
      o.u64(valid); o.qid(qid); o.u32(mode); o.u32(uid); o.u32(gid); o.u64(nlink); o.u64(rdev); o.u64(size);
      o.u64(blksize); o.u64(blocks); o.u64(atimeSec); o.u64(atimeNsec); o.u64(mtimeSec); o.u64(mtimeNsec);
      o.u64(ctimeSec); o.u64(ctimeNsec); o.u64(btimeSec); o.u64(btimeNsec); o.u64(gen); o.u64(dataVersion);
    }
  }

  record Tsetattr(int fid, int valid, int mode, int uid, int gid, long size, long atimeSec, long atimeNsec,
      long mtimeSec, long mtimeNsec) implements Message {
    public int type() { return P9.TSETATTR; }
    public void encode(Codec.Out o) throws P9ProtocolException {
      o.u32(fid); o.u32(valid); o.u32(mode); o.u32(uid); o.u32(gid); o.u64(size);
      o.u64(atimeSec); o.u64(atimeNsec); o.u64(mtimeSec); o.u64(mtimeNsec);
    }
  }

  record Rsetattr() implements Message {
    public int type() { return P9.RSETATTR; }
    public void encode(Codec.Out o) {}
  }

  record Txattrwalk(int fid, int newfid, String name) implements Message {
    public int type() { return P9.TXATTRWALK; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u32(fid); o.u32(newfid); o.str(name); }
  }

  record Rxattrwalk(long size) implements Message {
    public int type() { return P9.RXATTRWALK; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u64(size); }
  }

  record Txattrcreate(int fid, String name, long attrSize, int flags) implements Message {
    public int type() { return P9.TXATTRCREATE; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u32(fid); o.str(name); o.u64(attrSize); o.u32(flags); }
  }

  record Rxattrcreate() implements Message {
    public int type() { return P9.RXATTRCREATE; }
    public void encode(Codec.Out o) {}
  }

  record Treaddir(int fid, long offset, int count) implements Message {
    public int type() { return P9.TREADDIR; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u32(fid); o.u64(offset); o.u32(count); }
  }

  /** data: packed entries {@code qid[13] offset[8] type[1] name[s]}; see {@link Dirent}. */
  record Rreaddir(ByteBuffer data) implements Message {
    public int type() { return P9.RREADDIR; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u32(data.remaining()); o.bytes(data); }
  }

  record Tfsync(int fid, int datasync) implements Message {
    public int type() { return P9.TFSYNC; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u32(fid); o.u32(datasync); }
  }

  record Rfsync() implements Message {
    public int type() { return P9.RFSYNC; }
    public void encode(Codec.Out o) {}
  }

  record Tlock(int fid, int lockType, int flags, long start, long length, int procId, String clientId)
      implements Message {
    public int type() { return P9.TLOCK; }
    public void encode(Codec.Out o) throws P9ProtocolException {
      o.u32(fid); o.u8(lockType); o.u32(flags); o.u64(start); o.u64(length); o.u32(procId); o.str(clientId);
    }
  }

  record Rlock(int status) implements Message {
    public int type() { return P9.RLOCK; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u8(status); }
  }

  record Tgetlock(int fid, int lockType, long start, long length, int procId, String clientId) implements Message {
    public int type() { return P9.TGETLOCK; }
    public void encode(Codec.Out o) throws P9ProtocolException {
      o.u32(fid); o.u8(lockType); o.u64(start); o.u64(length); o.u32(procId); o.str(clientId);
    }
  }

  record Rgetlock(int lockType, long start, long length, int procId, String clientId) implements Message {
    public int type() { return P9.RGETLOCK; }
    public void encode(Codec.Out o) throws P9ProtocolException {
      o.u8(lockType); o.u64(start); o.u64(length); o.u32(procId); o.str(clientId);
    }
  }

  record Tlink(int dfid, int fid, String name) implements Message {
    public int type() { return P9.TLINK; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u32(dfid); o.u32(fid); o.str(name); }
  }

  record Rlink() implements Message {
    public int type() { return P9.RLINK; }
    public void encode(Codec.Out o) {}
  }

  record Tmkdir(int dfid, String name, int mode, int gid) implements Message {
    public int type() { return P9.TMKDIR; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u32(dfid); o.str(name); o.u32(mode); o.u32(gid); }
  }

  record Rmkdir(Qid qid) implements Message {
    public int type() { return P9.RMKDIR; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.qid(qid); }
  }

  record Trenameat(int olddirfid, String oldname, int newdirfid, String newname) implements Message {
    public int type() { return P9.TRENAMEAT; }
    public void encode(Codec.Out o) throws P9ProtocolException {
      o.u32(olddirfid); o.str(oldname); o.u32(newdirfid); o.str(newname);
    }
  }

  record Rrenameat() implements Message {
    public int type() { return P9.RRENAMEAT; }
    public void encode(Codec.Out o) {}
  }

  record Tunlinkat(int dirfid, String name, int flags) implements Message {
    public int type() { return P9.TUNLINKAT; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u32(dirfid); o.str(name); o.u32(flags); }
  }

  record Runlinkat() implements Message {
    public int type() { return P9.RUNLINKAT; }
    public void encode(Codec.Out o) {}
  }

  /**
   * burrow's change notification (not 9P2000.L): asks for at most {@code max} changes made to the
   * served tree behind this connection's back. The server answers when it has some, or after a
   * while with none (the client then asks again); a Tflush or the connection's end answers it at
   * once. A server without the extension answers Rlerror. The first Tnotify of a connection
   * starts its subscription; {@code max} 0 only does that and is answered at once, so that a
   * client can be sure no change made after the reply is missed.
   */
  record Tnotify(int max) implements Message {
    public int type() { return P9.TNOTIFY; }
    public void encode(Codec.Out o) throws P9ProtocolException { o.u16(max); }
  }

  /** count[2] then per change: kind[1] dir[8] name[s]. */
  record Rnotify(List<Change> changes) implements Message {
    public Rnotify {
      changes = List.copyOf(changes);
    }

    public int type() { return P9.RNOTIFY; }

    public void encode(Codec.Out o) throws P9ProtocolException {
      o.u16(changes.size());
      for (Change c : changes) {
        o.u8(c.kind()); o.u64(c.dir()); o.str(c.name());
      }
    }
  }

  /**
   * One change in an {@link Rnotify}.
   *
   * @param kind {@link #ENTRY} (a name in {@code dir} was created, removed or renamed), {@link #ATTR}
   *     (the attributes of the file {@code name} in {@code dir} changed, or of {@code dir} itself
   *     when the name is empty), {@link #DATA} (the contents of the file {@code name} changed), or
   *     {@link #ALL} (the server lost track: forget everything cached; dir and name are 0 and "")
   * @param dir the qid path of the directory
   * @param name a single path component, or ""
   */
  record Change(int kind, long dir, String name) {
    public static final int ENTRY = 1, ATTR = 2, DATA = 3, ALL = 4;
    /** kind[1] dir[8] and an empty name's length[2]. */
    static final int MIN_SIZE = 11;
    /** With a name of 255 bytes, the longest a single path component can be. */
    public static final int MAX_SIZE = MIN_SIZE + 255;
  }
}
