package io.burrow.examples.snapshot;

import io.burrow.api.spec.Spec;
import io.burrow.api.spi.FileAccess;
import io.burrow.api.spi.FileAccessContext;
import io.burrow.api.spi.IoFiles;
import io.burrow.api.spi.MountSources;
import io.burrow.api.spi.ServedMounts;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * {@code --file-access=snapshot}: the container runs on a private copy of the bundle's rootfs,
 * made once at create in its state directory (under {@code --root}, a tmpfs on most hosts:
 * {@code /run}). The container may write anywhere in its root; the bundle stays as it was for
 * the next container, with no overlayfs and no helper process. Bind mounts come straight from the
 * host, as in direct mode.
 *
 * <p>Host side only ({@link #needsSandboxProcess()} is false): {@link #createIoFiles} copies, with
 * owners, modes, times, symlinks and device nodes, and starts nothing; the runtime deletes the copy
 * with the state directory. Needs a new mount namespace, since the copy is bind-mounted as the
 * root inside it. Stateless and thread-safe.
 */
public final class SnapshotFileAccess implements FileAccess {
  public static final String NAME = "snapshot";
  /** Under the container's state directory: its copy of the rootfs. */
  static final String SNAPSHOT = "snapshot";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public IoFiles createIoFiles(FileAccessContext context) throws IOException {
    requireMountNamespace(context);
    copyTree(context.rootfs(), context.stateDir().resolve(SNAPSHOT));
    return IoFiles.none();
  }

  @Override
  public MountSources mountSources(FileAccessContext context, IoFiles ioFiles) {
    return new MountSources(context.stateDir().resolve(SNAPSHOT).toString(), ServedMounts.hostSources(context));
  }

  private static void requireMountNamespace(FileAccessContext context) throws IOException {
    Spec spec = context.spec();
    boolean own = spec.linux != null && spec.linux.namespaces != null && spec.linux.namespaces.stream()
        .anyMatch(n -> "mount".equals(n.type) && (n.path == null || n.path.isEmpty()));
    if (!own) {
      throw new IOException(context.bundle().resolve("config.json") + ": linux.namespaces: the snapshot file access"
          + " needs a new mount namespace (type mount, no path): its copy of the rootfs is mounted as the root there");
    }
  }

  /**
   * Copies {@code from} to the new directory {@code to}: every file, directory, symlink and special
   * file with its owner, mode and times. A directory's times are set after its entries, which
   * would otherwise change them. Does not cross into other file systems mounted under {@code from}.
   */
  static void copyTree(Path from, Path to) throws IOException {
    Object rootDevice = Files.getAttribute(from, "unix:dev", LinkOption.NOFOLLOW_LINKS);
    Deque<Path> targets = new ArrayDeque<>();
    Files.walkFileTree(from, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        Path target = to.resolve(from.relativize(dir).toString());
        Files.copy(dir, target, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        targets.push(target);
        return dir.equals(from) || rootDevice.equals(Files.getAttribute(dir, "unix:dev", LinkOption.NOFOLLOW_LINKS))
            ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES,
            LinkOption.NOFOLLOW_LINKS);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        FileTime modified = Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS);
        Files.setLastModifiedTime(targets.pop(), modified);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        throw new IOException("cannot snapshot " + file + ": " + e.getMessage(), e);
      }
    });
  }
}
