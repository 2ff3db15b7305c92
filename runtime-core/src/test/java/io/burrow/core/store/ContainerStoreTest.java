package io.burrow.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.burrow.api.config.Config;
import io.burrow.api.spi.ProcessId;
import io.burrow.api.state.Status;
import io.burrow.core.ContainerException;
import io.burrow.core.store.ContainerStore.ContainerLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Proves the state directory's contract: ids are validated, creation is exclusive, records are
 * written whole and read back, {@code list()} skips containers still being created, and the
 * container lock excludes <em>other processes</em>: a second JVM holding the lock keeps this one
 * waiting until it lets go, and a container deleted (or deleted and re-created) by the holder is
 * never handed out as if it were still the container we waited for.
 *
 * <p>Ordering, not timing: the test learns that its own {@code lock()} is blocked from
 * {@code /proc/locks} (a pending request shows there with {@code ->}), and only then lets the other
 * process go on.
 */
class ContainerStoreTest {
  private static final long GUARD_SECONDS = 60; // only against a hang, never asserted as a duration

  @TempDir Path tmp;
  private Path root;
  private Path markers;
  private ContainerStore store;
  private java.lang.Process holder;

  @BeforeEach
  void setUp() throws IOException {
    root = tmp.resolve("root");
    markers = Files.createDirectories(tmp.resolve("markers"));
    store = new ContainerStore(Config.defaults().withRoot(root));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (holder != null && holder.isAlive()) {
      holder.destroyForcibly().waitFor();
    }
  }

  private static ContainerRecord record(String id, Status status) {
    return new ContainerRecord(id, "/bundles/" + id, "/bundles/" + id + "/rootfs", status, new ProcessId(4242, 99L), null, null, null,
        "direct", "2026-01-02T03:04:05Z", "root", Map.of("a", "b"));
  }

  private void createWithState(String id) throws ContainerException {
    try (ContainerLock lock = store.create(id)) {
      lock.write(record(id, Status.CREATED));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".", "..", "a/b", "../x", "a b", "a\nb", "é", "a:b", "/abs"})
  void invalidIdsAreRejectedEverywhere(String id) {
    assertThatThrownBy(() -> store.create(id)).isInstanceOf(ContainerException.class).hasMessageContaining("invalid container id");
    assertThatThrownBy(() -> store.lock(id)).isInstanceOf(ContainerException.class).hasMessageContaining("invalid container id");
    assertThatThrownBy(() -> store.read(id)).isInstanceOf(ContainerException.class).hasMessageContaining("invalid container id");
    assertThat(root).doesNotExist();
  }

  @Test
  void nullIdIsRejected() {
    assertThatThrownBy(() -> ContainerStore.validateId(null)).isInstanceOf(ContainerException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "A-b_c.d+e", "e41b84efdc3e3953e1d7afbb003b370ed7b9ab790ab0bada1310486480903343", "..a", "a.."})
  void validIdsAreAccepted(String id) throws Exception {
    ContainerStore.validateId(id);
    createWithState(id);
    assertThat(store.read(id)).contains(record(id, Status.CREATED));
  }

  /**
   * A mount left in a state directory (a shared-namespace root whose release failed) is not
   * deleted through: the files it shows belong to a rootfs elsewhere. Needs root to bind-mount.
   */
  @Test
  void deleteNeverDescendsIntoAMountInTheStateDirectory() throws Exception {
    Path elsewhere = Files.createDirectories(tmp.resolve("a-rootfs"));
    Files.writeString(elsewhere.resolve("precious"), "keep");
    Path mountPoint;
    try (ContainerLock lock = store.create("m1")) {
      mountPoint = Files.createDirectories(lock.dir().resolve("rootfs"));
      Files.writeString(lock.dir().resolve("other"), "x");
      sh("mount", "--bind", elsewhere.toString(), mountPoint.toString());
      try {
        lock.deleteDirectory();
        assertThat(elsewhere.resolve("precious")).hasContent("keep");
        assertThat(store.read("m1")).isEmpty();
      } finally {
        sh("sh", "-c", "grep -q ' " + tmp + "/root/' /proc/self/mountinfo && umount -l $(awk '$5 ~ \"^" + tmp
            + "/root/\" {print $5}' /proc/self/mountinfo) || true");
      }
    }
  }

  private static void sh(String... command) throws Exception {
    java.lang.Process p = new ProcessBuilder(command).inheritIO().start();
    assertThat(p.waitFor()).as("%s", List.of(command)).isZero();
  }

  @Test
  void createTwiceIsAlreadyExists() throws Exception {
    createWithState("c1");
    assertThatThrownBy(() -> store.create("c1"))
        .isInstanceOf(ContainerException.class)
        .hasMessage("container 'c1' already exists");
    // The failed create left the first container alone.
    assertThat(store.read("c1")).contains(record("c1", Status.CREATED));
  }

  @Test
  void lockOfUnknownIdDoesNotExistAndCreatesNothing() {
    assertThatThrownBy(() -> store.lock("ghost"))
        .isInstanceOf(ContainerException.class)
        .hasMessage("container 'ghost' does not exist");
    assertThat(root.resolve("ghost")).doesNotExist();
  }

  @Test
  void readOfUnknownIdIsEmpty() throws Exception {
    assertThat(store.read("ghost")).isEmpty();
  }

  @Test
  void writeReplacesTheStateWholeAndLeavesNoTemporaryFile() throws Exception {
    try (ContainerLock lock = store.create("c1")) {
      assertThat(lock.read()).isEmpty();
      lock.write(record("c1", Status.CREATING));
      lock.write(record("c1", Status.CREATED).withStatus(Status.RUNNING));
      assertThat(lock.read()).contains(record("c1", Status.RUNNING));
    }
    assertThat(store.read("c1")).contains(record("c1", Status.RUNNING));
    try (var files = Files.list(root.resolve("c1"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("state.json", "lock");
    }
    try (ContainerLock lock = store.lock("c1")) {
      assertThat(lock.read()).contains(record("c1", Status.RUNNING));
    }
  }

  @Test
  void stateDirectoriesAreNotWorldReadable() throws Exception {
    createWithState("c1");
    assertThat(Files.getPosixFilePermissions(root.resolve("c1")))
        .doesNotContain(java.nio.file.attribute.PosixFilePermission.OTHERS_READ,
            java.nio.file.attribute.PosixFilePermission.GROUP_READ);
  }

  @Test
  void unreadableStateNamesTheContainerAndFile() throws Exception {
    createWithState("c1");
    Files.writeString(root.resolve("c1/state.json"), "{\"id\": ");
    assertThatThrownBy(() -> store.read("c1"))
        .isInstanceOf(ContainerException.class)
        .hasMessageContaining("'c1'")
        .hasMessageContaining(root.resolve("c1/state.json").toString());
  }

  @Test
  void listIsSortedAndSkipsContainersBeingCreated() throws Exception {
    assertThat(store.list()).isEmpty(); // no root yet
    createWithState("b");
    createWithState("a");
    try (ContainerLock creating = store.create("c")) {
      Files.createDirectories(root.resolve("not-a-container"));
      Files.writeString(root.resolve("stray-file"), "x");
      assertThat(store.list()).extracting(ContainerRecord::id).containsExactly("a", "b");
      assertThat(creating.read()).isEmpty();
    }
  }

  @Test
  void deleteDirectoryRemovesTheContainer() throws Exception {
    createWithState("c1");
    try (ContainerLock lock = store.lock("c1")) {
      lock.deleteDirectory();
    }
    assertThat(root.resolve("c1")).doesNotExist();
    assertThat(store.read("c1")).isEmpty();
    assertThatThrownBy(() -> store.lock("c1")).hasMessage("container 'c1' does not exist");
    createWithState("c1"); // the id is free again
  }

  // --- recovery from killed commands ---

  @Test
  void aDeleteKilledBetweenMarkingAndRenamingIsTakenOverNotSpunOn() throws Exception {
    createWithState("c1");
    // What a delete killed right after marking the lock leaves: the mark, under the id's name.
    Files.writeString(root.resolve("c1/lock"), "x4242-1-2");
    CompletableFuture<Optional<ContainerRecord>> locked = CompletableFuture.supplyAsync(() -> {
      try (ContainerLock lock = store.lock("c1")) {
        return lock.read();
      } catch (ContainerException e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    });
    assertThat(locked.get(GUARD_SECONDS, TimeUnit.SECONDS)).get().extracting(ContainerRecord::id).isEqualTo("c1");
    assertThat(Files.size(root.resolve("c1/lock"))).as("the mark is cleared by the new holder").isZero();
    try (ContainerLock lock = store.lock("c1")) {
      lock.deleteDirectory();
    }
    assertThat(root.resolve("c1")).doesNotExist();
  }

  @Test
  void aCreateKilledBeforeItsFirstStateDoesNotKeepTheIdTaken() throws Exception {
    for (String id : List.of("c2", "c3")) {
      // What a create killed while writing its first state leaves.
      Path dir = Files.createDirectories(root.resolve(id));
      Files.createFile(dir.resolve("lock"));
      Files.createFile(dir.resolve("state.json.tmp"));
      Files.createDirectory(dir.resolve("sandbox"));
    }
    assertThat(store.read("c2")).isEmpty();
    assertThat(store.list()).isEmpty();
    assertThatThrownBy(() -> store.lock("c2")).hasMessage("container 'c2' does not exist");
    assertThat(root.resolve("c2")).as("removed by the lookup").doesNotExist();
    createWithState("c3"); // taken over by a new create
    assertThat(store.read("c3")).isPresent();
    try (var s = Files.list(root.resolve("c3"))) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("lock", "state.json");
    }
  }

  @Test
  void aCreateStillRunningKeepsItsId() throws Exception {
    startHolder("c4", "create");
    assertThatThrownBy(() -> store.create("c4")).hasMessage("container 'c4' already exists");
    assertThat(root.resolve("c4/lock")).exists();
    Files.createFile(markers.resolve("release"));
    assertThat(holder.waitFor(GUARD_SECONDS, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aDeleteKilledAfterRenamingIsSweptByTheNextCreate() throws Exception {
    Path doomed = Files.createDirectories(root.resolve("#deleted#c5-4242"));
    Files.writeString(doomed.resolve("lock"), "x4242-1-2");
    Files.createDirectory(doomed.resolve("sandbox"));
    createWithState("c6");
    assertThat(doomed).doesNotExist();
  }

  @Test
  void aStagingDirectoryIsSweptOnlyOnceItsCreatorIsDead() throws Exception {
    Process dead = new ProcessBuilder("true").start();
    dead.waitFor();
    Path live = Files.createDirectories(root.resolve("#creating#c7-" + ProcessHandle.current().pid() + "-1"));
    Path left = Files.createDirectories(root.resolve("#creating#c7-" + dead.pid() + "-2"));
    Files.createFile(left.resolve("lock"));
    createWithState("c8");
    assertThat(left).as("the staging directory of a create that died").doesNotExist();
    assertThat(live).as("a live creator makes its lock just after its directory").exists();
  }

  @Test
  void racingCreatesInSeparateProcessesHaveExactlyOneWinnerAndLeaveNoStagingDirectory() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    int racers = 4;
    for (int round = 0; round < 5; round++) {
      String id = "r" + round;
      Path marks = Files.createDirectories(markers.resolve(id));
      List<Process> ps = new java.util.ArrayList<>();
      try {
        for (int n = 0; n < racers; n++) {
          ps.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), CreateRacer.class.getName(),
              root.toString(), id, marks.toString(), Integer.toString(n))
              .redirectErrorStream(true).redirectOutput(tmp.resolve(id + "-" + n + ".log").toFile()).start());
        }
        for (int n = 0; n < racers; n++) {
          awaitFile(marks.resolve("ready-" + n));
        }
        Files.createFile(marks.resolve("go"));
        awaitCondition(() -> count(marks, "won-") + count(marks, "lost-") == racers, null, "every racer of " + id);
        assertThat(count(marks, "won-")).as("creates of %s that succeeded", id).isEqualTo(1);
        try (var files = Files.list(marks)) {
          for (Path lost : files.filter(f -> f.getFileName().toString().startsWith("lost-")).toList()) {
            assertThat(Files.readString(lost)).isEqualTo("container '" + id + "' already exists");
          }
        }
        assertThat(root.resolve(id + "/lock")).as("the winner's lock under the id").exists();
        Files.createFile(marks.resolve("release"));
        for (Process p : ps) {
          assertThat(p.waitFor(GUARD_SECONDS, TimeUnit.SECONDS)).isTrue();
          assertThat(p.exitValue()).isZero();
        }
      } finally {
        ps.forEach(Process::destroyForcibly);
      }
      try (var names = Files.list(root)) {
        assertThat(names.map(f -> f.getFileName().toString())).as("what the racers left").noneMatch(n -> n.startsWith("#"));
      }
    }
  }

  private static long count(Path dir, String prefix) {
    try (var files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().startsWith(prefix)).count();
    } catch (IOException e) {
      return -1;
    }
  }

  // --- cross-process locking ---

  @Test
  void lockWaitsForAnotherProcessToRelease() throws Exception {
    createWithState("c1");
    startHolder("c1", "hold");
    CompletableFuture<Boolean> releasedWhenLocked = lockInBackground("c1");

    awaitBlockedOn(root.resolve("c1/lock"), releasedWhenLocked);
    Files.createFile(markers.resolve("release"));

    assertThat(releasedWhenLocked.get(GUARD_SECONDS, TimeUnit.SECONDS))
        .as("lock() returned only after the other process wrote 'released' (i.e. before it let go)")
        .isTrue();
    assertThat(holder.waitFor(GUARD_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(holder.exitValue()).isZero();
  }

  @Test
  void lockWaitingWhileAnotherProcessDeletesTheContainerDoesNotExist() throws Exception {
    createWithState("c1");
    startHolder("c1", "delete");
    CompletableFuture<ContainerException> failure = new CompletableFuture<>();
    Thread waiter = new Thread(() -> {
      try (ContainerLock lock = store.lock("c1")) {
        failure.complete(null);
      } catch (ContainerException e) {
        failure.complete(e);
      }
    });
    waiter.start();

    awaitBlockedOn(root.resolve("c1/lock"), failure);
    Files.createFile(markers.resolve("release"));

    ContainerException e = failure.get(GUARD_SECONDS, TimeUnit.SECONDS);
    assertThat(e).as("lock() of a container deleted while we waited").isNotNull();
    assertThat(e).hasMessage("container 'c1' does not exist");
    assertThat(markers.resolve("released")).exists();
    assertThat(root.resolve("c1")).doesNotExist();
  }

  @Test
  void lockWaitingWhileTheContainerIsDeletedAndRecreatedWaitsForTheNewOne() throws Exception {
    createWithState("c1");
    startHolder("c1", "recreate");
    CompletableFuture<Boolean> doneWhenLocked = new CompletableFuture<>();
    Thread waiter = new Thread(() -> {
      try (ContainerLock lock = store.lock("c1")) {
        doneWhenLocked.complete(Files.exists(markers.resolve("done")));
      } catch (Exception e) {
        doneWhenLocked.completeExceptionally(e);
      }
    });
    waiter.start();

    awaitBlockedOn(root.resolve("c1/lock"), doneWhenLocked);
    long oldInode = inode(root.resolve("c1/lock"));
    Files.createFile(markers.resolve("release"));
    awaitFile(markers.resolve("released"));
    // The holder now owns a new container c1 (a new lock file). Our lock() must not return while it does.
    awaitCondition(() -> {
      try {
        return Files.exists(root.resolve("c1/lock")) && inode(root.resolve("c1/lock")) != oldInode
            && blockedOn(root.resolve("c1/lock"));
      } catch (IOException e) {
        return false;
      }
    }, doneWhenLocked, "our lock() to wait on the re-created container's lock");
    Files.createFile(markers.resolve("done"));

    assertThat(doneWhenLocked.get(GUARD_SECONDS, TimeUnit.SECONDS))
        .as("lock() returned only after the holder released the re-created container")
        .isTrue();
  }

  private void startHolder(String id, String mode) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    holder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(),
        root.toString(), id, markers.toString(), mode)
        .redirectErrorStream(true)
        .redirectOutput(tmp.resolve("holder.log").toFile())
        .start();
    awaitFile(markers.resolve("locked"));
  }

  /** Runs lock() on another thread; completes with whether "released" existed when lock() returned. */
  private CompletableFuture<Boolean> lockInBackground(String id) {
    CompletableFuture<Boolean> result = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try (ContainerLock lock = store.lock(id)) {
        result.complete(Files.exists(markers.resolve("released")));
      } catch (Exception e) {
        result.completeExceptionally(e);
      }
    });
    t.setDaemon(true);
    t.start();
    return result;
  }

  private void awaitFile(Path file) throws Exception {
    awaitCondition(() -> Files.exists(file), null, file.getFileName().toString());
  }

  /** Waits until this process has a pending (blocked) lock request on {@code file}'s inode. */
  private void awaitBlockedOn(Path file, CompletableFuture<?> waiter) throws Exception {
    awaitCondition(() -> {
      try {
        return blockedOn(file);
      } catch (IOException e) {
        return false;
      }
    }, waiter, "a blocked lock request on " + file);
  }

  private void awaitCondition(BooleanSupplier condition, CompletableFuture<?> mustNotFinish, String what)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
    while (!condition.getAsBoolean()) {
      if (mustNotFinish != null && mustNotFinish.isDone()) {
        throw new AssertionError("lock() finished before " + what + ": " + describe(mustNotFinish));
      }
      if (holder != null && !holder.isAlive() && !Files.exists(markers.resolve("released"))) {
        throw new AssertionError("the lock holder exited early: " + Files.readString(tmp.resolve("holder.log")));
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("gave up waiting for " + what);
      }
      Thread.sleep(2);
    }
  }

  private static String describe(CompletableFuture<?> f) {
    try {
      return String.valueOf(f.getNow(null));
    } catch (Exception e) {
      return e.toString();
    }
  }

  private static long inode(Path file) throws IOException {
    return (Long) Files.getAttribute(file, "unix:ino");
  }

  private static final Pattern DEV_INODE = Pattern.compile("[0-9a-f]+:[0-9a-f]+:(\\d+)");

  /** True if /proc/locks shows a request of this process waiting ("->") on the file's current inode. */
  private static boolean blockedOn(Path file) throws IOException {
    long ino = inode(file);
    String pid = Long.toString(ProcessHandle.current().pid());
    for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
      if (!line.contains("->")) {
        continue;
      }
      List<String> fields = List.of(line.trim().split("\\s+"));
      if (!fields.contains(pid)) {
        continue;
      }
      for (String f : fields) {
        Matcher m = DEV_INODE.matcher(f);
        if (m.matches() && Long.parseLong(m.group(1)) == ino) {
          return true;
        }
      }
    }
    return false;
  }
}
