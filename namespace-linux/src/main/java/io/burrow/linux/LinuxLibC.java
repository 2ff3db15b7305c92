package io.burrow.linux;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Out;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.types.ssize_t;

/**
 * jnr-ffi bindings for the libc calls jnr-posix lacks: mounts and namespaces, process spawning
 * with exact fd control, poll, AF_UNIX sockets with fd passing (see {@link UnixSockets}), and the
 * raw syscalls glibc does not wrap. Obtain the instance from {@link Native#libc()}. Thread-safe:
 * these are plain C calls; errno is read with {@link Native#errno()} right after a failing call.
 */
public interface LinuxLibC {
  int mount(String source, String target, String fstype, long flags, String data);

  int umount2(String target, int flags);

  int unshare(int flags);

  int setns(int fd, int nstype);

  int prctl(int option, long arg2, long arg3, long arg4, long arg5);

  /** syscall(2) for pivot_root(new_root, put_old): glibc has no wrapper. */
  long syscall(long number, String a1, String a2);

  /** syscall(2) for openat2(dirfd, path, struct open_how *, size): glibc has no wrapper. */
  long syscall(long number, int dirfd, String path, Pointer how, long size);

  /** syscall(2) for seccomp(operation, flags, args): probing which filter flags the kernel knows. */
  long syscall(long number, int operation, long flags, Pointer args);

  /** syscall(2) for bpf(cmd, union bpf_attr *, size): glibc has no wrapper (see io.burrow.linux.cgroup.CgroupBpf). */
  long syscall(long number, long cmd, Pointer attr, long size);

  int socketpair(int domain, int type, int protocol, @Out int[] fds);

  int fcntl(int fd, int cmd, int arg);

  int socket(int domain, int type, int protocol);

  int bind(int fd, Pointer addr, int addrlen);

  int listen(int fd, int backlog);

  /** addr and addrlen may be null. */
  int accept4(int fd, Pointer addr, Pointer addrlen, int flags);

  int connect(int fd, Pointer addr, int addrlen);

  @ssize_t long sendmsg(int fd, Pointer msg, int flags);

  @ssize_t long recvmsg(int fd, Pointer msg, int flags);

  int close(int fd);

  int shutdown(int fd, int how);

  int poll(Pointer fds, long nfds, int timeoutMillis);

  /** ioctl(2) with a pointer argument (e.g. TIOCSWINSZ with a struct winsize). */
  int ioctl(int fd, long request, Pointer arg);

  int posix_spawn(IntByReference pid, String path, Pointer fileActions, Pointer attr, Pointer argv, Pointer envp);

  int posix_spawn_file_actions_init(Pointer actions);

  int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newfd);

  int posix_spawn_file_actions_addclosefrom_np(Pointer actions, int from);

  int posix_spawn_file_actions_destroy(Pointer actions);

  int posix_spawnattr_init(Pointer attr);

  int posix_spawnattr_setflags(Pointer attr, short flags);

  int posix_spawnattr_setsigmask(Pointer attr, Pointer sigset);

  int posix_spawnattr_setsigdefault(Pointer attr, Pointer sigset);

  int posix_spawnattr_destroy(Pointer attr);

  int sigemptyset(Pointer set);

  int sigfillset(Pointer set);

  int mkfifo(String path, int mode);

  int chroot(String path);

  int chdir(String path);

  /** An anonymous file, for a library that writes its output to an fd (libseccomp's export). */
  int memfd_create(String name, int flags);
}
