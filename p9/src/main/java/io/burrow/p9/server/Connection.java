package io.burrow.p9.server;

import io.burrow.p9.Codec;
import io.burrow.p9.FrameReader;
import io.burrow.p9.Message;
import io.burrow.p9.P9;
import io.burrow.p9.P9Error;
import io.burrow.p9.P9ProtocolException;
import io.burrow.p9.Transport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One 9P connection on a {@link Transport}, which it owns and closes when it ends. A
 * single reader thread reads frames through a {@link FrameReader} and answers the requests that
 * only touch the served tree briefly itself, in arrival order ({@link Session#answerInline}),
 * collecting their replies into one write made before it next waits; Tversion and Tflush are
 * handled there too. Other requests go to the shared worker pool with the buffer they were read
 * into, and their replies go out by tag in completion order. A write lock keeps reply frames whole.
 *
 * <p>Bounds: at most {@link #MAX_INFLIGHT} requests are in progress per connection (the reader
 * stops reading until one finishes), each frame is at most the negotiated msize, and the buffers
 * handed to workers come from a per-connection pool of at most MAX_INFLIGHT buffers. A frame whose header
 * is readable but whose body is malformed gets an Rlerror; a frame whose size is out of range ends
 * the connection (its framing is lost). Nothing here affects other connections.
 */
public final class Connection {
  private static final Logger log = LoggerFactory.getLogger(Connection.class);
  /** Requests in progress per connection at most. */
  public static final int MAX_INFLIGHT = 32;
  /** The frame limit before Tversion has negotiated one. */
  private static final int INITIAL_MSIZE = 8192;

  private final Transport transport;
  private final String name;
  private final Session ops;
  private final Executor workers;
  private final int maxMsize;
  private final Semaphore permits = new Semaphore(MAX_INFLIGHT);
  private final ConcurrentLinkedQueue<ByteBuffer> freeFrames = new ConcurrentLinkedQueue<>();
  private final ConcurrentHashMap<Integer, Request> inflight = new ConcurrentHashMap<>();
  private final Object writeLock = new Object();
  /** Replies made on the reader thread, not yet sent (see {@link #send}); reader-owned. */
  private final ByteBuffer batch = ByteBuffer.allocateDirect(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
  private volatile Thread reader;
  private final CountDownLatch ended = new CountDownLatch(1);
  private volatile int msize = INITIAL_MSIZE;
  private volatile boolean broken;

  /** A request in progress; replies and flush callbacks are ordered by its monitor. */
  private static final class Request {
    final int tag;
    boolean done;
    List<Runnable> after;

    Request(int tag) {
      this.tag = tag;
    }
  }

  Connection(Transport transport, String name, Session session, Executor workers, int maxMsize) {
    this.transport = transport;
    this.name = name;
    this.ops = session;
    this.workers = workers;
    this.maxMsize = maxMsize;
  }

  public String name() {
    return name;
  }

  /** Blocks until the connection has ended and its transport and fids are released. */
  public void awaitEnd() throws InterruptedException {
    ended.await();
  }

  public boolean hasEnded() {
    return ended.getCount() == 0;
  }

  /** Ends the connection from outside: wakes the reader, which then releases everything. */
  public void shutdown() {
    transport.shutdown();
  }

  /** The reader loop; returns when the peer hangs up or breaks the protocol. */
  void run() {
    try {
      readLoop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // A reset or failed transport is an ordinary hang-up.
      log.debug("{}: {}", name, e.getMessage());
    } catch (P9ProtocolException e) {
      log.warn("{}: closing connection: {}", name, e.getMessage());
    } catch (RuntimeException e) {
      log.error("{}: reader failed", name, e);
    } finally {
      finish();
    }
  }

  private void readLoop() throws InterruptedException, IOException, P9ProtocolException {
    FrameReader frames = new FrameReader(transport, INITIAL_MSIZE);
    reader = Thread.currentThread();
    while (!broken) {
      permits.acquire();
      boolean dispatched = false;
      try {
        if (!frames.hasFrame()) {
          flushReplies(); // before the reader waits for more
        }
        ByteBuffer frame = frames.next(msize);
        if (frame == null) {
          return;
        }
        Codec.Frame f;
        try {
          f = Codec.decode(frame, msize);
        } catch (P9ProtocolException e) {
          if (e.tag() < 0) {
            throw e;
          }
          log.debug("{}: bad frame: {}", name, e.getMessage());
          reply(e.tag(), new Message.Rlerror(e.errno()));
          continue;
        }
        Message m = f.message();
        switch (m.type()) {
          case P9.TVERSION -> {
            version(f.tag(), (Message.Tversion) m);
            frames.resize(msize);
          }
          case P9.TFLUSH -> flush(f.tag(), ((Message.Tflush) m).oldtag());
          default -> {
            if (!P9.isRequest(m.type())) {
              reply(f.tag(), new Message.Rlerror(P9.EINVAL));
              continue;
            }
            Request r = new Request(f.tag());
            inflight.put(f.tag(), r);
            if (ops.answerInline(m, inflight.size() == 1)) {
              // Answered here, in arrival order: see Session#answerInline.
              work(r, m);
            } else {
              // The worker gets the buffer the request lives in; the reader goes on with another.
              ByteBuffer held = frames.handOff(takeFrame(frames.bufferSize()));
              workers.execute(() -> {
                try {
                  work(r, m);
                } finally {
                  giveBack(held);
                }
              });
              dispatched = true;
            }
          }
        }
      } finally {
        if (!dispatched) {
          permits.release();
        }
      }
    }
  }

  /** A pooled buffer of at least {@code need} bytes for the reader to go on with. */
  private ByteBuffer takeFrame(int need) {
    ByteBuffer b = freeFrames.poll();
    if (b == null || b.capacity() < need) {
      b = ByteBuffer.allocateDirect(need).order(ByteOrder.LITTLE_ENDIAN);
    }
    b.clear();
    return b;
  }

  private void giveBack(ByteBuffer frame) {
    freeFrames.offer(frame); // at most MAX_INFLIGHT frames exist: one per permit
    permits.release();
  }

  private void version(int tag, Message.Tversion t) throws InterruptedException {
    // Tversion resets the session: wait until every other request is done, then drop all fids.
    permits.acquire(MAX_INFLIGHT - 1);
    try {
      ops.reset();
      long client = Integer.toUnsignedLong(t.msize());
      if (!t.version().startsWith(P9.VERSION) || client < 512) {
        reply(tag, new Message.Rversion(t.msize(), "unknown"));
        return;
      }
      int negotiated = (int) Math.min(client, maxMsize);
      msize = negotiated;
      freeFrames.clear();
      reply(tag, new Message.Rversion(negotiated, P9.VERSION));
    } finally {
      permits.release(MAX_INFLIGHT - 1);
    }
  }

  private void flush(int tag, int oldtag) {
    Request r = inflight.get(oldtag);
    if (r != null) {
      ops.cancel(oldtag);
      synchronized (r) {
        if (!r.done) {
          // Rflush must follow the original reply, so send it once that reply is out.
          if (r.after == null) {
            r.after = new ArrayList<>(1);
          }
          r.after.add(() -> reply(tag, new Message.Rflush()));
          return;
        }
      }
    }
    reply(tag, new Message.Rflush());
  }

  private void work(Request r, Message m) {
    ByteBuffer out = Buffers.out(replyRoom(m));
    Message replyMsg;
    try {
      replyMsg = ops.handle(r.tag, m, out);
    } catch (P9Error e) {
      replyMsg = new Message.Rlerror(e.errno());
    } catch (RuntimeException e) {
      log.error("{}: {} failed", name, ops.describe(m), e);
      replyMsg = new Message.Rlerror(P9.EIO);
    }
    if (replyMsg != null) {
      encode(r.tag, replyMsg, out);
    }
    List<Runnable> after;
    synchronized (r) {
      send(out, out.position());
      r.done = true;
      inflight.remove(r.tag, r);
      after = r.after;
    }
    if (after != null) {
      after.forEach(Runnable::run);
    }
  }

  /**
   * The most a reply to {@code m} can need: the requested count of a read, else {@link
   * Buffers#SMALL}, which every other reply fits in.
   */
  private int replyRoom(Message m) {
    long count = switch (m.type()) {
      case P9.TREAD -> Integer.toUnsignedLong(((Message.Tread) m).count());
      case P9.TREADDIR -> Integer.toUnsignedLong(((Message.Treaddir) m).count());
      default -> 0;
    };
    return (int) Math.min(msize, Math.max(Buffers.SMALL, count + P9.IOHDRSZ));
  }

  private void encode(int tag, Message m, ByteBuffer out) {
    int room = Math.min(msize, out.capacity());
    out.clear().limit(room);
    try {
      Codec.encode(tag, m, out);
    } catch (P9ProtocolException e) {
      out.clear().limit(room);
      try {
        Codec.encode(tag, new Message.Rlerror(P9.ERANGE), out);
      } catch (P9ProtocolException impossible) {
        throw new IllegalStateException(impossible);
      }
    }
  }

  private void reply(int tag, Message m) {
    ByteBuffer out = Buffers.out(Math.min(msize, Buffers.SMALL));
    encode(tag, m, out);
    send(out, out.position());
  }

  /**
   * Sends one reply frame, {@code out[0, len)}. A reply made on the reader thread joins the batch,
   * which goes out in one write before the reader next waits: a burst of pipelined requests gets
   * its replies in one write, and the client one wake-up.
   */
  private void send(ByteBuffer out, int len) {
    if (Thread.currentThread() == reader && len <= batch.capacity()) {
      if (batch.remaining() < len) {
        flushReplies();
      }
      batch.put(out.duplicate().limit(len).position(0));
      return;
    }
    write(out, len);
  }

  /** Sends the batched replies (reader thread only). */
  private void flushReplies() {
    if (batch.position() > 0) {
      write(batch, batch.position());
      batch.clear();
    }
  }

  private void write(ByteBuffer out, int len) {
    synchronized (writeLock) {
      if (broken) {
        return;
      }
      try {
        transport.writeFully(out, 0, len);
      } catch (IOException e) {
        broken = true;
        transport.shutdown(); // wakes the reader, which ends the connection
      }
    }
  }

  private void finish() {
    transport.shutdown();
    inflight.keySet().forEach(ops::cancel); // a waiting request ends now, not when it times out
    try {
      permits.acquireUninterruptibly(MAX_INFLIGHT); // every worker of this connection is done
      ops.reset();
      freeFrames.clear();
      transport.close();
    } finally {
      ended.countDown();
    }
  }

  /**
   * Per-thread reply buffers, grown to the largest reply room asked for: a thread that never
   * answers a large read holds {@link #SMALL} bytes, not an msize.
   */
  static final class Buffers {
    /** Every reply but Rread and Rreaddir: at most one string (a u16 length) and fixed fields. */
    static final int SMALL = 68 * 1024;
    private static final ThreadLocal<ByteBuffer> OUT = new ThreadLocal<>();

    static ByteBuffer out(int room) {
      ByteBuffer b = OUT.get();
      if (b == null || b.capacity() < room) {
        b = ByteBuffer.allocateDirect(room).order(ByteOrder.LITTLE_ENDIAN);
        OUT.set(b);
      }
      b.clear().limit(room);
      return b;
    }
  }
}
