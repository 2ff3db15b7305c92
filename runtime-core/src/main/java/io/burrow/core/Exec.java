package io.burrow.core;

import io.burrow.api.launch.InitPlan;
import io.burrow.api.spec.NamespaceType;
import io.burrow.api.spec.Process;
import io.burrow.api.spec.Spec;
import io.burrow.api.spec.SpecException;
import io.burrow.api.spec.SpecIo;
import io.burrow.api.spi.IoFile;
import io.burrow.api.spi.LaunchException;
import io.burrow.api.spi.LaunchRequest;
import io.burrow.api.spi.ProcessId;
import io.burrow.api.state.Status;
import io.burrow.core.plan.ExecPlanner;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Starts a process in a running (or created) container, as {@code runc exec}: the exec planner
 * decides, the launcher's helper joins the init's namespaces and forks the process, and the
 * process is a child of the calling JVM (CLONE_PARENT), so that {@code burrow exec} can wait for
 * it, or, detached, leave it to the caller's subreaper (containerd's shim, conmon) once it exits.
 * It is in the container's pid namespace, so killing the container kills it. Thread-safe.
 */
public final class Exec {
  private final RuntimeServices services;
  private final Containers containers;

  @Inject
  public Exec(RuntimeServices services, Containers containers) {
    this.services = services;
    this.containers = containers;
  }

  /**
   * Starts the process and returns once it runs (its program is being executed), with its pid
   * written to the pid file. Holds the container's lock only meanwhile, so the container can be
   * killed or deleted while the process runs.
   */
  public ProcessId start(String id, ExecRequest request) throws ContainerException {
    try (Container container = containers.load(id)) {
      Status status = container.status();
      // runc's wording: clients show it as it is.
      if (status == Status.STOPPED) {
        throw new ContainerException("cannot exec in a stopped container (container '" + id + "')");
      }
      if (status == Status.PAUSED) {
        throw new ContainerException("cannot exec in a paused container (container '" + id + "')");
      }
      ProcessId init = container.record().init();
      if (init == null) {
        throw new ContainerException("cannot exec in container '" + id + "': it has not started in its pod yet");
      }
      Spec spec = readSpec(container);
      Process process;
      String where;
      if (request.processFile().isPresent()) {
        Path file = request.processFile().get();
        where = file.toString();
        try {
          process = ExecPlanner.fromFile(spec, SpecIo.read(file, Process.class), where);
        } catch (SpecException e) {
          throw new ContainerException(e.getMessage(), e);
        }
      } else {
        where = "burrow exec " + id;
        process = ExecPlanner.inline(spec, request.options(), where);
      }
      checkTerminal(id, process, request);
      List<IoFile> inherited = preservedFds(request.preserveFds());
      List<NamespaceType> namespaces = ExecPlanner.namespacesToJoin(spec);
      java.util.Optional<io.burrow.api.spi.SeccompProgram> seccomp = seccomp(container, spec);
      InitPlan plan = ExecPlanner.plan(spec, process, 3 + inherited.size(), where, seccomp);
      List<IoFile> namespaceFiles = List.of();
      IoFile console = null;
      ProcessId started;
      try {
        if (request.consoleSocket().isPresent()) {
          console = connectConsole(id, request.consoleSocket().get());
        }
        namespaceFiles = services.processes().openNamespaces(init, namespaces);
        List<IoFile> fds = new ArrayList<>(inherited);
        fds.addAll(namespaceFiles);
        // As runc: an exec'd process joins the container's cgroup before it runs anything.
        String cgroup = container.cgroupPath().orElse(null);
        started = services.launcher().launch(new LaunchRequest("exec process", plan, List.of(), List.of(), fds,
            Optional.ofNullable(console), SeccompAgent.listener(seccomp, id, "running",
                Path.of(container.record().bundle()), spec.annotations))
            .withPlacement(cgroup == null ? null : pid -> container.placeInCgroup(cgroup, pid)));
      } catch (IOException | LaunchException e) {
        throw new ContainerException("cannot exec in container '" + id + "': " + e.getMessage(), e);
      } finally {
        namespaceFiles.forEach(IoFile::close);
        if (console != null) {
          console.close();
        }
      }
      if (request.pidFile().isPresent()) {
        try {
          Containers.writePidFile(request.pidFile().get(), started.pid());
        } catch (IOException e) {
          // The caller cannot track a process it has no pid of: it must not run on unseen.
          try {
            services.processes().signal(started, io.burrow.api.spi.Signals.SIGKILL);
          } catch (IOException ignored) {
            // it is gone either way
          }
          throw new ContainerException("cannot exec in container '" + id + "': cannot write the pid file "
              + request.pidFile().get() + ": " + e.getMessage(), e);
        }
      }
      return started;
    }
  }

  /**
   * runc's rules for a terminal ({@code checkTerminal}): a detached process with a terminal
   * needs a console socket to send the master to, a console socket needs a detached process with
   * a terminal. A terminal in the foreground, where runc makes its own stdio the console, is
   * refused for now, as by {@code run}.
   */
  private static void checkTerminal(String id, Process process, ExecRequest request) throws ContainerException {
    boolean terminal = Boolean.TRUE.equals(process.terminal);
    if (request.detach() && terminal && request.consoleSocket().isEmpty()) {
      throw new ContainerException("cannot exec in container '" + id + "': cannot allocate tty if burrow will detach"
          + " without setting console socket (--console-socket)");
    }
    if ((!request.detach() || !terminal) && request.consoleSocket().isPresent()) {
      throw new ContainerException("cannot exec in container '" + id + "': --console-socket "
          + request.consoleSocket().get() + ": cannot use console socket if burrow will not detach or allocate tty");
    }
    if (!request.detach() && terminal) {
      throw new ContainerException("cannot exec in container '" + id + "': a terminal in the foreground is not"
          + " supported yet: use --detach with --console-socket, or no --tty");
    }
  }

  private IoFile connectConsole(String id, Path socket) throws ContainerException {
    try {
      return services.control().connect(socket);
    } catch (IOException e) {
      throw new ContainerException("cannot exec in container '" + id + "': --console-socket " + socket + ": "
          + e.getMessage(), e);
    }
  }

  /** The container's compiled {@code linux.seccomp}, which runc applies to exec'd processes too. */
  private java.util.Optional<io.burrow.api.spi.SeccompProgram> seccomp(Container container, Spec spec)
      throws ContainerException {
    try {
      return services.seccomp().compile(spec.linux == null ? null : spec.linux.seccomp);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new ContainerException("container '" + container.id() + "': config.json: " + e.getMessage(), e);
    }
  }

  private static Spec readSpec(Container container) throws ContainerException {
    try {
      return SpecIo.read(Path.of(container.record().bundle(), "config.json"), Spec.class);
    } catch (SpecException e) {
      throw new ContainerException("container '" + container.id() + "': " + e.getMessage(), e);
    }
  }

  /** fds 3 .. 3+n-1 of this process, passed on as they are; they belong to whoever started burrow. */
  private static List<IoFile> preservedFds(int n) throws ContainerException {
    List<IoFile> fds = new ArrayList<>();
    for (int fd = 3; fd < 3 + n; fd++) {
      if (!Files.exists(Path.of("/proc/self/fd/" + fd), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        throw new ContainerException("--preserve-fds " + n + ": fd " + fd + " is not open");
      }
      fds.add(new PassedOnFd(fd));
    }
    return fds;
  }

  /** An fd the caller of burrow handed in; burrow passes it on and never closes it. */
  private record PassedOnFd(int fd) implements IoFile {
    @Override
    public String description() {
      return "preserved fd " + fd;
    }

    @Override
    public void close() {
      // not ours to close
    }
  }
}
