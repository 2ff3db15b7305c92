package io.burrow.api.launch;

/**
 * The operations the native exec helper ({@code burrow-init}) carries out, in plan order. Java
 * decides every policy (which mounts, which flags, which ids); the helper only performs the
 * syscalls, because several of them must run in a single-threaded process or inside the new pid
 * namespace. The numbers are the wire format and must match {@code burrow-init.c}.
 */
public enum Opcode {
  /** path, nstype: setns(2) into the namespace at path. */
  SETNS(1, 2),
  /** flags: unshare(2). */
  UNSHARE(2, 1),
  /** (none): ask the launcher to write uid/gid maps for this process, wait for its go. */
  MAP_IDS(3, 0),
  /** (none): clone a child of the launcher; the helper reports the child's pid and exits, the child waits for go. */
  FORK(4, 0),
  /** source, target, fstype, flags, data: mount(2); empty strings are NULL. */
  MOUNT(5, 5),
  /** path, mode: mkdir -p. */
  MKDIRS(6, 2),
  /** path: create an empty file (and its parents) if nothing is there, as a bind-mount target. */
  MKFILE(7, 1),
  /** target, linkpath: symlink(2), an existing link is left alone. */
  SYMLINK(8, 2),
  /** path, mode (type and permission bits), major, minor, uid, gid: mknod(2) and chown. */
  MKNOD(9, 6),
  /** newroot: pivot_root into newroot and detach the old root. */
  PIVOT_ROOT(10, 1),
  /** name: sethostname(2). */
  SETHOSTNAME(11, 1),
  /** name: setdomainname(2). */
  SETDOMAINNAME(12, 1),
  /** path, content: write content to an existing file (sysctl, oom_score_adj). */
  WRITE_FILE(13, 2),
  /** path: hide path, /dev/null over a file or an empty read-only tmpfs over a directory; missing is fine. */
  MASK(14, 1),
  /** path: bind path onto itself read-only; missing is fine. */
  READONLY(15, 1),
  /** path: remount the mount at path read-only, keeping its other flags. */
  REMOUNT_RO(16, 1),
  /** path: chdir(2). */
  CHDIR(17, 1),
  /** resource, soft, hard: setrlimit(2); -1 is unlimited. */
  RLIMIT(18, 3),
  /** (none): setsid(2). */
  SETSID(19, 0),
  /** path: open the start fifo O_PATH now, before pivot_root hides it. */
  OPEN_FIFO(20, 1),
  /** (none): prctl(PR_SET_NO_NEW_PRIVS). */
  NO_NEW_PRIVS(21, 0),
  /** mask: drop every capability outside mask from the bounding set. */
  CAPS_BOUNDING(22, 1),
  /** effective, permitted, inheritable, ambient masks: capset(2) and ambient raise. */
  CAPS(23, 4),
  /** gid...: setgroups(2). */
  SETGROUPS(24, -1),
  /** gid: setresgid(2). */
  SETGID(25, 1),
  /** uid: setresuid(2), keeping capabilities for the CAPS op that follows. */
  SETUID(26, 1),
  /** mask: umask(2). */
  UMASK(27, 1),
  /** name=value: add to the environment of the executed program. */
  ENV(28, 1),
  /** file: find file on the program's PATH now, so a missing program fails create, not start. */
  RESOLVE_EXEC(29, 1),
  /** (none): tell the launcher the init is ready and close the sync socket. */
  READY(30, 0),
  /** (none): block until {@code burrow start} opens the start fifo. */
  WAIT_START(31, 0),
  /** argv...: execve(2) the resolved program. */
  EXEC(32, -1),
  /** signal: prctl(PR_SET_PDEATHSIG), so the init dies with the sandbox that started it. */
  PDEATHSIG(33, 1),
  /**
   * ptmx, rows, cols, console, uid: the process's terminal, as runc's setupConsole: open ptmx (the
   * container's own devpts, so after pivot_root), unlockpt, set the window size unless rows and
   * cols are 0, bind the slave onto console unless it is empty, send the master over the console
   * socket (the helper's CONSOLE_FD argument) with SCM_RIGHTS and close that socket, then make
   * the slave fds 0-2, owned by uid, and the controlling terminal (TIOCSCTTY). Needs a session of
   * its own: SETSID comes first.
   */
  CONSOLE(34, 5),
  /**
   * fd, nstype: setns(2) into the namespace the inherited fd refers to, then close the fd. Exec
   * joins a running container this way: the runtime opens {@code /proc/PID/ns/*} of the init
   * before the helper starts, so no path is resolved after the helper has joined the container's
   * mount namespace (where {@code /proc} is the container's).
   */
  SETNS_FD(35, 2);

  private final int code;
  private final int arity;

  Opcode(int code, int arity) {
    this.code = code;
    this.arity = arity;
  }

  public int code() {
    return code;
  }

  /** The number of arguments, or -1 for a variable number. */
  public int arity() {
    return arity;
  }
}
