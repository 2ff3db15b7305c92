package io.burrow.fs.gofer.sys;

import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/**
 * Raw libc bindings for the calls the gofer needs and jnr-posix lacks. Paths are NUL-terminated
 * UTF-8 byte arrays (jnr would otherwise encode Strings in the platform charset); buffers are raw
 * addresses of direct {@link java.nio.ByteBuffer}s, so no copy is made. Use through {@link Sys},
 * which checks results and turns errno into {@link Errno}.
 */
@SaveError
public interface LibC {
  int openat(int dirfd, @In byte[] path, int flags, int mode);

  /** Generic syscall(2) with the argument shape of openat2 and fchmodat2. */
  long syscall(long number, int dirfd, @In byte[] path, @In long[] how, long size);

  long syscall(long number, int dirfd, @In byte[] path, long mode, long flags);

  int close(int fd);

  long read(int fd, long buf, long count);

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

  int chdir(@In byte[] path);

  int capget(@In int[] header, @Out int[] data);

  int capset(@In int[] header, @In int[] data);

  int getpid();

  int dup(int fd);

  /** poll(2) over a raw array of {@code struct pollfd} (fd[4] events[2] revents[2]). */
  int poll(long fds, long nfds, int timeoutMillis);

  int eventfd(int initval, int flags);
}
