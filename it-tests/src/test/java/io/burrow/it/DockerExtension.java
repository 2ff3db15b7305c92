package io.burrow.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts one private dockerd per test class ({@link WithDocker} says how), hands it to tests and
 * {@code @BeforeAll} methods as a {@link DockerEngine} parameter, and stops it after the class.
 *
 * <p>After each test it removes every container and user-defined network still there
 * ({@code docker rm -f}), then fails the test if anything of burrow's is left: a burrow process
 * (invocation, sandbox or gofer) naming the engine's runtime roots, a containerd shim, an entry
 * in a runtime's state root ({@code EXEC/runtime-runc/moby/ID}), a mount under the engine's
 * dirs that was not there when it started, or a container cgroup under the engine's cgroup parent. Those leftovers are then killed and unmounted so the
 * next test starts clean.
 *
 * <p>When dockerd cannot start, the class fails with dockerd's log, or is skipped with that
 * message where no engine is required: the system property {@code burrow.it.requireDocker}
 * (scripts/test.sh sets it, as does an environment with {@code CI} set) makes it a failure.
 */
public final class DockerExtension implements BeforeAllCallback, AfterAllCallback, AfterEachCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(DockerExtension.class);
  private static final Duration SETTLE = Duration.ofSeconds(10);

  static boolean engineRequired() {
    String prop = System.getProperty("burrow.it.requireDocker", "");
    if (!prop.isBlank()) {
      return Boolean.parseBoolean(prop);
    }
    String ci = System.getenv("CI");
    return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false");
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    if (!Host.isRoot()) {
      throw new AssertionError("the docker client tests need root (uid 0): they start a private dockerd");
    }
    if (System.getProperty("burrow.it.globalFlags", "").contains("--file-access")) {
      // A targeted -Dtest=... run reaches the direct-mode execution too, whose excludes -Dtest overrides.
      Assumptions.abort("runs every case with both runtimes (modes) itself; not again under burrow.it.globalFlags="
          + System.getProperty("burrow.it.globalFlags"));
    }
    WithDocker config = context.getRequiredTestClass().getAnnotation(WithDocker.class);
    Optional<String> defaultRuntime = Optional.ofNullable(config).map(WithDocker::defaultRuntime).filter(s -> !s.isEmpty());
    Optional<Path> execRoot = Optional.ofNullable(config).map(WithDocker::execRoot).filter(s -> !s.isEmpty()).map(Path::of);
    Optional<Path> socket = Optional.empty();
    if (config != null && config.socketFromEnvironment()) {
      String host = System.getenv("DOCKER_HOST");
      if (host == null || !host.startsWith("unix:///")) {
        throw new AssertionError(context.getRequiredTestClass().getSimpleName() + " needs DOCKER_HOST=unix:///PATH in its environment"
            + " (the socket its private dockerd listens on; it-tests/pom.xml sets it for surefire), not " + host);
      }
      socket = Optional.of(Path.of(host.substring("unix://".length())));
    }
    DockerEngine engine;
    try {
      engine = DockerEngine.start(defaultRuntime, execRoot, socket);
    } catch (DockerEngine.EngineUnavailable e) {
      if (engineRequired()) {
        throw new AssertionError("no private dockerd could start, and burrow.it.requireDocker (or CI) demands one: " + e.getMessage(), e);
      }
      Assumptions.abort("SKIPPED: no private dockerd could start here (set -Dburrow.it.requireDocker=true to fail instead): " + e.getMessage());
      return;
    }
    context.getStore(NS).put(DockerEngine.class, engine);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    DockerEngine engine = context.getStore(NS).remove(DockerEngine.class, DockerEngine.class);
    if (engine != null) {
      engine.close();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    DockerEngine engine = context.getStore(NS).get(DockerEngine.class, DockerEngine.class);
    if (engine == null) {
      return;
    }
    List<String> problems = removeEverything(engine);
    Host.eventually(SETTLE, () -> engine.burrowProcesses().isEmpty() && engine.shims().isEmpty()
        && engine.stateDirs().isEmpty() && engine.extraMounts().isEmpty() && engine.cgroups().isEmpty());
    List<String> leaks = new ArrayList<>();
    for (long pid : engine.burrowProcesses()) {
      leaks.add("burrow process " + pid + " still alive: " + Host.cmdline(pid));
    }
    for (long pid : engine.shims()) {
      leaks.add("containerd shim " + pid + " still alive: " + Host.cmdline(pid));
    }
    for (Path p : engine.stateDirs()) {
      leaks.add("runtime state dir still there: " + p);
    }
    for (String m : engine.extraMounts()) {
      leaks.add("mount still present on the host: " + m);
    }
    for (Path cg : engine.cgroups()) {
      leaks.add("container cgroup still there: " + cg);
    }
    if (!leaks.isEmpty()) {
      for (long pid : engine.burrowProcesses()) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      for (long pid : engine.shims()) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      for (String m : engine.extraMounts()) {
        Host.sh(Duration.ofSeconds(20), "umount", "-l", m);
      }
      for (Path p : engine.stateDirs()) {
        Host.sh(Duration.ofSeconds(20), "rm", "-rf", "--one-file-system", p.toString());
      }
      for (Path cg : engine.cgroups()) {
        DockerEngine.removeCgroup(cg);
      }
      throw new AssertionError("LEAKS after " + context.getRequiredTestClass().getSimpleName() + "." + context.getDisplayName()
          + " (engine " + engine.base() + ", exec root " + engine.execRoot() + "):\n  " + String.join("\n  ", leaks)
          + (problems.isEmpty() ? "" : "\ncleanup problems:\n  " + String.join("\n  ", problems)));
    }
    if (!problems.isEmpty()) {
      System.err.println("[burrow-it] docker cleanup problems after " + context.getDisplayName() + ": " + problems);
    }
  }

  /** {@code docker rm -f} of every container and {@code docker network rm} of every user-defined network. */
  private static List<String> removeEverything(DockerEngine engine) {
    List<String> problems = new ArrayList<>();
    try {
      String ids = engine.docker("ps", "-aq").stdout().trim();
      if (!ids.isEmpty()) {
        List<String> args = new ArrayList<>(List.of("rm", "-f"));
        args.addAll(List.of(ids.split("\\s+")));
        DockerEngine.Result r = engine.docker(Duration.ofSeconds(60), args.toArray(String[]::new));
        if (r.exitCode() != 0) {
          problems.add(r.commandLine() + " exited " + r.exitCode() + ": " + r.stderr().trim());
        }
      }
      String nets = engine.docker("network", "ls", "--filter", "type=custom", "-q").stdout().trim();
      if (!nets.isEmpty()) {
        List<String> args = new ArrayList<>(List.of("network", "rm"));
        args.addAll(List.of(nets.split("\\s+")));
        DockerEngine.Result r = engine.docker(args.toArray(String[]::new));
        if (r.exitCode() != 0) {
          problems.add(r.commandLine() + " exited " + r.exitCode() + ": " + r.stderr().trim());
        }
      }
    } catch (AssertionError e) {
      problems.add(e.getMessage());
    }
    return problems;
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
    return p.getParameter().getType() == DockerEngine.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext e) {
    DockerEngine engine = e.getStore(NS).get(DockerEngine.class, DockerEngine.class);
    if (engine == null) {
      throw new AssertionError("no private dockerd for " + e.getDisplayName());
    }
    return engine;
  }
}
