package io.burrow.linux;

import io.burrow.linux.sys.Fd;

import io.burrow.linux.sys.Native;
import io.burrow.linux.sys.Sys;

import io.burrow.api.launch.Opcode;
import io.burrow.api.spi.IdMapper;
import io.burrow.api.spi.IoFile;
import io.burrow.api.spi.LaunchException;
import io.burrow.api.spi.LaunchRequest;
import io.burrow.api.spi.NamespaceLauncher;
import io.burrow.api.spi.ProcessControl;
import io.burrow.api.spi.ProcessId;
import io.burrow.api.spi.SeccompListener;
import io.burrow.api.spi.Signals;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Launches processes through the native exec helper: spawns {@code burrow-init} with the request's
 * fds on 3.., the sync socket after them and the console socket, if any, last, sends it the plan, and answers its requests (write
 * id maps, acknowledge the forked pid) until it reports ready. Thread-safe; each launch has its
 * own helper and socket, and kills and reaps everything it started when it fails.
 */
public final class ExecHelperLauncher implements NamespaceLauncher {
  private static final Logger LOG = LoggerFactory.getLogger(ExecHelperLauncher.class);
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(60);

  private final Provider<ExecHelper> helper;
  private final IdMapper idMapper;
  private final ProcessControl processes;

  /** The helper is looked up on first launch, so commands that launch nothing do not need it. */
  @Inject
  public ExecHelperLauncher(Provider<ExecHelper> helper, IdMapper idMapper, ProcessControl processes) {
    this.helper = helper;
    this.idMapper = idMapper;
    this.processes = processes;
  }

  public ExecHelperLauncher(ExecHelper helper, IdMapper idMapper, ProcessControl processes) {
    this(() -> helper, idMapper, processes);
  }

  @Override
  public ProcessId launch(LaunchRequest request) throws LaunchException {
    String what = request.description();
    boolean forks = request.plan().ops().stream().anyMatch(op -> op.opcode() == Opcode.FORK);
    Fd[] pair = Fd.socketpair("sync socket of " + what);
    // The program's own fds take 3.. exactly as given; the sync socket goes after them.
    List<Integer> fds = new ArrayList<>(List.of(0, 1, 2));
    request.inheritedFds().stream().map(IoFile::fd).forEach(fds::add);
    List<String> argv = new ArrayList<>(List.of("burrow-init", Integer.toString(fds.size())));
    fds.add(pair[1].fd());
    // The console socket goes last; the helper's CONSOLE op sends the pty master on it and closes it.
    request.consoleSocket().ifPresent(console -> {
      argv.add(Integer.toString(fds.size()));
      fds.add(console.fd());
    });
    int helperPid;
    try {
      helperPid = PosixSpawner.spawn(helper.get().path().toString(), argv, List.of(), fds);
    } catch (RuntimeException e) {
      pair[0].close();
      throw new LaunchException(what + ": cannot start the exec helper: " + e.getMessage(), e);
    } finally {
      pair[1].close();
    }
    LOG.debug("{}: exec helper pid {}, plan:\n{}", what, helperPid, request.plan());
    int initPid = 0;
    boolean helperReaped = false;
    try (SyncSocket sync = new SyncSocket(pair[0], "the exec helper of " + what)) {
      sync.write(request.plan().encode());
      while (true) {
        String line = sync.readLine(STEP_TIMEOUT, "get ready");
        if (line == null) {
          if (!helperReaped) {
            throw new LaunchException(what + ": the exec helper exited before the init was ready ("
                + describeExit(reap(helperPid)) + ")");
          }
          // The forked init is our child (CLONE_PARENT): say how it ended.
          int status = reap(initPid);
          initPid = 0;
          throw new LaunchException(what + ": the init exited before it was ready (" + describeExit(status) + ")");
        } else if (line.startsWith("MAP ")) {
          idMapper.writeMappings(Integer.parseInt(line.substring(4)), request.uidMappings(), request.gidMappings());
          sync.writeLine("GO");
        } else if (line.startsWith("PID ")) {
          initPid = Integer.parseInt(line.substring(4));
          reap(helperPid);
          helperReaped = true;
          if (request.placement() != null) {
            request.placement().place(initPid);
          }
          sync.writeLine("GO");
        } else if (line.equals("SECCOMP_FD")) {
          try (Fd listener = sync.takeFd("SECCOMP_FD")) {
            sendListener(what, request, forks ? initPid : helperPid, listener);
          }
        } else if (line.equals("READY")) {
          break;
        } else if (line.startsWith("ERR ")) {
          throw new LaunchException(what + ": " + line.substring(4));
        } else {
          throw new LaunchException(what + ": unexpected message from the exec helper: " + line);
        }
      }
      int pid = forks ? initPid : helperPid;
      return processes.identify(pid)
          .orElseThrow(() -> new LaunchException(what + ": process " + pid + " exited right after it was ready"));
    } catch (LaunchException | IOException | RuntimeException e) {
      if (initPid > 0) {
        killAndReap(initPid);
      }
      if (!helperReaped) {
        killAndReap(helperPid);
      }
      if (e instanceof LaunchException le) {
        throw le;
      }
      throw new LaunchException(what + ": " + e.getMessage(), e);
    }
  }

  /** runc's sendContainerProcessState: one message to the agent, the state JSON with the listener fd. */
  private static void sendListener(String what, LaunchRequest request, int pid, Fd listener) throws LaunchException {
    SeccompListener target = request.seccompListener().orElseThrow(() ->
        new LaunchException(what + ": the exec helper sent a seccomp listener nobody asked for"));
    try (Fd agent = UnixSockets.connect(target.socket())) {
      UnixSockets.send(agent, target.state().apply(pid).getBytes(java.nio.charset.StandardCharsets.UTF_8),
          List.of(listener));
    } catch (IOException e) {
      throw new LaunchException(what + ": cannot send the seccomp listener to the agent at " + target.socket()
          + " (linux.seccomp.listenerPath): " + e.getMessage(), e);
    }
  }

  @Override
  public void createStartGate(Path gate, long uid, long gid) throws IOException {
    // The init opens the gate for writing after it took the container's identity, so that
    // identity must be able to: runc's 0622, owned by the container's root.
    if (Native.libc().mkfifo(gate.toString(), 0622) < 0) {
      throw new IOException(Native.error("mkfifo " + gate));
    }
    try {
      java.nio.file.Files.setPosixFilePermissions(gate, java.nio.file.attribute.PosixFilePermissions.fromString("rw--w--w-"));
      java.nio.file.Files.setAttribute(gate, "unix:uid", (int) uid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
      java.nio.file.Files.setAttribute(gate, "unix:gid", (int) gid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
    } catch (IOException | UnsupportedOperationException e) {
      throw new IOException("set owner and mode of " + gate + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void release(Path gate, ProcessId init, Duration timeout) throws IOException {
    // Through burrow's libc binding, as everything on start's path: jnr-posix costs a CLI call 100+ ms to load.
    int fd = Native.libc().openat(Sys.AT_FDCWD, Sys.cstr(gate.toString()), Native.O_RDONLY | Native.O_NONBLOCK
        | Native.O_CLOEXEC, 0);
    if (fd < 0) {
      throw new IOException(Native.error("open start fifo " + gate));
    }
    try {
      long deadline = System.nanoTime() + timeout.toNanos();
      long sleep = 1;
      byte[] one = new byte[1];
      while (true) {
        // Look at the init before the fifo: it writes its byte before it can exit, so an init
        // already gone whose byte is not there now never passed the gate. No grace period needed.
        boolean alive = processes.isAlive(init);
        long n = Native.libc().read(fd, one, 1);
        if (n == 1) {
          return;
        }
        if (n < 0 && Native.errno() != Native.EAGAIN && Native.errno() != Native.EINTR) {
          throw new IOException(Native.error("read start fifo " + gate));
        }
        if (!alive) {
          throw new IOException("the container init (pid " + init.pid() + ") died before it could start");
        }
        if (System.nanoTime() > deadline) {
          throw new IOException("timed out after " + timeout.toMillis() + " ms waiting for the init (pid "
              + init.pid() + ") to take the start signal");
        }
        sleepQuietly(sleep);
        sleep = Math.min(sleep * 2, 50);
      }
    } finally {
      Native.libc().close(fd);
    }
  }

  private static int reap(int pid) {
    int[] status = new int[1];
    while (Native.posix().waitpid(pid, status, 0) < 0) {
      if (Native.errno() != Native.EINTR) {
        return -1;
      }
    }
    return status[0];
  }

  private static void killAndReap(int pid) {
    Native.kill(pid, Signals.SIGKILL);
    reap(pid);
  }

  static String describeExit(int status) {
    if (status < 0) {
      return "exit status unknown";
    }
    if ((status & 0x7f) == 0) {
      return "exit code " + ((status >> 8) & 0xff);
    }
    return "killed by signal " + (status & 0x7f);
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
