package io.burrow.p9.server;

import io.burrow.p9.Message.Change;
import java.util.List;

/**
 * Where a {@link FileServer} gets the changes it reports to a client that sends Tnotify: changes
 * made to the served tree by anyone but the server itself (the host, another program), so that a
 * client that caches can drop what they make stale. Implementations are thread-safe.
 */
public interface ChangeFeed {
  /**
   * A new subscription, which sees every change made from now on until it is closed. Owned by the
   * caller, which closes it.
   */
  Subscription subscribe();

  /** One client's queue of changes. Thread-safe; {@link #cancel} and {@link #close} may race a wait. */
  interface Subscription extends AutoCloseable {
    /**
     * Waits up to {@code timeoutMillis} for at least one change, then returns what is queued, up
     * to {@code max} (the rest stays queued). Returns an empty list on timeout, after
     * {@link #cancel} and once closed. When changes were dropped because the queue was full, the
     * list is one {@link Change#ALL}.
     */
    List<Change> await(int max, long timeoutMillis) throws InterruptedException;

    /** Makes a wait in progress (or the next one) return at once. */
    void cancel();

    /** Ends the subscription; idempotent. */
    @Override
    void close();
  }
}
