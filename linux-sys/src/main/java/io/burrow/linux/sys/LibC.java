package io.burrow.linux.sys;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.types.ssize_t;

/**
 * burrow's one binding of the libc calls jnr-posix lacks: file operations on fds (the *at calls,
 * openat2, statx, getdents64, I/O into direct buffers), AF_UNIX sockets (with fd passing through
 * sendmsg/recvmsg), mounts and namespaces, process spawning with exact fd control, poll, and the
 * raw syscalls glibc does not wrap. Each C function is bound once; where two marshallings of one
 * call are needed (a raw address or byte array on the hot paths, a jnr {@link Pointer} for structs
 * built in jnr memory) both are overloads here. File paths of the hot paths are NUL-terminated
 * UTF-8 byte arrays (jnr would otherwise encode Strings in the platform charset); buffers are raw
 * addresses of direct {@link java.nio.ByteBuffer}s, so no copy is made.
 *
 * <p>Obtain the instance from {@link Native#libc()} (or {@link Sys#C}: the same object). Prefer
 * {@link Sys}, which checks results and turns errno into {@link Errno}; a direct caller reads
 * errno with {@link Native#errno()} right after a failing call. Thread-safe: plain C calls.
 */
@SaveError
public interface LibC {
  int openat(int dirfd, @In byte[] path, int flags, int mode);

  /** Generic syscall(2) with the argument shape of openat2 and fchmodat2. */
  long syscall(long number, int dirfd, @In byte[] path, @In long[] how, long size);

  long syscall(long number, int dirfd, @In byte[] path, long mode, long flags);

  int close(int fd);

  long read(int fd, long buf, long count);

  long read(int fd, @Out byte[] buf, long count);

  long recv(int fd, long buf, long count, int flags);

  long write(int fd, long buf, long count);

  long pread(int fd, long buf, long count, long offset);

  long pwrite(int fd, long buf, long count, long offset);

  int statx(int dirfd, @In byte[] path, int flags, int mask, long buf);

  int fstatfs(int fd, long buf);

  int mkdirat(int dirfd, @In byte[] path, int mode);

  int mknodat(int dirfd, @In byte[] path, int mode, long dev);

  int unlinkat(int dirfd, @In byte[] path, int flags);

  int renameat(int olddirfd, @In byte[] oldpath, int newdirfd, @In byte[] newpath);

  int symlinkat(@In byte[] target, int dirfd, @In byte[] linkpath);

  int linkat(int olddirfd, @In byte[] oldpath, int newdirfd, @In byte[] newpath, int flags);

  long readlinkat(int dirfd, @In byte[] path, long buf, long size);

  int fchownat(int dirfd, @In byte[] path, int uid, int gid, int flags);

  int utimensat(int dirfd, @In byte[] path, @In long[] times, int flags);

  int fchmod(int fd, int mode);

  int ftruncate(int fd, long length);

  int fsync(int fd);

  int posix_fadvise(int fd, long offset, long len, int advice);

  int fdatasync(int fd);

  long getdents64(int fd, long buf, long count);

  long lseek(int fd, long offset, int whence);

  long fgetxattr(int fd, @In byte[] name, long buf, long size);

  long flistxattr(int fd, long buf, long size);

  int fsetxattr(int fd, @In byte[] name, long buf, long size, int flags);

  int fremovexattr(int fd, @In byte[] name);

  int fcntl(int fd, int cmd, long arg);

  int socketpair(int domain, int type, int protocol, @Out int[] sv);

  int socket(int domain, int type, int protocol);

  int bind(int fd, @In byte[] addr, int len);

  int listen(int fd, int backlog);

  int connect(int fd, @In byte[] addr, int len);

  int accept4(int fd, long addr, long addrlen, int flags);

  int shutdown(int fd, int how);

  long send(int fd, long buf, long len, int flags);

  int prctl(int option, long arg2, long arg3, long arg4, long arg5);

  int chroot(@In byte[] path);

  /**
   * glibc applies these three to every thread of the process (its setxid broadcast), as POSIX
   * asks, so that a root process that sets all its uids to another loses its capabilities on
   * every thread, not only the calling one.
   */
  int setresuid(int ruid, int euid, int suid);

  int setresgid(int rgid, int egid, int sgid);

  int setgroups(long size, @In int[] list);

  int chdir(@In byte[] path);

  int fchdir(int fd);

  int inotify_init1(int flags);

  int inotify_add_watch(int fd, @In byte[] path, int mask);

  int inotify_rm_watch(int fd, int wd);

  int capget(@In int[] header, @Out int[] data);

  int capset(@In int[] header, @In int[] data);

  int getpid();

  int kill(int pid, int signal);

  String strerror(int errnum);

  int dup(int fd);

  int dup2(int fd, int newfd);

  int umask(int mask);

  /** poll(2) over a raw array of {@code struct pollfd} (fd[4] events[2] revents[2]). */
  int poll(long fds, long nfds, int timeoutMillis);

  int eventfd(int initval, int flags);

  int madvise(long addr, long length, int advice);

  // ---- mounts, namespaces, processes ------------------------------------------------------------

  int mount(String source, String target, String fstype, long flags, String data);

  int umount2(String target, int flags);

  int unshare(int flags);

  int setns(int fd, int nstype);

  /** syscall(2) for pivot_root(new_root, put_old): glibc has no wrapper. */
  long syscall(long number, String a1, String a2);

  /** syscall(2) for seccomp(operation, flags, args): probing which filter flags the kernel knows. */
  long syscall(long number, int operation, long flags, Pointer args);

  /** syscall(2) for bpf(cmd, union bpf_attr *, size): glibc has no wrapper (see io.burrow.linux.cgroup.CgroupBpf). */
  long syscall(long number, long cmd, Pointer attr, long size);

  /** bind(2) with a sockaddr built in jnr memory. */
  int bind(int fd, Pointer addr, int addrlen);

  /** connect(2) with a sockaddr built in jnr memory. */
  int connect(int fd, Pointer addr, int addrlen);

  @ssize_t long sendmsg(int fd, Pointer msg, int flags);

  @ssize_t long recvmsg(int fd, Pointer msg, int flags);

  /** poll(2) over {@code struct pollfd}s in jnr memory. */
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

  /** An anonymous file, for a library that writes its output to an fd (libseccomp's export). */
  int memfd_create(String name, int flags);
}
