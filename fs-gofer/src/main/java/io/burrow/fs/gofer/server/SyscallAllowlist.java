package io.burrow.fs.gofer.server;

import io.burrow.linux.sys.Errno;
import io.burrow.linux.sys.SeccompFilter;
import java.util.ArrayList;
import java.util.List;

/**
 * The gofer's seccomp allowlist, as runsc's gofer has its own (runsc/fsgofer/filter). Once the
 * gofer is confined and before it reads the first 9P message, every thread of the process (the
 * JVM's compiler, GC and signal threads as well as the serving ones) may make only the system
 * calls below. Any other kills the whole gofer (SECCOMP_RET_KILL_PROCESS): the kernel logs an
 * {@code audit: type=1326 ... pid=P comm=... syscall=N} line, and the sandbox sees its 9P
 * connections close (EIO in the container, as for any dead gofer). A dead gofer is safer than one
 * that carries on after something made it do what it never does.
 *
 * <p>The list is what the gofer was seen to make once confined (strace of the gofer through the
 * gofer-mode container suites, on JDK 17 and 25), grouped by who needs it, the JVM's own among
 * them ({@link SeccompFilter#allowTheJvm}). Left out on purpose, among others: execve, fork,
 * socket, connect, bind, mount, chroot, setns, unshare, ptrace, bpf, io_uring, ioctl, capset, and
 * open_by_handle_at, the way out of a process that holds CAP_DAC_READ_SEARCH ("shocker").
 */
public final class SyscallAllowlist {
  private SyscallAllowlist() {}

  /** Serving: {@link HostFile} and {@link Node} on fds opened before the filter, and host-change reports. */
  static final List<String> FILES = List.of(
      "openat", "openat2", "close", "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv",
      "pwritev", "preadv2", "pwritev2", "lseek", "fstat", "newfstatat", "statx", "fstatfs", "getdents64",
      "mkdirat", "mknodat", "unlinkat", "renameat", "renameat2", "linkat", "symlinkat", "readlinkat",
      "fchownat", "fchown", "fchmod", "fchmodat", "fchmodat2", "utimensat", "ftruncate", "fallocate",
      "fsync", "fdatasync", "fadvise64", "fgetxattr", "fsetxattr", "flistxattr", "fremovexattr", "fcntl",
      "dup", "dup3", "fchdir", "inotify_add_watch", "inotify_rm_watch");

  /** The 9P connections: stream sockets the gofer was handed, never ones it makes. */
  static final List<String> SOCKETS = List.of("recvfrom", "sendto", "recvmsg", "sendmsg", "shutdown", "poll", "ppoll");

  /** Only with {@code --serve-unix} (tests, diod's clients): its listening socket exists already. */
  static final List<String> ACCEPTING = List.of("accept", "accept4");

  /** Every call allowed besides the JVM's ({@link SeccompFilter#allowTheJvm}). */
  static List<String> allowed(boolean accepting) {
    List<String> names = new ArrayList<>(FILES);
    names.addAll(SOCKETS);
    if (accepting) {
      names.addAll(ACCEPTING);
    }
    return names;
  }

  /**
   * Installs the allowlist on every thread of the gofer.
   *
   * @param accepting whether the gofer accepts connections on a listening socket
   * @throws Errno if libseccomp or the kernel refuses; the gofer must not serve then
   */
  public static void install(boolean accepting) throws Errno {
    SeccompFilter.killProcessByDefault()
        .allowTheJvm()
        .allow(allowed(accepting))
        .loadOnEveryThread();
  }
}
