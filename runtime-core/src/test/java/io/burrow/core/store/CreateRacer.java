package io.burrow.core.store;

import io.burrow.api.config.Config;
import io.burrow.core.ContainerException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A racing process for {@link ContainerStoreTest}: spins until {@code go} exists, creates the
 * container, writes {@code won-N} (and holds the lock until {@code release} exists) or
 * {@code lost-N} with the error message.
 *
 * <p>Arguments: ROOT ID MARKER_DIR N.
 */
public final class CreateRacer {
  private CreateRacer() {}

  public static void main(String[] args) throws Exception {
    ContainerStore store = new ContainerStore(Config.defaults().withRoot(Path.of(args[0])));
    Path markers = Path.of(args[2]);
    Files.writeString(markers.resolve("ready-" + args[3]), "");
    while (!Files.exists(markers.resolve("go"))) {
      Thread.onSpinWait();
    }
    ContainerStore.ContainerLock lock;
    try {
      lock = store.create(args[1]);
    } catch (ContainerException e) {
      mark(markers, "lost-" + args[3], e.getMessage());
      return;
    }
    mark(markers, "won-" + args[3], "");
    while (!Files.exists(markers.resolve("release"))) {
      Thread.sleep(5);
    }
    lock.close();
  }

  /** Writes a marker whole, by a rename, so that the test never reads it half written. */
  private static void mark(Path markers, String name, String text) throws java.io.IOException {
    Path tmp = Files.writeString(markers.resolve(".tmp-" + name), text);
    Files.move(tmp, markers.resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
