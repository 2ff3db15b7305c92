/*
 * burrow-init: the native exec helper.
 *
 * A JVM cannot fork safely and cannot unshare(CLONE_NEWUSER) or setns(mnt) while it has more than
 * one thread, and /proc must be mounted from inside a new pid namespace. This small,
 * single-threaded, statically linked program therefore carries out the last steps before execve.
 * It decides nothing: the runtime sends it a plan (see InitPlan.java / Opcode.java) of syscalls
 * to make, in order, over the sync socket on fd 3, and it reports back on the same socket:
 *
 *   helper -> runtime   "MAP <pid>\n"   write uid/gid maps for <pid>, then send "GO\n"
 *                       "PID <pid>\n"   the forked init's host pid; the runtime answers "GO\n"
 *                       "READY\n"       the init waits for start (or is about to exec)
 *                       "ERR <text>\n"  op failed; the helper exits 1
 *
 * Usage: burrow-init SYNC_FD [CONSOLE_FD]. The fds below SYNC_FD from 3 up are the program's own
 * (io files, sockets) and pass through unchanged; SYNC_FD is closed once the init is ready.
 * CONSOLE_FD, given when the plan has a CONSOLE op, is a socket connected to the client's
 * --console-socket; the CONSOLE op sends the pty master on it and closes it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#define MAX_PLAN (16 * 1024 * 1024)
#define MAX_ENV 4096

enum {
  OP_SETNS = 1, OP_UNSHARE, OP_MAP_IDS, OP_FORK, OP_MOUNT, OP_MKDIRS, OP_MKFILE, OP_SYMLINK,
  OP_MKNOD, OP_PIVOT_ROOT, OP_SETHOSTNAME, OP_SETDOMAINNAME, OP_WRITE_FILE, OP_MASK, OP_READONLY,
  OP_REMOUNT_RO, OP_CHDIR, OP_RLIMIT, OP_SETSID, OP_OPEN_FIFO, OP_NO_NEW_PRIVS, OP_CAPS_BOUNDING,
  OP_CAPS, OP_SETGROUPS, OP_SETGID, OP_SETUID, OP_UMASK, OP_ENV, OP_RESOLVE_EXEC, OP_READY,
  OP_WAIT_START, OP_EXEC, OP_PDEATHSIG, OP_CONSOLE, OP_SETNS_FD
};

static const char *op_names[] = {
  "?", "SETNS", "UNSHARE", "MAP_IDS", "FORK", "MOUNT", "MKDIRS", "MKFILE", "SYMLINK", "MKNOD",
  "PIVOT_ROOT", "SETHOSTNAME", "SETDOMAINNAME", "WRITE_FILE", "MASK", "READONLY", "REMOUNT_RO",
  "CHDIR", "RLIMIT", "SETSID", "OPEN_FIFO", "NO_NEW_PRIVS", "CAPS_BOUNDING", "CAPS", "SETGROUPS",
  "SETGID", "SETUID", "UMASK", "ENV", "RESOLVE_EXEC", "READY", "WAIT_START", "EXEC", "PDEATHSIG",
  "CONSOLE", "SETNS_FD"
};

static int sync_fd = -1;
static int fifo_fd = -1;
static int console_fd = -1;
static char *envp[MAX_ENV + 1];
static int envc = 0;
static char exec_path[PATH_MAX];
static const char *cur_op = "startup";

static void send_msg(const char *fmt, ...) {
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (n > (int) sizeof buf - 2) n = sizeof buf - 2;
  buf[n++] = '\n';
  if (sync_fd >= 0) {
    ssize_t off = 0;
    while (off < n) {
      ssize_t w = write(sync_fd, buf + off, n - off);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) break;
      off += w;
    }
  } else {
    /* After READY nobody listens on the socket; the container's stderr is the best we have. */
    (void) !write(2, "burrow-init: ", 13);
    (void) !write(2, buf, n);
  }
}

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...) {
  char msg[3072];
  int err = errno;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  for (char *p = msg; *p; p++) if (*p == '\n') *p = ' ';
  if (err) send_msg("ERR %s %s: %s", cur_op, msg, strerror(err));
  else send_msg("ERR %s %s", cur_op, msg);
  _exit(1);
}

static void read_full(int fd, void *buf, size_t len) {
  size_t off = 0;
  while (off < len) {
    ssize_t r = read(fd, (char *) buf + off, len - off);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) die("reading the plan");
    if (r == 0) { errno = 0; die("the runtime closed the sync socket"); }
    off += r;
  }
}

/* Waits for the runtime's "GO\n": the runtime has done its part (maps written, pid recorded). */
static void await_go(void) {
  char buf[3];
  read_full(sync_fd, buf, 3);
  if (memcmp(buf, "GO\n", 3) != 0) { errno = 0; die("expected GO from the runtime"); }
}

static uint32_t get_u32(const char **p, const char *end) {
  uint32_t v;
  if (end - *p < 4) { errno = 0; die("truncated plan"); }
  memcpy(&v, *p, 4);
  *p += 4;
  return v;
}

static unsigned long long parse_ull(const char *s) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (errno || *end || end == s) { errno = EINVAL; die("bad number '%s'", s); }
  return v;
}

static long long parse_ll(const char *s) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 0);
  if (errno || *end || end == s) { errno = EINVAL; die("bad number '%s'", s); }
  return v;
}

static const char *nul_if_empty(const char *s) { return *s ? s : NULL; }

static void mkdirs(const char *path, mode_t mode) {
  char buf[PATH_MAX];
  if (strlen(path) >= sizeof buf) { errno = ENAMETOOLONG; die("%s", path); }
  strcpy(buf, path);
  for (char *p = buf + 1; ; p++) {
    if (*p == '/' || *p == 0) {
      char c = *p;
      *p = 0;
      if (mkdir(buf, mode) < 0 && errno != EEXIST) die("mkdir %s", buf);
      *p = c;
      if (c == 0) break;
    }
  }
  errno = 0;
}

static void parent_dirs(const char *path) {
  char buf[PATH_MAX];
  if (strlen(path) >= sizeof buf) { errno = ENAMETOOLONG; die("%s", path); }
  strcpy(buf, path);
  char *slash = strrchr(buf, '/');
  if (slash && slash != buf) {
    *slash = 0;
    mkdirs(buf, 0755);
  }
}

static void write_file(const char *path, const char *content) {
  int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) die("open %s", path);
  size_t len = strlen(content);
  if (write(fd, content, len) != (ssize_t) len) die("write %s", path);
  close(fd);
}

static void remount_ro(const char *path) {
  struct statvfs sv;
  if (statvfs(path, &sv) < 0) die("statvfs %s", path);
  /* Keep the flags the mount already has: in a user namespace they are locked and must be kept. */
  unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY;
  if (sv.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  if (mount(NULL, path, NULL, flags, NULL) < 0) die("remount read-only %s", path);
}

static void do_pivot_root(const char *root) {
  int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0) die("open /");
  int newroot = open(root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (newroot < 0) die("open %s", root);
  if (fchdir(newroot) < 0) die("chdir %s", root);
  /* pivot_root(".", ".") stacks the old root on top of the new one; detach it right away. */
  if (syscall(SYS_pivot_root, ".", ".") < 0) die("pivot_root %s", root);
  if (fchdir(oldroot) < 0) die("fchdir old root");
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) die("make old root rslave");
  if (umount2(".", MNT_DETACH) < 0) die("detach old root");
  if (chdir("/") < 0) die("chdir /");
  close(oldroot);
  close(newroot);
}

static void do_mask(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) {
    if (errno == ENOENT) { errno = 0; return; }
    die("stat %s", path);
  }
  if (S_ISDIR(st.st_mode)) {
    if (mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0k") < 0) die("mask %s", path);
  } else if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0) {
    die("mask %s", path);
  }
}

static void do_readonly(const char *path) {
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
    if (errno == ENOENT) { errno = 0; return; }
    die("bind %s", path);
  }
  remount_ro(path);
}

static void set_caps_bounding(unsigned long long keep) {
  for (int cap = 0; cap <= 63; cap++) {
    if (keep & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) die("drop capability %d", cap);
  }
  errno = 0;
}

static void set_caps(unsigned long long eff, unsigned long long perm, unsigned long long inh,
                     unsigned long long amb) {
  struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof data);
  data[0].effective = (uint32_t) eff;   data[1].effective = (uint32_t) (eff >> 32);
  data[0].permitted = (uint32_t) perm;  data[1].permitted = (uint32_t) (perm >> 32);
  data[0].inheritable = (uint32_t) inh; data[1].inheritable = (uint32_t) (inh >> 32);
  if (syscall(SYS_capset, &hdr, data) < 0) die("capset");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) die("clear ambient");
  for (int cap = 0; cap <= 63; cap++) {
    if (!(amb & (1ULL << cap))) continue;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) die("raise ambient %d", cap);
  }
  errno = 0;
}

static const char *env_lookup(const char *name) {
  size_t n = strlen(name);
  for (int i = 0; i < envc; i++)
    if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=') return envp[i] + n + 1;
  return NULL;
}

/* Finds file as execvp would, but on the container's PATH rather than ours. */
static void resolve_exec(const char *file) {
  if (strchr(file, '/')) {
    if (strlen(file) >= sizeof exec_path) { errno = ENAMETOOLONG; die("%s", file); }
    if (access(file, X_OK) < 0) die("executable %s", file);
    strcpy(exec_path, file);
    return;
  }
  const char *path = env_lookup("PATH");
  if (!path) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  int last_err = ENOENT;
  while (*path) {
    const char *colon = strchrnul(path, ':');
    size_t dlen = colon - path;
    char candidate[PATH_MAX];
    if (dlen == 0) snprintf(candidate, sizeof candidate, "%s", file);
    else snprintf(candidate, sizeof candidate, "%.*s/%s", (int) dlen, path, file);
    struct stat st;
    if (stat(candidate, &st) == 0 && S_ISREG(st.st_mode)) {
      if (access(candidate, X_OK) == 0) {
        strcpy(exec_path, candidate);
        return;
      }
      last_err = errno;
    }
    path = *colon ? colon + 1 : colon;
  }
  errno = last_err;
  die("executable file '%s' not found in $PATH", file);
}

/* runc's utils.SendFd framing: one fd in one SCM_RIGHTS message, its name as the payload. */
static void send_fd(int sock, const char *name, int fd) {
  union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control;
  memset(&control, 0, sizeof control);
  struct iovec iov = { (void *) name, strlen(name) };
  struct msghdr msg = { 0 };
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
  ssize_t n;
  do n = sendmsg(sock, &msg, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
  if (n < 0) die("send the pty master over the console socket");
}

static void do_console(const char *ptmx, unsigned short rows, unsigned short cols, const char *console,
                       uid_t uid) {
  if (console_fd < 0) { errno = 0; die("the plan has a terminal but the runtime gave no console socket"); }
  int master = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) die("open %s", ptmx);
  int ptn, unlock = 0;
  if (ioctl(master, TIOCGPTN, &ptn) < 0) die("ptsname of %s", ptmx);
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0) die("unlockpt %s", ptmx);
  char slave_path[64];
  snprintf(slave_path, sizeof slave_path, "/dev/pts/%d", ptn);
  if (rows || cols) {
    struct winsize ws = { rows, cols, 0, 0 };
    if (ioctl(master, TIOCSWINSZ, &ws) < 0) die("set the window size of %s", slave_path);
  }
  if (*console && mount(slave_path, console, NULL, MS_BIND, NULL) < 0) die("bind %s on %s", slave_path, console);
  send_fd(console_fd, "/dev/ptmx", master);
  close(master);
  close(console_fd);
  console_fd = -1;
  int slave = open(slave_path, O_RDWR | O_NOCTTY);
  if (slave < 0) die("open %s", slave_path);
  if (fchown(slave, uid, (gid_t) -1) < 0) die("chown %s", slave_path);
  for (int fd = 0; fd <= 2; fd++)
    if (dup2(slave, fd) < 0) die("dup2 %s onto fd %d", slave_path, fd);
  if (slave > 2) close(slave);
  if (ioctl(0, TIOCSCTTY, 0) < 0) die("make %s the controlling terminal", slave_path);
}

static void do_fork(void) {
  /* CLONE_PARENT makes the init a child of the runtime, which can then wait for its exit code. */
  pid_t pid = (pid_t) syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
  if (pid < 0) die("clone");
  if (pid > 0) {
    send_msg("PID %d", pid);
    _exit(0);
  }
  await_go();
}

static void run_op(int op, int argc, char **argv) {
  cur_op = (op > 0 && op <= OP_SETNS_FD) ? op_names[op] : "unknown";
  errno = 0;
  switch (op) {
  case OP_SETNS: {
    int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
    if (fd < 0) die("open namespace %s", argv[0]);
    if (setns(fd, (int) parse_ll(argv[1])) < 0) die("join namespace %s", argv[0]);
    close(fd);
    break;
  }
  case OP_UNSHARE:
    if (unshare((int) parse_ll(argv[0])) < 0) die("unshare flags %s", argv[0]);
    break;
  case OP_MAP_IDS:
    send_msg("MAP %d", getpid());
    await_go();
    /* Become root of the new namespace when root is mapped; otherwise stay the overflow id. */
    if (setresgid(0, 0, 0) < 0 && errno != EINVAL) die("setresgid 0");
    if (setresuid(0, 0, 0) < 0 && errno != EINVAL) die("setresuid 0");
    break;
  case OP_FORK:
    do_fork();
    break;
  case OP_MOUNT:
    if (mount(nul_if_empty(argv[0]), argv[1], nul_if_empty(argv[2]), (unsigned long) parse_ull(argv[3]),
              nul_if_empty(argv[4])) < 0)
      die("mount '%s' on %s (type '%s', flags %s, data '%s')", argv[0], argv[1], argv[2], argv[3], argv[4]);
    break;
  case OP_MKDIRS:
    mkdirs(argv[0], (mode_t) parse_ull(argv[1]));
    break;
  case OP_MKFILE: {
    parent_dirs(argv[0]);
    int fd = open(argv[0], O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0 && errno != EISDIR && errno != ELOOP) die("create %s", argv[0]);
    if (fd >= 0) close(fd);
    break;
  }
  case OP_SYMLINK:
    parent_dirs(argv[1]);
    if (symlink(argv[0], argv[1]) < 0 && errno != EEXIST) die("symlink %s -> %s", argv[1], argv[0]);
    break;
  case OP_MKNOD: {
    parent_dirs(argv[0]);
    mode_t mode = (mode_t) parse_ull(argv[1]);
    dev_t dev = makedev((unsigned) parse_ull(argv[2]), (unsigned) parse_ull(argv[3]));
    unlink(argv[0]);
    if (mknod(argv[0], mode, dev) < 0) die("mknod %s", argv[0]);
    if (chmod(argv[0], mode & 07777) < 0) die("chmod %s", argv[0]);
    if (chown(argv[0], (uid_t) parse_ll(argv[4]), (gid_t) parse_ll(argv[5])) < 0) die("chown %s", argv[0]);
    break;
  }
  case OP_PIVOT_ROOT:
    do_pivot_root(argv[0]);
    break;
  case OP_SETHOSTNAME:
    if (sethostname(argv[0], strlen(argv[0])) < 0) die("sethostname %s", argv[0]);
    break;
  case OP_SETDOMAINNAME:
    if (setdomainname(argv[0], strlen(argv[0])) < 0) die("setdomainname %s", argv[0]);
    break;
  case OP_WRITE_FILE:
    write_file(argv[0], argv[1]);
    break;
  case OP_MASK:
    do_mask(argv[0]);
    break;
  case OP_READONLY:
    do_readonly(argv[0]);
    break;
  case OP_REMOUNT_RO:
    remount_ro(argv[0]);
    break;
  case OP_CHDIR:
    if (chdir(argv[0]) < 0) die("chdir to cwd %s", argv[0]);
    break;
  case OP_RLIMIT: {
    long long soft = parse_ll(argv[1]), hard = parse_ll(argv[2]);
    struct rlimit rl = { soft < 0 ? RLIM_INFINITY : (rlim_t) soft, hard < 0 ? RLIM_INFINITY : (rlim_t) hard };
    if (setrlimit((int) parse_ll(argv[0]), &rl) < 0) die("setrlimit %s", argv[0]);
    break;
  }
  case OP_SETSID:
    if (setsid() < 0) die("setsid");
    break;
  case OP_OPEN_FIFO:
    fifo_fd = open(argv[0], O_PATH | O_CLOEXEC);
    if (fifo_fd < 0) die("open start fifo %s", argv[0]);
    break;
  case OP_NO_NEW_PRIVS:
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die("no_new_privs");
    break;
  case OP_CAPS_BOUNDING:
    set_caps_bounding(parse_ull(argv[0]));
    break;
  case OP_CAPS:
    set_caps(parse_ull(argv[0]), parse_ull(argv[1]), parse_ull(argv[2]), parse_ull(argv[3]));
    break;
  case OP_SETGROUPS: {
    gid_t groups[NGROUPS_MAX];
    if (argc > NGROUPS_MAX) { errno = EINVAL; die("too many groups"); }
    for (int i = 0; i < argc; i++) groups[i] = (gid_t) parse_ull(argv[i]);
    if (setgroups(argc, groups) < 0) die("setgroups");
    break;
  }
  case OP_SETGID: {
    gid_t gid = (gid_t) parse_ull(argv[0]);
    if (setresgid(gid, gid, gid) < 0) die("setgid %s", argv[0]);
    break;
  }
  case OP_SETUID: {
    uid_t uid = (uid_t) parse_ull(argv[0]);
    /* Keep the permitted set across the uid change; the CAPS op that follows trims it. */
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) die("keepcaps");
    if (setresuid(uid, uid, uid) < 0) die("setuid %s", argv[0]);
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) die("keepcaps");
    break;
  }
  case OP_UMASK:
    umask((mode_t) parse_ull(argv[0]));
    break;
  case OP_ENV:
    if (envc >= MAX_ENV) { errno = E2BIG; die("too many environment variables"); }
    envp[envc++] = argv[0];
    envp[envc] = NULL;
    break;
  case OP_RESOLVE_EXEC:
    resolve_exec(argv[0]);
    break;
  case OP_READY:
    send_msg("READY");
    close(sync_fd);
    sync_fd = -1;
    break;
  case OP_WAIT_START: {
    char self[64];
    if (fifo_fd < 0) { errno = 0; die("no start fifo was opened"); }
    snprintf(self, sizeof self, "/proc/self/fd/%d", fifo_fd);
    /* Blocks until `burrow start` opens the read end. */
    int fd = open(self, O_WRONLY | O_CLOEXEC);
    if (fd < 0) die("open start fifo");
    if (write(fd, "0", 1) != 1) die("write start fifo");
    close(fd);
    close(fifo_fd);
    fifo_fd = -1;
    break;
  }
  case OP_EXEC: {
    if (!exec_path[0]) resolve_exec(argv[0]);
    char **args = calloc(argc + 1, sizeof(char *));
    if (!args) die("calloc");
    for (int i = 0; i < argc; i++) args[i] = argv[i];
    envp[envc] = NULL;
    execve(exec_path, args, envp);
    die("exec %s", exec_path);
  }
  case OP_PDEATHSIG:
    if (prctl(PR_SET_PDEATHSIG, (unsigned long) parse_ll(argv[0]), 0, 0, 0) < 0) die("pdeathsig");
    break;
  case OP_CONSOLE:
    do_console(argv[0], (unsigned short) parse_ull(argv[1]), (unsigned short) parse_ull(argv[2]), argv[3],
               (uid_t) parse_ull(argv[4]));
    break;
  case OP_SETNS_FD: {
    int fd = (int) parse_ll(argv[0]);
    if (setns(fd, (int) parse_ll(argv[1])) < 0) die("join namespace on fd %s (type %s)", argv[0], argv[1]);
    close(fd);
    break;
  }
  default:
    errno = EINVAL;
    die("unknown opcode %d", op);
  }
}

int main(int argc, char **argv) {
  /* The runtime may have ignored signals or masked them; the container starts clean. */
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);

  if (argc < 2 || argc > 3 || (sync_fd = (int) parse_ll(argv[1])) < 3
      || (argc == 3 && (console_fd = (int) parse_ll(argv[2])) < 3)) {
    static const char usage[] = "usage: burrow-init SYNC_FD [CONSOLE_FD] (started by burrow, not by hand)\n";
    (void) !write(2, usage, sizeof usage - 1);
    return 2;
  }
  uint32_t len;
  read_full(sync_fd, &len, 4);
  if (len > MAX_PLAN) { errno = E2BIG; die("plan of %u bytes", len); }
  char *plan = malloc(len);
  if (!plan) die("malloc");
  read_full(sync_fd, plan, len);
  const char *p = plan, *end = plan + len;
  for (;;) {
    uint32_t op = get_u32(&p, end);
    if (op == 0) break;
    uint32_t argc = get_u32(&p, end);
    if (argc > 65536) { errno = E2BIG; die("op %u has %u arguments", op, argc); }
    char **argv = calloc(argc + 1, sizeof(char *));
    if (!argv) die("calloc");
    for (uint32_t i = 0; i < argc; i++) {
      uint32_t alen = get_u32(&p, end);
      if ((size_t) (end - p) < alen) { errno = 0; die("truncated plan"); }
      argv[i] = strndup(p, alen);
      if (!argv[i]) die("strndup");
      p += alen;
    }
    run_op((int) op, (int) argc, argv);
  }
  /* A plan without EXEC (e.g. a probe) ends here. */
  return 0;
}
