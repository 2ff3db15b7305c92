package io.burrow.p9.server;

import io.burrow.p9.Transport;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A 9P2000.L server: serves any number of connections, each on a {@link io.burrow.p9.Transport}
 * and each with its own {@link Session}. Requests of all connections run on one worker
 * pool; its size is bounded by {@link Connection#MAX_INFLIGHT} per connection, so a connection
 * whose peer stops reading can stall only its own requests.
 *
 * <p>Thread-safe. The server owns the transports handed to {@link #serve}; {@link #close()} ends
 * every connection and waits for it. What the sessions serve stays owned by the caller.
 */
public final class NinePServer implements AutoCloseable {
  /** The largest msize the server agrees to. */
  public static final int DEFAULT_MAX_MSIZE = 1 << 20;

  private final int maxMsize;
  private final ExecutorService workers;
  private final List<Connection> connections = new CopyOnWriteArrayList<>();
  private final AtomicInteger ids = new AtomicInteger();

  public NinePServer() {
    this(DEFAULT_MAX_MSIZE);
  }

  public NinePServer(int maxMsize) {
    this.maxMsize = maxMsize;
    AtomicInteger n = new AtomicInteger();
    this.workers = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
      Thread t = new Thread(r, "gofer-worker-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Starts serving {@code transport} (now owned by the server) with {@code session} on a new
   * reader thread; {@code label} names it in log lines. Returns the connection, whose end can be
   * awaited.
   */
  public Connection serve(Transport transport, Session session, String label) {
    Connection c = new Connection(transport, "9p#" + ids.incrementAndGet() + " " + label, session, workers, maxMsize);
    connections.add(c);
    Thread t = new Thread(() -> {
      try {
        c.run();
      } finally {
        connections.remove(c);
      }
    }, "gofer-conn-" + ids.get());
    t.setDaemon(true);
    t.start();
    return c;
  }

  public int activeConnections() {
    return connections.size();
  }

  @Override
  public void close() throws InterruptedException {
    for (Connection c : connections) {
      c.shutdown();
    }
    for (Connection c : connections) {
      c.awaitEnd();
    }
    workers.shutdown();
    workers.awaitTermination(10, TimeUnit.SECONDS);
  }
}
