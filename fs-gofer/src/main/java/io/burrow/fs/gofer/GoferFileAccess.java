package io.burrow.fs.gofer;

import io.burrow.api.launch.InitPlan;
import io.burrow.api.launch.Opcode;
import io.burrow.api.spec.IdMapping;
import io.burrow.api.spec.Mount;
import io.burrow.api.spec.NamespaceType;
import io.burrow.api.spec.Spec;
import io.burrow.api.spi.FileAccess;
import io.burrow.api.spi.FileAccessContext;
import io.burrow.api.spi.IoFile;
import io.burrow.api.spi.IoFiles;
import io.burrow.api.spi.LaunchException;
import io.burrow.api.spi.LaunchRequest;
import io.burrow.api.spi.MountSources;
import io.burrow.api.spi.ProcessId;
import io.burrow.api.spi.ServedMounts;
import io.burrow.fs.gofer.sys.Sys;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * File access through a gofer: the host side of runsc's {@code createGoferProcess}. It creates
 * one {@code AF_UNIX SOCK_STREAM|SOCK_CLOEXEC} socketpair per served mount (the root, then
 * {@link ServedMounts#of}), starts {@code burrow <config flags> gofer --bundle DIR
 * [--panic-on-write=true] --io-fds=3 --io-fds=4 ...} through the {@link
 * io.burrow.api.spi.NamespaceLauncher} with the gofer ends as fds 3..N (the launcher passes no
 * other fd) in the spec's user namespace, and returns the sandbox ends in mount order with the
 * gofer's pid.
 *
 * <p>Ownership: the gofer ends are closed here once the launcher has started the gofer (the gofer
 * holds its own copies); the returned sandbox ends belong to the caller. Stateless; thread-safe.
 */
public final class GoferFileAccess implements FileAccess {
  @Override
  public String name() {
    return "gofer";
  }

  /** The gofer's argv: burrow, the config as flags, then the gofer subcommand and its arguments. */
  static List<String> goferArgv(FileAccessContext ctx, int mountCount) {
    List<String> argv = new ArrayList<>(ctx.burrowCommand());
    argv.addAll(ctx.config().toFlags());
    argv.add("gofer");
    argv.add("--bundle");
    argv.add(ctx.bundle().toString());
    if (ctx.config().overlay()) {
      argv.add("--panic-on-write=true");
    }
    for (int i = 0; i < mountCount; i++) {
      argv.add("--io-fds=" + (3 + i));
    }
    return argv;
  }

  /**
   * The launcher plan: join the spec's user namespace when it has a path, create one with the
   * spec's mappings when it has none, and do nothing with namespaces when the spec has no user
   * namespace; then exec the gofer itself (no FORK: the launched pid is the gofer).
   */
  static InitPlan plan(Spec spec, List<String> argv) {
    return InitPlan.builder()
        .enterUserNamespace(spec)
        .op(Opcode.RESOLVE_EXEC, argv.get(0))
        .op(Opcode.READY)
        .op(Opcode.EXEC, argv)
        .build();
  }

  private static boolean createsUserNs(Spec spec) {
    return spec.linux != null && spec.linux.namespaces != null && spec.linux.namespaces.stream()
        .anyMatch(n -> NamespaceType.USER.specName().equals(n.type) && (n.path == null || n.path.isEmpty()));
  }

  @Override
  public IoFiles createIoFiles(FileAccessContext ctx) throws IOException {
    Spec spec = ctx.spec();
    List<Mount> served = ServedMounts.of(spec);
    int count = 1 + served.size();
    List<IoFile> sandboxEnds = new ArrayList<>(count);
    List<IoFile> goferEnds = new ArrayList<>(count);
    boolean ok = false;
    try {
      for (int i = 0; i < count; i++) {
        String what = i == 0 ? "/" : served.get(i - 1).destination;
        int[] sv = Sys.socketpair();
        sandboxEnds.add(new FdIoFile(sv[0], "sandbox end of " + what));
        goferEnds.add(new FdIoFile(sv[1], "gofer end of " + what));
      }
      List<String> argv = goferArgv(ctx, count);
      boolean mapIds = createsUserNs(spec);
      List<IdMapping> uids = mapIds && spec.linux.uidMappings != null ? spec.linux.uidMappings : List.of();
      List<IdMapping> gids = mapIds && spec.linux.gidMappings != null ? spec.linux.gidMappings : List.of();
      ProcessId pid;
      try {
        pid = ctx.launcher().launch(new LaunchRequest("gofer for container " + ctx.containerId(),
            plan(spec, argv), uids, gids, goferEnds));
      } catch (LaunchException e) {
        throw new IOException("starting the gofer for container " + ctx.containerId() + ": " + e.getMessage(), e);
      }
      ok = true;
      return new IoFiles(sandboxEnds, OptionalInt.of(pid.pid()));
    } finally {
      goferEnds.forEach(IoFile::close);
      if (!ok) {
        sandboxEnds.forEach(IoFile::close);
      }
    }
  }

  /** The FUSE servers over the io files live in the sandbox for as long as the container runs. */
  @Override
  public boolean needsSandboxProcess() {
    return true;
  }

  @Override
  public MountSources mountSources(FileAccessContext ctx, IoFiles ioFiles) {
    throw new UnsupportedOperationException("gofer mounts need the sandbox (issue 4)");
  }
}
