package io.burrow.p9.server;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A reference count that starts at one and cannot come back once it has reached zero: for things
 * concurrent requests share (a fid, the gofer's pinned nodes) and that whoever drops the last
 * reference closes, exactly once. Thread-safe.
 */
public final class RefCount {
  private final AtomicInteger refs = new AtomicInteger(1);

  /** Takes one more reference unless the last one is already gone; returns whether it did. */
  public boolean tryRetain() {
    int r;
    do {
      r = refs.get();
      if (r <= 0) {
        return false;
      }
    } while (!refs.compareAndSet(r, r + 1));
    return true;
  }

  /** Takes one more reference; the caller holds one, so the count cannot be zero. */
  public void retain() {
    if (refs.getAndIncrement() <= 0) {
      throw new IllegalStateException("retained after the last release");
    }
  }

  /** Drops one reference; returns true when it was the last, and the caller must close. */
  public boolean release() {
    return refs.decrementAndGet() == 0;
  }
}
