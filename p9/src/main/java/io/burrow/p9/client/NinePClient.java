package io.burrow.p9.client;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A 9P2000.L client over a connected {@link Transport}. Thread-safe and tag-multiplexed: any number
 * of threads may call {@link #call} at once (up to {@link #MAX_TAGS} outstanding requests); one
 * reader thread matches replies to callers by tag. Rlerror replies surface as {@link P9Error} with the
 * server's errno.
 *
 * <p>Owns its transport from construction; {@link #close()} shuts it down, fails outstanding
 * calls, waits for the reader and closes the transport, once. Reply payloads ({@code Rread},
 * {@code Rreaddir}) are private copies the caller may keep.
 */
public final class NinePClient implements AutoCloseable {
  public static final int MAX_TAGS = 1024;
  /**
   * How long a caller polls for its reply before it blocks (-Dburrow.spin.micros, default 30, 0
   * turns polling off): a quick server's answer arrives sooner than a blocked thread is woken.
   */
  static final long SPIN_NANOS = Long.getLong("burrow.spin.micros", 30) * 1000;
  private static final AtomicInteger IDS = new AtomicInteger();

  private final Transport transport;
  private final int msize;
  private final ConcurrentHashMap<Integer, CompletableFuture<Message>> pending = new ConcurrentHashMap<>();
  /** Caller buffers that Rread payloads of a tag are read into directly (see {@link #read}). */
  private final ConcurrentHashMap<Integer, ByteBuffer> sinks = new ConcurrentHashMap<>();
  private final Semaphore tags = new Semaphore(MAX_TAGS);
  private final AtomicInteger nextTag = new AtomicInteger();
  private final Object writeLock = new Object();
  /**
   * The request encoding buffer, grown to msize by the first larger request ({@link #encode});
   * guarded by writeLock.
   */
  private ByteBuffer out;
  private final Thread reader;
  private volatile IOException failure;
  private boolean closed; // guarded by this

  /** An outstanding request: its tag (for Tflush) and its reply. */
  public record Pending(int tag, CompletableFuture<Message> reply) {}

  private NinePClient(Transport transport, int msize) {
    this.transport = transport;
    this.msize = msize;
    this.out = ByteBuffer.allocateDirect(Math.min(msize, SMALL)).order(ByteOrder.LITTLE_ENDIAN);
    this.reader = new Thread(this::readLoop, "9p-client-" + IDS.incrementAndGet());
    this.reader.setDaemon(true);
  }

  /**
   * Negotiates 9P2000.L with at most {@code msize} on {@code transport} (taking ownership of it) and
   * returns a ready client; closes the transport when negotiation fails.
   */
  public static NinePClient connect(Transport transport, int msize) throws IOException {
    ByteBuffer b = ByteBuffer.allocateDirect(Math.max(msize, 8192)).order(ByteOrder.LITTLE_ENDIAN);
    try {
      Codec.encode(P9.NOTAG, new Message.Tversion(msize, P9.VERSION), b);
      sendAll(transport, b, b.position());
      // The server sends nothing unasked, so nothing after Rversion is left in this reader.
      ByteBuffer frame = new FrameReader(transport, b.capacity()).next(b.capacity());
      if (frame == null) {
        throw new IOException("server hung up during version negotiation");
      }
      Codec.Frame f = Codec.decode(frame, b.capacity());
      if (!(f.message() instanceof Message.Rversion rv) || !rv.version().equals(P9.VERSION)) {
        throw new IOException("server does not speak 9P2000.L: " + f.message());
      }
      int negotiated = (int) Math.min(Integer.toUnsignedLong(rv.msize()), msize);
      NinePClient c = new NinePClient(transport, negotiated);
      c.reader.start();
      return c;
    } catch (IOException | P9ProtocolException | RuntimeException e) {
      transport.close();
      throw e instanceof IOException io ? io : new IOException("version negotiation failed: " + e.getMessage(), e);
    }
  }

  public int msize() {
    return msize;
  }

  /** The largest Tread/Twrite payload that fits in one message. */
  public int iounit() {
    return msize - P9.IOHDRSZ;
  }

  /**
   * Sends a Tread whose Rread payload is read from the socket straight into {@code sink} (a direct
   * buffer) at its position, without the intermediate copies of {@link #call}; returns the number
   * of bytes read. {@code sink} must have room for {@code request.count()} bytes; it belongs to the
   * client until this returns. Rlerror becomes {@link P9Error}.
   */
  public int read(Message.Tread request, ByteBuffer sink) throws IOException {
    return count(await(readAsync(request, sink), request), request);
  }

  /**
   * Like {@link #read} without waiting: the reply ({@code Rread} whose data is the filled part of
   * {@code sink}, or Rlerror) completes the returned future. {@code sink} belongs to the client
   * until then.
   */
  public CompletableFuture<Message> readAsync(Message.Tread request, ByteBuffer sink) throws IOException {
    if (!sink.isDirect() || sink.remaining() < Integer.toUnsignedLong(request.count())) {
      throw new IllegalArgumentException("sink must be direct with room for " + request.count() + " bytes");
    }
    return send(request, sink).reply();
  }

  /** The byte count of a reply to a {@link #readAsync}, obtained from {@link #await}. */
  public static int count(Message reply, Message.Tread request) throws IOException {
    if (!(reply instanceof Message.Rread rr)) {
      throw new IOException("expected Rread for " + request + ", got " + reply);
    }
    return rr.data().remaining();
  }

  /** Sends a request without waiting; the reply (or Rlerror) completes the returned future. */
  public Pending send(Message request) throws IOException {
    return send(request, null);
  }

  private Pending send(Message request, ByteBuffer sink) throws IOException {
    Pending p = register(sink);
    synchronized (writeLock) {
      out.clear();
      try {
        encode(p.tag(), request);
        sendAll(transport, out, out.position());
      } catch (P9ProtocolException | IOException e) {
        p.reply().completeExceptionally(e);
        throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
      }
    }
    if (failure != null) {
      p.reply().completeExceptionally(failure);
    }
    return p;
  }

  /**
   * Sends {@code requests} back to back, in as few writes as fit in msize, without waiting, and
   * returns their pending replies in order. With a server that answers in arrival order (the gofer
   * does for metadata requests, see docs/gofer.md), a request may use a fid an earlier one of the
   * batch makes. On failure every reply of the batch completes exceptionally.
   */
  public List<CompletableFuture<Message>> sendAll(List<? extends Message> requests) throws IOException {
    List<Pending> ps = new ArrayList<>(requests.size());
    try {
      for (int i = 0; i < requests.size(); i++) {
        ps.add(register(null));
      }
      synchronized (writeLock) {
        out.clear();
        for (int i = 0; i < requests.size(); i++) {
          int mark = out.position();
          try {
            encode(ps.get(i).tag(), requests.get(i));
          } catch (P9ProtocolException full) {
            if (mark == 0) {
              throw full; // too large even alone
            }
            sendAll(transport, out, mark);
            out.clear();
            encode(ps.get(i).tag(), requests.get(i));
          }
        }
        sendAll(transport, out, out.position());
      }
    } catch (P9ProtocolException | IOException e) {
      IOException io = e instanceof IOException x ? x : new IOException(e.getMessage(), e);
      ps.forEach(p -> p.reply().completeExceptionally(io));
      throw io;
    }
    List<CompletableFuture<Message>> replies = new ArrayList<>(ps.size());
    for (Pending p : ps) {
      if (failure != null) {
        p.reply().completeExceptionally(failure);
      }
      replies.add(p.reply());
    }
    return replies;
  }

  /** What the request buffer starts at: every request but a large Twrite fits. */
  private static final int SMALL = 64 * 1024;

  /**
   * Appends {@code request} to {@link #out} (under writeLock). One that does not fit (the first
   * large Twrite) grows the buffer to msize, keeping what is already in it, and is encoded again;
   * only a request that does not fit in msize fails.
   */
  private void encode(int tag, Message request) throws P9ProtocolException {
    int mark = out.position();
    try {
      Codec.encode(tag, request, out);
      return;
    } catch (P9ProtocolException e) {
      out.position(mark);
      if (out.capacity() >= msize) {
        throw e;
      }
    }
    ByteBuffer bigger = ByteBuffer.allocateDirect(msize).order(ByteOrder.LITTLE_ENDIAN);
    bigger.put(out.duplicate().position(0).limit(mark));
    out = bigger;
    try {
      Codec.encode(tag, request, out);
    } catch (P9ProtocolException e) {
      out.position(mark);
      throw e;
    }
  }

  /** Takes a tag and registers its reply future (and the Rread sink, if any). */
  private Pending register(ByteBuffer sink) throws IOException {
    IOException f = failure;
    if (f != null) {
      throw new ConnectionLostException("connection failed", f);
    }
    try {
      tags.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    int tag;
    CompletableFuture<Message> fut = new CompletableFuture<>();
    do {
      tag = nextTag.getAndIncrement() & 0x7fff;
    } while (pending.putIfAbsent(tag, fut) != null);
    int t = tag;
    if (sink != null) {
      sinks.put(t, sink);
    }
    fut.whenComplete((r, e) -> {
      sinks.remove(t, sink);
      pending.remove(t, fut);
      tags.release();
    });
    return new Pending(tag, fut);
  }

  /** Sends a request and waits for its reply; Rlerror becomes {@link P9Error}. */
  public Message call(Message request) throws IOException {
    return await(send(request).reply(), request);
  }

  /** Like {@link #call}, checking the reply type. */
  public <R extends Message> R call(Message request, Class<R> replyType) throws IOException {
    Message r = call(request);
    if (!replyType.isInstance(r)) {
      throw new IOException("expected " + replyType.getSimpleName() + " for " + request + ", got " + r);
    }
    return replyType.cast(r);
  }

  /** Waits for a reply obtained from {@link #send}. */
  public static Message await(CompletableFuture<Message> reply, Message request) throws IOException {
    Message r;
    try {
      if (SPIN_NANOS > 0 && !reply.isDone()) {
        long deadline = System.nanoTime() + SPIN_NANOS;
        while (!reply.isDone() && System.nanoTime() < deadline) {
          Thread.yield();
        }
      }
      r = reply.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    }
    if (r instanceof Message.Rlerror err) {
      throw new P9Error(err.ecode(), request.getClass().getSimpleName());
    }
    return r;
  }

  private void readLoop() {
    FrameReader frames = new FrameReader(transport, msize);
    try {
      while (true) {
        if (!frames.fill(P9.HEADER)) {
          throw new IOException("server closed the connection");
        }
        int size = frames.peekSize(msize);
        int type = frames.peekByte(4);
        int tag = frames.peekShort(5);
        ByteBuffer sink = type == P9.RREAD && size >= P9.HEADER + 4 ? sinks.get(tag) : null;
        if (sink != null) {
          // Rread for a read(): count[4], then the payload straight into the caller's buffer.
          frames.fill(P9.HEADER + 4);
          int count = frames.peekInt(P9.HEADER);
          if (count != size - P9.HEADER - 4 || count > sink.remaining()) {
            throw new P9ProtocolException("Rread count " + count + " in a frame of " + size
                + " bytes for a buffer of " + sink.remaining());
          }
          frames.transfer(P9.HEADER + 4, sink, count);
          CompletableFuture<Message> fut = pending.get(tag);
          if (fut != null) {
            fut.complete(new Message.Rread(sink.duplicate().limit(sink.position() + count)));
          }
          continue;
        }
        ByteBuffer frame = frames.next(msize);
        // Replies outlive the reader's buffer (callers keep Rreaddir data): decode a private copy.
        ByteBuffer copy = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(frame).flip();
        Codec.Frame f = Codec.decode(copy, msize);
        CompletableFuture<Message> fut = pending.get(f.tag());
        if (fut != null) {
          fut.complete(f.message());
        }
      }
    } catch (IOException | P9ProtocolException e) {
      failure = e instanceof ConnectionLostException lost ? lost
          : new ConnectionLostException("9P connection " + transport + " failed: " + e.getMessage(), e);
      pending.values().forEach(p -> p.completeExceptionally(failure));
    }
  }

  private static void sendAll(Transport transport, ByteBuffer b, int len) throws ConnectionLostException {
    try {
      transport.writeFully(b, 0, len);
    } catch (IOException e) {
      throw new ConnectionLostException("9P send on " + transport + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      transport.shutdown();
    }
    try {
      reader.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    transport.close();
  }
}
