package io.burrow.core.store;

import io.burrow.api.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A second process for {@link ContainerStoreTest}: takes a container's lock through the real
 * {@link ContainerStore}, writes {@code locked}, waits for the test to create {@code release},
 * optionally deletes (and re-creates) the container, writes {@code released} and only then
 * releases the lock and exits.
 *
 * <p>Arguments: ROOT ID MARKER_DIR MODE, MODE being {@code hold}, {@code delete}, {@code recreate}
 * or {@code create} (create the container and hold it before its first state is written).
 */
public final class LockHolder {
  private LockHolder() {}

  public static void main(String[] args) throws Exception {
    ContainerStore store = new ContainerStore(Config.defaults().withRoot(Path.of(args[0])));
    String id = args[1];
    Path markers = Path.of(args[2]);
    String mode = args[3];
    ContainerStore.ContainerLock lock = mode.equals("create") ? store.create(id) : store.lock(id);
    Files.writeString(markers.resolve("locked"), "locked");
    Path release = markers.resolve("release");
    while (!Files.exists(release)) {
      Thread.sleep(5);
    }
    ContainerStore.ContainerLock newLock = null;
    if (mode.equals("delete") || mode.equals("recreate")) {
      lock.deleteDirectory();
    }
    if (mode.equals("recreate")) {
      // A new container with the same id, locked by us, before the old lock is released.
      newLock = store.create(id);
      newLock.write(new ContainerRecord(id, "/b", "/b/rootfs", io.burrow.api.state.Status.CREATED, null, null, null,
          null, "direct", "2026-01-02T03:04:05Z", "root", java.util.Map.of()));
    }
    Files.writeString(markers.resolve("released"), "released");
    lock.close();
    if (newLock != null) {
      // Hold the new container until told, so the test can check it is not locked twice.
      Path done = markers.resolve("done");
      while (!Files.exists(done)) {
        Thread.sleep(5);
      }
      newLock.close();
    }
  }
}
