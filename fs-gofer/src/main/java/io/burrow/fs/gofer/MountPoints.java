package io.burrow.fs.gofer;

import io.burrow.api.spec.Mount;
import io.burrow.api.spec.Spec;
import io.burrow.linux.sys.Errno;
import io.burrow.linux.sys.Sys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Creates, on the host, the mount points of a spec's mounts that the rootfs lacks, for a root the
 * gofer serves read-only: there the sandbox cannot create them through the gofer, while runc,
 * whose init works on the host's rootfs, creates them before it makes the root read-only. Docker
 * relies on it: {@code --read-only} binds /etc/resolv.conf, /etc/hostname and /etc/hosts onto an
 * image that usually has none of them.
 *
 * <p>As runc's {@code createIfNotExists}: a file for a bind mount of a file, directories for
 * anything else, each missing parent as a directory (0755; files 0644), owned by the container's
 * root. A destination under an earlier mount's destination is left alone: it is created inside
 * that mount when the container starts (/dev/pts in the /dev tmpfs). Existing paths are never
 * changed, whatever they are.
 *
 * <p>Resolution stays inside the rootfs, as {@code SecureJoin} (and filepath-securejoin) resolve
 * it: the image's symlinks are followed one component at a time, an absolute target and {@code ..}
 * taken relative to the rootfs, dangling links to where they point. Every step is an
 * {@code openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS)} relative to the fd of the directory
 * reached so far, and every component is created relative to that fd, so nothing is ever
 * created outside the rootfs, even if the tree changes meanwhile. A path that cannot be made
 * (a file in the way, a race) is skipped; the container's init then reports the mount that
 * fails. Stateless.
 */
final class MountPoints {
  private static final long BENEATH_NO_LINKS = Sys.RESOLVE_BENEATH | Sys.RESOLVE_NO_SYMLINKS;
  private static final int EEXIST = 17, ENOENT = 2, MAX_LINKS = 255;

  private MountPoints() {}

  /**
   * Creates what is missing for every mount of {@code spec} in {@code rootfs}; relative bind
   * sources are taken from {@code bundle}. {@code uid}/{@code gid} are the host ids of the
   * container's root.
   */
  static void createMissing(Spec spec, Path bundle, Path rootfs, int uid, int gid) throws IOException {
    if (spec.mounts == null || spec.mounts.isEmpty()) {
      return;
    }
    int rootFd = Sys.openat(Sys.AT_FDCWD, rootfs.toString(), Sys.O_PATH | Sys.O_DIRECTORY, 0);
    try {
      List<Path> earlier = new ArrayList<>();
      for (int i = 0; i < spec.mounts.size(); i++) {
        Mount m = spec.mounts.get(i);
        Path dest = Path.of("/").resolve(m.destination).normalize();
        boolean nested = earlier.stream().anyMatch(e -> e.getNameCount() > 0 && !e.equals(dest) && dest.startsWith(e));
        earlier.add(dest);
        if (nested || dest.getNameCount() == 0) {
          continue;
        }
        boolean directory = !m.isBind() || Files.isDirectory(bundle.resolve(m.source));
        try {
          create(rootFd, dest, directory, uid, gid);
        } catch (Errno e) {
          throw new IOException("creating the mount point of mounts[" + i + "] (" + m.destination + ") in " + rootfs
              + ", whose root the gofer serves read-only: " + e.getMessage(), e);
        }
      }
    } finally {
      Sys.close(rootFd);
    }
  }

  private static void create(int rootFd, Path dest, boolean directory, int uid, int gid) throws Errno {
    Deque<String> todo = new ArrayDeque<>();
    push(todo, dest.toString());
    List<String> done = new ArrayList<>();
    int links = 0;
    int fd = Sys.openat2(rootFd, ".", Sys.O_PATH | Sys.O_DIRECTORY, 0, BENEATH_NO_LINKS);
    try {
      while (!todo.isEmpty()) {
        String name = todo.pop();
        if (name.isEmpty() || name.equals(".")) {
          continue;
        }
        if (name.equals("..")) { // the resolved prefix has no symlinks, so its parent is lexical
          if (!done.isEmpty()) {
            done.remove(done.size() - 1);
          }
          Sys.close(fd);
          fd = -1;
          fd = Sys.openat2(rootFd, done.isEmpty() ? "." : String.join("/", done), Sys.O_PATH | Sys.O_DIRECTORY, 0,
              BENEATH_NO_LINKS);
          continue;
        }
        boolean last = todo.stream().allMatch(n -> n.isEmpty() || n.equals("."));
        int child;
        try {
          child = Sys.openat2(fd, name, Sys.O_PATH | Sys.O_NOFOLLOW, 0, BENEATH_NO_LINKS);
        } catch (Errno e) {
          if (e.errno() != ENOENT) {
            throw e;
          }
          if (!make(fd, name, !last || directory, uid, gid)) {
            return;
          }
          if (last) {
            return;
          }
          child = Sys.openat2(fd, name, Sys.O_PATH | Sys.O_DIRECTORY | Sys.O_NOFOLLOW, 0, BENEATH_NO_LINKS);
        }
        Sys.Stat st;
        try {
          st = Sys.fstat(child);
        } catch (Errno e) {
          Sys.close(child);
          throw e;
        }
        if (st.fileType() == Sys.S_IFLNK) {
          // As the container would: an absolute target starts again at the rootfs, a relative one here.
          String target;
          try {
            target = Sys.readlink(child);
          } finally {
            Sys.close(child);
          }
          if (++links > MAX_LINKS) {
            throw new Errno(40, "too many symlinks resolving " + dest);
          }
          if (target.startsWith("/")) {
            done.clear();
            Sys.close(fd);
            fd = -1;
            fd = Sys.openat2(rootFd, ".", Sys.O_PATH | Sys.O_DIRECTORY, 0, BENEATH_NO_LINKS);
          }
          push(todo, target);
          continue;
        }
        Sys.close(fd);
        fd = child;
        done.add(name);
        if (!last && !st.isDir()) {
          return; // a file where a directory should be: the init reports that
        }
      }
    } finally {
      Sys.close(fd);
    }
  }

  /** Creates {@code name} in {@code dir}, owned by the container's root; false if something got there first. */
  private static boolean make(int dir, String name, boolean directory, int uid, int gid) throws Errno {
    try {
      if (directory) {
        Sys.mkdirat(dir, name, 0755);
      } else {
        Sys.close(Sys.openat(dir, name, Sys.O_CREAT | Sys.O_EXCL | Sys.O_WRONLY | Sys.O_NOFOLLOW, 0644));
      }
    } catch (Errno e) {
      if (e.errno() == EEXIST) {
        return false;
      }
      throw e;
    }
    Sys.fchownat(dir, name, uid, gid, Sys.AT_SYMLINK_NOFOLLOW);
    return true;
  }

  private static void push(Deque<String> todo, String path) {
    String[] parts = path.split("/");
    for (int i = parts.length - 1; i >= 0; i--) {
      todo.push(parts[i]);
    }
  }
}
