package io.burrow.linux;

import io.burrow.linux.sys.SeccompFilter;
import java.util.List;

/**
 * The seccomp allowlist of a container's sandbox ({@code burrow boot}) once it has started the
 * init and confined itself, as runsc's sandbox has its own (runsc/boot/filter). From then on the
 * sandbox only serves the container's mounts (FUSE requests on the /dev/fuse fds it holds,
 * answered over the gofer's 9P sockets) and waits for the init. Any other call kills the whole
 * sandbox (SECCOMP_RET_KILL_PROCESS, logged by the kernel as {@code audit: type=1326 ...
 * syscall=N}); its init, which has PDEATHSIG, dies with it. Left out, among others: execve,
 * fork, every path call (it reaches no file by path; opens answer ENOENT without running),
 * socket, connect, mount, setns, unshare, ptrace, bpf, kill and ioctl.
 *
 * <p>The list is what the sandbox was seen to make once confined, through the whole integration
 * suite in gofer mode under a log-only filter (the kernel's audit lines), on top of the JVM's
 * own ({@link SeccompFilter#allowTheJvm}). Stateless.
 */
final class SandboxSyscallAllowlist {
  private SandboxSyscallAllowlist() {}

  /** FUSE requests and replies, 9P messages, on fds opened before. */
  static final List<String> SERVING = List.of(
      "read", "write", "readv", "writev", "pread64", "pwrite64", "lseek", "close", "fstat", "fcntl", "dup", "dup3",
      "recvfrom", "sendto", "recvmsg", "sendmsg", "shutdown", "poll", "ppoll");

  private static final int ENOENT = 2;

  /** The init's exit status. */
  static final List<String> WAITING = List.of("wait4", "waitid");

  /** The filter, built but not installed; libseccomp is loaded. */
  static SeccompFilter filter() {
    SeccompFilter.preload();
    // The JIT's threads look for the container's memory limit under /sys/fs/cgroup: an empty
    // root has none, and an open of anything fails as it would there, without reaching a fd.
    return SeccompFilter.killProcessByDefault().allowTheJvm().allow(SERVING).allow(WAITING).fail("openat", ENOENT).fail("open", ENOENT);
  }
}
