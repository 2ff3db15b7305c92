package io.burrow.api.spi;

/**
 * An open file descriptor with one owner. Whoever holds an {@code IoFile} closes it exactly once;
 * handing it to another process (as an inherited fd or over SCM_RIGHTS) does not transfer
 * ownership of this copy. Implementations make {@link #close()} idempotent.
 */
public interface IoFile extends AutoCloseable {
  /** The descriptor number in this process; not valid after {@link #close()}. */
  int fd();

  /** A short description for errors and logs, e.g. "sandbox end of /data". */
  String description();

  @Override
  void close();
}
