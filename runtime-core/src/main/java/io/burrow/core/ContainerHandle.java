package io.burrow.core;

import io.burrow.api.spi.ProcessId;
import io.burrow.api.state.ContainerState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * One container of a {@link BurrowRuntime}, by id. Each call takes the container's lock for its
 * own duration only (so that other processes, {@code burrow state} say, work meanwhile), and
 * {@link #waitForExit()} holds none. A handle from {@code create} owns its container: closing it
 * kills and deletes what is left of it, and removes the bundle directory of an in-memory spec;
 * one from {@code get} owns nothing. Thread-safe as far as the container's lock makes it.
 */
public final class ContainerHandle implements AutoCloseable {
  private final Containers containers;
  private final String id;
  private final boolean owned;
  private final Path ownedBundle;

  ContainerHandle(Containers containers, String id, boolean owned, Path ownedBundle) {
    this.containers = containers;
    this.id = id;
    this.owned = owned;
    this.ownedBundle = ownedBundle;
  }

  public String id() {
    return id;
  }

  /** Lets the program run, as {@code burrow start}. */
  public void start() throws ContainerException {
    try (Container c = containers.load(id)) {
      c.start();
    }
  }

  /** Sends {@code signal} to the container's init, as {@code burrow kill}. */
  public void signal(int signal) throws ContainerException {
    try (Container c = containers.load(id)) {
      c.kill(signal, false);
    }
  }

  /** Sends {@code signal} to every process of the container, as {@code burrow kill --all}. */
  public void signalAll(int signal) throws ContainerException {
    try (Container c = containers.load(id)) {
      c.kill(signal, true);
    }
  }

  /**
   * Waits for the program to exit and returns its status (128 + n for signal n). Only the process
   * that created the container can wait for it, as with {@code runc run}.
   */
  public int waitForExit() throws ContainerException {
    return containers.waitForExit(id);
  }

  /** The live processes of the container (its cgroup's members), as {@code burrow ps} lists them. */
  public List<ProcessId> processes() throws ContainerException {
    return containers.processes(id);
  }

  /** The live helper processes the runtime started for the container ({@link Container#helpers()}). */
  public List<ProcessId> helpers() throws ContainerException {
    try (Container c = containers.load(id)) {
      return c.helpers();
    }
  }

  public ContainerState state() throws ContainerException {
    return containers.state(id);
  }

  /** Deletes the stopped container (with {@code force}, a running one too), as {@code burrow delete}. */
  public void delete(boolean force) throws ContainerException {
    try (Container c = containers.load(id)) {
      c.delete(force);
    }
    deleteBundle(ownedBundle);
  }

  /** For an owned container: kills and deletes whatever is left of it. Idempotent. */
  @Override
  public void close() throws ContainerException {
    if (!owned) {
      return;
    }
    if (containers.exists(id)) {
      delete(true);
    }
    deleteBundle(ownedBundle);
  }

  static void deleteBundle(Path bundle) {
    if (bundle == null || !Files.exists(bundle)) {
      return;
    }
    try (Stream<Path> files = Files.walk(bundle)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot remove the bundle directory " + bundle, e);
    }
  }
}
