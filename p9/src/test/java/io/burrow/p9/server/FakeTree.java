package io.burrow.p9.server;

import io.burrow.p9.Message;
import io.burrow.p9.Message.*;
import io.burrow.p9.P9;
import io.burrow.p9.P9Error;
import io.burrow.p9.Qid;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory file tree served as a {@link Session}: one root directory of read-only files, a
 * fid table, and attach, walk, lopen, read, readlink (a file's contents as its "target") and
 * clunk. A read of the file named "slow" waits for {@link #release} on a worker, so that tests
 * can flush it while it is in progress; a walk to "boom" throws a RuntimeException. Thread-safe.
 */
final class FakeTree implements Session {
  private static final Qid ROOT = new Qid(P9.QTDIR, 0, 1);

  private final Map<String, byte[]> files;
  private final Map<Integer, String> fids = new ConcurrentHashMap<>(); // "" is the root
  final CountDownLatch release = new CountDownLatch(1);
  final AtomicInteger resets = new AtomicInteger();
  final List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());

  FakeTree(Map<String, String> contents) {
    files = new ConcurrentHashMap<>();
    contents.forEach((k, v) -> files.put(k, v.getBytes(StandardCharsets.UTF_8)));
  }

  int fidCount() {
    return fids.size();
  }

  @Override
  public boolean answerInline(Message m, boolean alone) {
    return !(m instanceof Tread);
  }

  @Override
  public Message handle(int tag, Message m, ByteBuffer out) throws P9Error {
    log.add(m.getClass().getSimpleName());
    if (m instanceof Tattach t) {
      add(t.fid(), "");
      return new Rattach(ROOT);
    } else if (m instanceof Twalk t) {
      String at = path(t.fid());
      List<Qid> qids = new ArrayList<>();
      for (String name : t.names()) {
        if (name.equals("boom")) {
          throw new IllegalStateException("a bug in the file system");
        }
        if (!at.isEmpty() || !files.containsKey(name)) {
          if (qids.isEmpty()) {
            throw new P9Error(P9.ENOENT, "walk " + name);
          }
          return new Rwalk(qids);
        }
        at = name;
        qids.add(qid(at));
      }
      add(t.newfid(), at);
      return new Rwalk(qids);
    } else if (m instanceof Tlopen t) {
      return new Rlopen(qid(path(t.fid())), 0);
    } else if (m instanceof Treadlink t) {
      return new Rreadlink(new String(data(t.fid()), StandardCharsets.UTF_8));
    } else if (m instanceof Tread t) {
      String p = path(t.fid());
      if (p.equals("slow")) {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new P9Error(4, "interrupted");
        }
      }
      byte[] d = data(t.fid());
      int from = (int) Math.min(t.offset(), d.length);
      int n = Math.min(t.count(), d.length - from);
      return new Rread(ByteBuffer.wrap(d, from, n).slice());
    } else if (m instanceof Tclunk t) {
      if (fids.remove(t.fid()) == null) {
        throw new P9Error(P9.EBADF, "fid " + t.fid());
      }
      return new Rclunk();
    }
    throw new P9Error(P9.EOPNOTSUPP, m.getClass().getSimpleName());
  }

  @Override
  public void reset() {
    fids.clear();
    resets.incrementAndGet();
  }

  private void add(int fid, String path) throws P9Error {
    if (fids.putIfAbsent(fid, path) != null) {
      throw new P9Error(P9.EEXIST, "fid " + fid);
    }
  }

  private String path(int fid) throws P9Error {
    String p = fids.get(fid);
    if (p == null) {
      throw new P9Error(P9.EBADF, "fid " + fid);
    }
    return p;
  }

  private byte[] data(int fid) throws P9Error {
    String p = path(fid);
    if (p.isEmpty()) {
      throw new P9Error(P9.EISDIR, "the root");
    }
    return files.get(p);
  }

  private Qid qid(String path) {
    return path.isEmpty() ? ROOT : new Qid(P9.QTFILE, 0, 2 + path.hashCode() & 0xffff);
  }
}
