package io.burrow.core.store;

import io.burrow.api.config.Config;
import io.burrow.core.ContainerException;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The state directory ({@code --root}): one directory per container holding {@code state.json},
 * the start fifo and a lock file. Several CLI processes may use one root at once: every change to
 * a container happens under its exclusive {@link ContainerLock} (an fcntl lock), and state files
 * are replaced atomically, so readers without the lock see a whole old or a whole new state.
 * Thread-safe; locks are per process, not per thread.
 */
public final class ContainerStore {
  private static final Pattern VALID_ID = Pattern.compile("[\\w+\\-.]+");
  private static final String STATE = "state.json";
  private static final String LOCK = "lock";
  /** Directories being deleted are renamed to this prefix plus the id; '#' is never part of an id. */
  private static final String DELETED_PREFIX = "#deleted#";
  /** Directories being created are made under this prefix plus the id, then renamed to the id. */
  private static final String CREATING_PREFIX = "#creating#";
  /** A deletion mark is 'x' and a token no other mark shares; never longer than this. */
  private static final int MARK_MAX = 64;

  private final Path root;

  @Inject
  public ContainerStore(Config config) {
    this.root = config.root();
  }

  public Path root() {
    return root;
  }

  /** Rejects ids that runc rejects, so an id can always be used as a file name. */
  public static void validateId(String id) throws ContainerException {
    if (id == null || id.isEmpty() || id.equals(".") || id.equals("..") || !VALID_ID.matcher(id).matches()) {
      throw new ContainerException("invalid container id '" + id + "': use letters, digits, '_', '+', '-' and '.'");
    }
  }

  /**
   * Creates the directory of a new container and locks it. Fails if the id is taken. The
   * directory is made and locked under a staging name and then renamed to the id: the rename
   * decides races between two creates of one id, and a directory never has the id's name without a
   * held lock in it, so a rival create cannot mistake a live creator's directory for an abandoned
   * one. A directory left by a create that was killed before it wrote any state (its lock free, no
   * state file) does not keep the id taken: it is removed and the create goes on.
   */
  public ContainerLock create(String id) throws ContainerException {
    validateId(id);
    Path dir = root.resolve(id);
    sweepAbandoned();
    Path staging = root.resolve(CREATING_PREFIX + id + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
    FileChannel channel = null;
    boolean created = false;
    try {
      Files.createDirectories(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
      Files.createDirectory(staging, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
      channel = FileChannel.open(staging.resolve(LOCK), StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      channel.lock();
      for (int attempt = 0; ; attempt++) {
        try {
          Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
          created = true;
          return new ContainerLock(id, dir, channel);
        } catch (IOException e) {
          // rename(2) over a directory that has entries fails with ENOTEMPTY, which Java reports as
          // a plain FileSystemException: whether the id is taken is read from the name itself.
          boolean taken = Files.exists(dir, LinkOption.NOFOLLOW_LINKS);
          if (taken && attempt == 0 && removeAbandoned(id, dir)) {
            continue;
          }
          if (taken) {
            throw new ContainerException("container '" + id + "' already exists");
          }
          throw e;
        }
      }
    } catch (IOException e) {
      throw new ContainerException("cannot create the state directory " + dir + ": " + e.getMessage(), e);
    } finally {
      if (!created) {
        if (channel != null) {
          closeQuietly(channel);
        }
        deleteQuietly(staging);
      }
    }
  }

  /**
   * Removes {@code dir} if it was left by a dead creator: nobody holds its lock and it has no
   * state file. A live creator holds the lock from {@link #create} until its first state is
   * written, so a free lock over no state means the creator died. Returns whether it removed it.
   */
  private boolean removeAbandoned(String id, Path dir) throws ContainerException {
    Optional<ContainerLock> held = tryLockDir(id, dir);
    if (held.isEmpty()) {
      return false;
    }
    try (ContainerLock lock = held.get()) {
      if (lock.read().isPresent()) {
        return false;
      }
      lock.deleteDirectory();
      return true;
    }
  }

  /**
   * Empties the directories of deletes killed after renaming them away (their lock free) and of
   * creates killed before renaming theirs to the id (their creator dead).
   */
  private void sweepAbandoned() {
    if (!Files.isDirectory(root)) {
      return;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, "#*#*")) {
      for (Path dir : dirs) {
        String name = dir.getFileName().toString();
        if (name.startsWith(CREATING_PREFIX)) {
          // Its creator locks it only just after making it: only the creator's death frees it.
          if (!creatorAlive(name)) {
            deleteQuietly(dir);
          }
          continue;
        }
        if (!name.startsWith(DELETED_PREFIX)) {
          continue;
        }
        try (FileChannel channel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.WRITE)) {
          if (channel.tryLock() != null) {
            deleteQuietly(dir);
          }
        } catch (NoSuchFileException e) {
          deleteQuietly(dir); // the lock file was the first thing emptied
        } catch (IOException | java.nio.channels.OverlappingFileLockException e) {
          // held, or being removed by its deleter right now
        }
      }
    } catch (IOException e) {
      // a root that cannot be listed fails the create below with a clearer message
    }
  }

  /** Whether the process named in a staging directory's name ({@code #creating#ID-PID-NANOS}) is alive. */
  private static boolean creatorAlive(String name) {
    String[] parts = name.split("-");
    try {
      return parts.length >= 3 && ProcessHandle.of(Long.parseLong(parts[parts.length - 2])).isPresent();
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * Locks an existing container, waiting for whoever holds it; fails if there is no such
   * container. A directory a killed create left without state is removed on the way (see
   * {@link #removeAbandoned}): the id is free again and this fails as for any unknown id.
   */
  public ContainerLock lock(String id) throws ContainerException {
    validateId(id);
    Path dir = root.resolve(id);
    ContainerLock lock = lockDir(id, dir).orElseThrow(() -> notFound(id));
    if (lock.read().isEmpty()) {
      lock.deleteDirectory();
      lock.close();
      throw notFound(id);
    }
    return lock;
  }

  /** The container's record as last written, read without the lock. */
  public Optional<ContainerRecord> read(String id) throws ContainerException {
    validateId(id);
    return readRecord(id, root.resolve(id).resolve(STATE));
  }

  /** Every container under the root, in id order; directories without a state file are still being created. */
  public List<ContainerRecord> list() throws ContainerException {
    List<ContainerRecord> records = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return records;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
      for (Path dir : dirs) {
        String id = dir.getFileName().toString();
        if (VALID_ID.matcher(id).matches()) {
          readRecord(id, dir.resolve(STATE)).ifPresent(records::add);
        }
      }
    } catch (IOException e) {
      throw new ContainerException("cannot list " + root + ": " + e.getMessage(), e);
    }
    records.sort(Comparator.comparing(ContainerRecord::id));
    return records;
  }

  public static ContainerException notFound(String id) {
    return new ContainerException("container '" + id + "' does not exist");
  }

  private static Optional<ContainerRecord> readRecord(String id, Path file) throws ContainerException {
    try {
      return Optional.of(RecordJson.read(Files.readAllBytes(file)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new ContainerException("the state of container '" + id + "' (" + file + ") is unreadable: " + e.getMessage(), e);
    }
  }

  private Optional<ContainerLock> lockDir(String id, Path dir) throws ContainerException {
    return lockDir(id, dir, true);
  }

  /** As {@link #lockDir}, but empty also when somebody else holds the lock now. */
  private Optional<ContainerLock> tryLockDir(String id, Path dir) throws ContainerException {
    return lockDir(id, dir, false);
  }

  private Optional<ContainerLock> lockDir(String id, Path dir, boolean wait) throws ContainerException {
    Path lockFile = dir.resolve(LOCK);
    while (true) {
      FileChannel channel;
      try {
        channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
      } catch (NoSuchFileException e) {
        return Optional.empty();
      } catch (IOException e) {
        throw new ContainerException("cannot open the lock of container '" + id + "': " + e.getMessage(), e);
      }
      try {
        if (wait) {
          channel.lock();
        } else if (channel.tryLock() == null) {
          channel.close();
          return Optional.empty();
        }
        // Whoever held the lock before us may have deleted the container, and someone may even have
        // created a new one with this id since. A deleted container's lock file is marked (see
        // ContainerLock#deleteDirectory) before it loses its name, so a marked lock is stale: look
        // the id up again, which waits for the new container or finds none. Unless the marked file
        // still is the one under the id's name: then its deleter died between marking and renaming,
        // and we take the container over, unmarked, to finish what it began.
        if (channel.size() > 0) {
          if (!markedUnderItsName(channel, lockFile)) {
            channel.close();
            continue;
          }
          channel.truncate(0);
        }
        return Optional.of(new ContainerLock(id, dir, channel));
      } catch (IOException e) {
        closeQuietly(channel);
        throw new ContainerException("cannot lock container '" + id + "': " + e.getMessage(), e);
      }
    }
  }

  /** Whether the file at {@code lockFile} carries the same (unique) deletion mark as {@code locked}. */
  private static boolean markedUnderItsName(FileChannel locked, Path lockFile) throws IOException {
    java.nio.ByteBuffer mark = java.nio.ByteBuffer.allocate(MARK_MAX);
    locked.read(mark, 0);
    byte[] underName;
    try {
      underName = Files.readAllBytes(lockFile);
    } catch (NoSuchFileException e) {
      return false;
    }
    return java.util.Arrays.equals(underName, 0, underName.length, mark.array(), 0, mark.position());
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing left to release
    }
  }

  /**
   * Removes {@code dir} and what is in it, but never descends into a mount point below it: a
   * container's state directory may hold a mount (a root assembled in the runtime's mount
   * namespace) whose release failed, and a recursive delete through it would delete the
   * container's rootfs on the host. Such a directory is left behind instead.
   */
  static void deleteQuietly(Path dir) {
    java.util.Set<Path> mountPoints = mountPointsUnder(dir);
    try {
      Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
        @Override
        public java.nio.file.FileVisitResult preVisitDirectory(Path d, java.nio.file.attribute.BasicFileAttributes a) {
          return mountPoints.contains(d) ? java.nio.file.FileVisitResult.SKIP_SUBTREE
              : java.nio.file.FileVisitResult.CONTINUE;
        }

        @Override
        public java.nio.file.FileVisitResult visitFile(Path f, java.nio.file.attribute.BasicFileAttributes a) {
          f.toFile().delete();
          return java.nio.file.FileVisitResult.CONTINUE;
        }

        @Override
        public java.nio.file.FileVisitResult visitFileFailed(Path f, IOException e) {
          return java.nio.file.FileVisitResult.CONTINUE;
        }

        @Override
        public java.nio.file.FileVisitResult postVisitDirectory(Path d, IOException e) {
          d.toFile().delete();
          return java.nio.file.FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException ignored) {
      // already gone
    }
  }

  /** The mount points strictly below {@code dir} in our mount namespace (mountinfo's fifth field). */
  private static java.util.Set<Path> mountPointsUnder(Path dir) {
    java.util.Set<Path> out = new java.util.HashSet<>();
    Path base = dir.toAbsolutePath().normalize();
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
      lines.map(l -> l.split(" ")).filter(f -> f.length > 4).forEach(f -> {
        Path mountPoint = Path.of(unescapeOctal(f[4]));
        if (mountPoint.startsWith(base) && !mountPoint.equals(base)) {
          out.add(mountPoint);
        }
      });
    } catch (IOException | RuntimeException e) {
      // no mountinfo: nothing known to skip
    }
    return out;
  }

  /** mountinfo writes space, tab, newline and backslash as \ooo. */
  private static String unescapeOctal(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /**
   * An exclusive hold on one container's directory. Closing it releases the lock. Owned by the
   * thread that took it.
   */
  public static final class ContainerLock implements AutoCloseable {
    private final String id;
    private final Path dir;
    private final FileChannel channel;

    private ContainerLock(String id, Path dir, FileChannel channel) {
      this.id = id;
      this.dir = dir;
      this.channel = channel;
    }

    public String id() {
      return id;
    }

    public Path dir() {
      return dir;
    }

    /** The record, or empty while the container is still being created. */
    public Optional<ContainerRecord> read() throws ContainerException {
      return readRecord(id, dir.resolve(STATE));
    }

    /** Replaces state.json atomically (write a temporary file, fsync, rename). */
    public void write(ContainerRecord record) throws ContainerException {
      Path tmp = dir.resolve(STATE + ".tmp");
      try {
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
          out.write(java.nio.ByteBuffer.wrap(RecordJson.write(record)));
          out.force(true);
        }
        try {
          Files.move(tmp, dir.resolve(STATE), StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          throw new IOException("the state directory does not support atomic rename", e);
        }
      } catch (IOException e) {
        throw new ContainerException("cannot save the state of container '" + id + "': " + e.getMessage(), e);
      }
    }

    /**
     * Removes the container's directory; the lock stays held until {@link #close()}. The lock file
     * is marked first (with a unique token), so that a process already waiting on it knows the
     * container is gone, and the directory is renamed out of the way before it is emptied, so that
     * nobody can re-create a lock file in it meanwhile and keep the id taken.
     */
    public void deleteDirectory() {
      String mark = "x" + ProcessHandle.current().pid() + "-" + System.nanoTime() + "-"
          + java.util.concurrent.ThreadLocalRandom.current().nextLong();
      try {
        channel.write(java.nio.ByteBuffer.wrap(mark.getBytes(java.nio.charset.StandardCharsets.US_ASCII)), 0);
      } catch (IOException ignored) {
        // a waiter then still sees the directory disappear
      }
      Path doomed = dir.resolveSibling(DELETED_PREFIX + id + "-" + ProcessHandle.current().pid());
      try {
        Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        doomed = dir;
      }
      deleteQuietly(doomed);
    }

    @Override
    public void close() {
      closeQuietly(channel);
    }
  }
}
