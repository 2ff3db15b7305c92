package io.burrow.p9.server;

import io.burrow.p9.Dirent;
import io.burrow.p9.Message.Rgetattr;
import io.burrow.p9.Message.Rgetlock;
import io.burrow.p9.Message.Rstatfs;
import io.burrow.p9.Message.Tgetlock;
import io.burrow.p9.Message.Tlock;
import io.burrow.p9.Message.Tsetattr;
import io.burrow.p9.P9;
import io.burrow.p9.P9Error;
import io.burrow.p9.Qid;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory tree behind {@link File}, for {@link FileServerTest}: directories and files with
 * contents and xattrs. It checks the guarantees {@link File} states (no call after close, close
 * once, open once, I/O only when open) and counts live instances and the calls that change the
 * tree, so that the server's bookkeeping can be seen. Thread-safe enough for the tests (the tree
 * is guarded by the {@link Tree}'s monitor).
 */
final class MemoryFile implements File {
  /** The tree: its root node and what the tests observe. */
  static final class Tree {
    final Entry root = new Entry(null, true);
    final AtomicInteger live = new AtomicInteger();
    final AtomicInteger mutations = new AtomicInteger();
    final List<String> violations = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong paths = new AtomicLong(1);

    MemoryFile attach() {
      return new MemoryFile(this, root);
    }

    synchronized Entry add(Entry dir, String name, boolean isDir, String content) {
      Entry e = new Entry(dir, isDir);
      e.path = paths.incrementAndGet();
      e.data = content.getBytes(StandardCharsets.UTF_8);
      dir.children.put(name, e);
      return e;
    }
  }

  /** A file or directory of the tree. */
  static final class Entry {
    Entry parent;
    final boolean dir;
    final Map<String, Entry> children = new TreeMap<>();
    final Map<String, byte[]> xattrs = new TreeMap<>();
    byte[] data = new byte[0];
    long path = 1;

    Entry(Entry parent, boolean dir) {
      this.parent = parent;
      this.dir = dir;
    }

    Qid qid() {
      return new Qid(dir ? P9.QTDIR : P9.QTFILE, 0, path);
    }
  }

  private final Tree tree;
  private final Entry entry;
  private boolean closed;
  private int opened = -1;

  private MemoryFile(Tree tree, Entry entry) {
    this.tree = tree;
    this.entry = entry;
    tree.live.incrementAndGet();
  }

  private void check(String call) {
    if (closed) {
      tree.violations.add(call + " after close");
    }
  }

  private void checkOpen(String call) {
    check(call);
    if (opened < 0) {
      tree.violations.add(call + " before open");
    }
  }

  private void mutate(String call) {
    check(call);
    tree.mutations.incrementAndGet();
  }

  private Entry child(String name) throws P9Error {
    synchronized (tree) {
      Entry e = entry.children.get(name);
      if (e == null) {
        throw new P9Error(P9.ENOENT, name);
      }
      return e;
    }
  }

  @Override
  public Qid qid() {
    check("qid");
    return entry.qid();
  }

  @Override
  public boolean isDirectory() {
    return entry.dir;
  }

  @Override
  public boolean waitsForPeers() {
    return false;
  }

  @Override
  public File walk(String name) throws IOException {
    check("walk");
    if (!entry.dir) {
      throw new P9Error(P9.ENOTDIR, "walk from a file");
    }
    Entry to = name.equals(".") ? entry : name.equals("..") ? (entry.parent == null ? entry : entry.parent) : child(name);
    return new MemoryFile(tree, to);
  }

  @Override
  public File duplicate() {
    check("duplicate");
    return new MemoryFile(tree, entry);
  }

  @Override
  public Rgetattr getattr(long requestMask) {
    check("getattr");
    return new Rgetattr(P9.GETATTR_BASIC, entry.qid(), entry.dir ? 040755 : 0100644, 0, 0, 1, 0, entry.data.length,
        4096, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  }

  @Override
  public void setattr(Tsetattr t) {
    mutate("setattr");
    if ((t.valid() & P9.SETATTR_SIZE) != 0) {
      synchronized (tree) {
        entry.data = java.util.Arrays.copyOf(entry.data, (int) t.size());
      }
    }
  }

  @Override
  public Rstatfs statfs() {
    return new Rstatfs(0x01021997, 4096, 100, 50, 50, 10, 5, 1, 255);
  }

  @Override
  public Qid open(int flags) {
    check("open");
    if (opened >= 0) {
      tree.violations.add("open twice");
    }
    opened = flags & 3;
    return entry.qid();
  }

  @Override
  public File create(String name, int flags, int mode, int gid) throws IOException {
    mutate("create");
    synchronized (tree) {
      if (entry.children.containsKey(name)) {
        throw new P9Error(P9.EEXIST, name);
      }
      MemoryFile f = new MemoryFile(tree, tree.add(entry, name, false, ""));
      f.opened = flags & 3;
      return f;
    }
  }

  @Override
  public int read(long offset, ByteBuffer dst) {
    checkOpen("read");
    synchronized (tree) {
      int n = (int) Math.max(0, Math.min(dst.remaining(), entry.data.length - offset));
      dst.duplicate().put(entry.data, (int) Math.min(offset, entry.data.length), n);
      return n;
    }
  }

  @Override
  public int write(long offset, ByteBuffer src) {
    checkOpen("write");
    tree.mutations.incrementAndGet();
    synchronized (tree) {
      int end = (int) offset + src.remaining();
      if (end > entry.data.length) {
        entry.data = java.util.Arrays.copyOf(entry.data, end);
      }
      src.duplicate().get(entry.data, (int) offset, src.remaining());
      return src.remaining();
    }
  }

  @Override
  public void readdir(long offset, ByteBuffer dst) {
    checkOpen("readdir");
    synchronized (tree) {
      long i = 0;
      for (Map.Entry<String, Entry> e : entry.children.entrySet()) {
        if (i++ < offset) {
          continue;
        }
        if (!Dirent.put(dst, e.getValue().qid(), i, e.getValue().dir ? 4 : 8, e.getKey().getBytes(StandardCharsets.UTF_8))) {
          return;
        }
      }
    }
  }

  @Override
  public void fsync(boolean dataOnly) {
    checkOpen("fsync");
  }

  @Override
  public Qid mkdir(String name, int mode, int gid) throws IOException {
    mutate("mkdir");
    synchronized (tree) {
      if (entry.children.containsKey(name)) {
        throw new P9Error(P9.EEXIST, name);
      }
      return tree.add(entry, name, true, "").qid();
    }
  }

  @Override
  public Qid symlink(String name, String target, int gid) throws IOException {
    throw new P9Error(P9.EOPNOTSUPP, "no symlinks in memory");
  }

  @Override
  public Qid mknod(String name, int mode, int major, int minor, int gid) throws IOException {
    throw new P9Error(P9.EOPNOTSUPP, "no device nodes in memory");
  }

  @Override
  public String readlink() throws IOException {
    throw new P9Error(P9.EINVAL, "not a symlink");
  }

  @Override
  public void link(File target, String name) {
    mutate("link");
    synchronized (tree) {
      entry.children.put(name, ((MemoryFile) target).entry);
    }
  }

  @Override
  public void rename(File newDirectory, String name) throws IOException {
    mutate("rename");
    synchronized (tree) {
      Entry from = entry.parent;
      if (from == null) {
        throw new P9Error(P9.EBUSY, "the root");
      }
      from.children.values().remove(entry);
      Entry to = ((MemoryFile) newDirectory).entry;
      to.children.put(name, entry);
      entry.parent = to;
    }
  }

  @Override
  public void renameAt(String oldName, File newDirectory, String newName) throws IOException {
    mutate("renameAt");
    synchronized (tree) {
      Entry e = child(oldName);
      entry.children.remove(oldName);
      Entry to = ((MemoryFile) newDirectory).entry;
      to.children.put(newName, e);
      e.parent = to;
    }
  }

  @Override
  public void unlinkAt(String name, int flags) throws IOException {
    mutate("unlinkAt");
    synchronized (tree) {
      child(name);
      entry.children.remove(name);
    }
  }

  @Override
  public void remove() throws IOException {
    mutate("remove");
    synchronized (tree) {
      if (entry.parent == null) {
        throw new P9Error(P9.EBUSY, "the root");
      }
      entry.parent.children.values().remove(entry);
    }
  }

  @Override
  public byte[] getXattr(String name) throws IOException {
    check("getXattr");
    synchronized (tree) {
      byte[] v = entry.xattrs.get(name);
      if (v == null) {
        throw new P9Error(P9.ENODATA, name);
      }
      return v.clone();
    }
  }

  @Override
  public byte[] listXattrs() {
    check("listXattrs");
    StringBuilder names = new StringBuilder();
    synchronized (tree) {
      entry.xattrs.keySet().forEach(n -> names.append(n).append('\0'));
    }
    return names.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void setXattr(String name, byte[] value, int flags) {
    mutate("setXattr");
    synchronized (tree) {
      entry.xattrs.put(name, value.clone());
    }
  }

  @Override
  public void removeXattr(String name) throws IOException {
    mutate("removeXattr");
    synchronized (tree) {
      if (entry.xattrs.remove(name) == null) {
        throw new P9Error(P9.ENODATA, name);
      }
    }
  }

  @Override
  public int lock(Tlock request) {
    checkOpen("lock");
    return P9.LOCK_SUCCESS;
  }

  @Override
  public Rgetlock getlock(Tgetlock request) {
    checkOpen("getlock");
    return new Rgetlock(P9.LOCK_TYPE_UNLCK, request.start(), request.length(), request.procId(), request.clientId());
  }

  @Override
  public void close() {
    if (closed) {
      tree.violations.add("closed twice");
    }
    closed = true;
    tree.live.decrementAndGet();
  }
}
