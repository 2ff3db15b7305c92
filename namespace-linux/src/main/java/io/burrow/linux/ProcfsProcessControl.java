package io.burrow.linux;

import io.burrow.linux.sys.LibC;
import io.burrow.linux.sys.Sys;

import io.burrow.linux.sys.Fd;

import io.burrow.linux.sys.Native;
import io.burrow.linux.sys.Errno;
import io.burrow.linux.sys.SeccompFilter;
import io.burrow.linux.sys.ThreadCapabilities;

import io.burrow.api.spec.NamespaceType;
import io.burrow.api.spi.IoFile;
import io.burrow.api.spi.ProcessControl;
import io.burrow.api.spi.ProcessId;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * {@link ProcessControl} over {@code /proc/PID/stat} and kill(2)/waitpid(2). A process is the same
 * process only if its start time matches, so a recycled pid is never signalled. Thread-safe.
 */
public final class ProcfsProcessControl implements ProcessControl {
  private static final int PR_SET_NO_NEW_PRIVS = 38, PR_SET_KEEPCAPS = 8, CAP_KILL = 5, CAP_SETGID = 6, CAP_SETUID = 7;

  private record Stat(char state, long startTime) {}

  @Override
  public Optional<ProcessId> identify(int pid) {
    return stat(pid).map(s -> new ProcessId(pid, s.startTime()));
  }

  @Override
  public boolean isAlive(ProcessId process) {
    return stat(process.pid())
        .filter(s -> s.startTime() == process.startTime() && s.state() != 'Z' && s.state() != 'X')
        .isPresent();
  }

  @Override
  public boolean signal(ProcessId process, int signal) throws IOException {
    if (!isAlive(process)) {
      return false;
    }
    if (Native.kill(process.pid(), signal) < 0) {
      if (Native.errno() == Native.ESRCH) {
        return false;
      }
      throw new IOException(Native.error("kill " + process.pid() + " with signal " + signal));
    }
    return true;
  }

  @Override
  public void reapIfChild(ProcessId process) {
    boolean deadChild = stat(process.pid()).filter(s -> s.startTime() == process.startTime() && s.state() == 'Z')
        .isPresent() && parentOf(process.pid()).filter(ppid -> ppid == Native.posix().getpid()).isPresent();
    if (deadChild) {
      // Blocking, not WNOHANG: a multi-threaded child's leader shows Z while its other threads
      // still exit, and cannot be reaped until they have; that is a moment away.
      while (Native.posix().waitpid(process.pid(), new int[1], 0) < 0 && Native.errno() == Native.EINTR) {
        // interrupted: wait again
      }
    }
  }

  @Override
  public int waitForExit(ProcessId child) throws IOException {
    int[] status = new int[1];
    while (Native.posix().waitpid(child.pid(), status, 0) < 0) {
      if (Native.errno() != Native.EINTR) {
        throw new IOException(Native.error("wait for pid " + child.pid()));
      }
    }
    int s = status[0];
    return (s & 0x7f) == 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f);
  }

  @Override
  public boolean awaitDeath(ProcessId process, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long sleep = 1;
    while (isAlive(process)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(sleep);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return !isAlive(process);
      }
      sleep = Math.min(sleep * 2, 100);
    }
    return true;
  }

  @Override
  public List<ProcessId> pidNamespaceMembers(ProcessId process) {
    List<ProcessId> members = new ArrayList<>();
    Optional<String> ns = pidNamespace(process.pid());
    if (ns.isEmpty() || !isAlive(process)) {
      return members;
    }
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
      for (Path p : procs) {
        int pid = Integer.parseInt(p.getFileName().toString());
        if (ns.equals(pidNamespace(pid))) {
          identify(pid).filter(this::isAlive).ifPresent(members::add);
        }
      }
    } catch (IOException e) {
      // /proc is always listable; an error here leaves the list partial, never wrong
    }
    return members;
  }

  @Override
  public boolean leadsPidNamespace(ProcessId process) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(process.pid()), "status"))) {
        if (line.startsWith("NSpid:")) {
          String[] pids = line.substring("NSpid:".length()).trim().split("\\s+");
          return pids.length > 1 && pids[pids.length - 1].equals("1") && isAlive(process);
        }
      }
    } catch (IOException e) {
      // gone: it leads nothing
    }
    return false;
  }

  @Override
  public List<ProcessId> processTree(ProcessId process) {
    List<ProcessId> tree = new ArrayList<>();
    if (!isAlive(process)) {
      return tree;
    }
    java.util.Map<Integer, List<Integer>> children = new java.util.HashMap<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
      for (Path p : procs) {
        int pid = Integer.parseInt(p.getFileName().toString());
        parentOf(pid).ifPresent(ppid -> children.computeIfAbsent(ppid, k -> new ArrayList<>()).add(pid));
      }
    } catch (IOException e) {
      // /proc is always listable; an error here leaves the tree partial, never wrong
    }
    java.util.ArrayDeque<Integer> todo = new java.util.ArrayDeque<>(List.of(process.pid()));
    tree.add(process);
    while (!todo.isEmpty()) {
      for (int child : children.getOrDefault(todo.poll(), List.of())) {
        Optional<ProcessId> id = identify(child).filter(this::isAlive);
        if (id.isPresent()) {
          tree.add(id.get());
          todo.add(child);
        }
      }
    }
    return tree;
  }

  @Override
  public List<IoFile> openNamespaces(ProcessId process, List<NamespaceType> types)
      throws IOException {
    List<IoFile> files = new ArrayList<>();
    try {
      for (NamespaceType type : types) {
        String path = "/proc/" + process.pid() + "/ns/" + type.procName();
        int fd = Native.posix().open(path, Native.O_RDONLY | Native.O_CLOEXEC, 0);
        if (fd < 0) {
          throw new IOException(Native.error("open " + path));
        }
        files.add(new Fd(fd, type.procName() + " namespace of pid " + process.pid()));
      }
      // Opened while the same process was alive: then they are its namespaces, not a successor's.
      if (!isAlive(process)) {
        throw new IOException("process " + process.pid() + " exited while its namespaces were opened");
      }
      return files;
    } catch (IOException | RuntimeException e) {
      files.forEach(IoFile::close);
      throw e;
    }
  }

  private static Optional<Integer> parentOf(int pid) {
    try {
      String text = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
      return Optional.of(Integer.parseInt(text.substring(text.lastIndexOf(')') + 2).split(" ")[1]));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  @Override
  public void confine(Path emptyRoot, OptionalInt unprivilegedId) throws IOException {
    LibC libc = Native.libc();
    SeccompFilter filter = SandboxSyscallAllowlist.filter(); // libseccomp is a file: loaded before the chroot
    if (libc.chroot(Sys.cstr(emptyRoot.toString())) < 0 || libc.chdir(Sys.cstr("/")) < 0) {
      throw new IOException(Native.error("confine to " + emptyRoot));
    }
    if (unprivilegedId.isPresent()) {
      int id = unprivilegedId.getAsInt();
      // This thread started the init, so the kernel sends the init its parent-death signal with
      // this thread's credentials, which a nobody may not send to a root init: this thread alone
      // keeps CAP_KILL through the change of uids, and the filter lets it signal nothing itself.
      // Its bounding set too, while it can: the uid change takes CAP_SETPCAP from its effective set.
      ThreadCapabilities.limitTo(1L << CAP_KILL | 1L << CAP_SETGID | 1L << CAP_SETUID);
      libc.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
      // Groups first, while CAP_SETGID is held. A user namespace whose setgroups is denied has
      // no supplementary groups to drop.
      libc.setgroups(0, new int[0]);
      if (libc.setresgid(id, id, id) < 0 || libc.setresuid(id, id, id) < 0) {
        throw new IOException(Native.error("drop the sandbox to uid and gid " + id));
      }
      libc.prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
      ThreadCapabilities.limitTo(1L << CAP_KILL);
    }
    if (libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
      throw new IOException(Native.error("prctl(PR_SET_NO_NEW_PRIVS)"));
    }
    try {
      filter.loadOnEveryThread();
    } catch (Errno e) {
      throw new IOException("cannot install the sandbox's seccomp filter: " + e.getMessage(), e);
    }
  }

  @Override
  public void releaseStdio() throws IOException {
    Native.releaseStdio();
  }

  private static Optional<String> pidNamespace(int pid) {
    try {
      return Optional.of(Files.readSymbolicLink(Path.of("/proc", Integer.toString(pid), "ns", "pid")).toString());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static Optional<Stat> stat(int pid) {
    if (pid <= 0) {
      return Optional.empty();
    }
    String text;
    try {
      text = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
    } catch (IOException e) {
      return Optional.empty();
    }
    // The command name (field 2) may hold spaces and parentheses; fields restart after the last ')'.
    String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
    return Optional.of(new Stat(fields[0].charAt(0), Long.parseLong(fields[19])));
  }
}
