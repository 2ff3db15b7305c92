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
import io.burrow.p9.client.NinePClient;
import io.burrow.fuse.FuseBridge;
import io.burrow.fuse.FuseMount;
import io.burrow.p9.Message;
import io.burrow.p9.P9;
import io.burrow.linux.sys.Sys;
import io.burrow.linux.sys.Fd;
import io.burrow.linux.sys.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
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
  public static final String NAME = "gofer";
  /** Under the state directory: the sandbox's tmpfs with its FUSE mounts. */
  static final String SANDBOX_DIR = "sandbox";
  /** Under the state directory: a private FUSE device node for a sandbox whose root is not host root. */
  static final String FUSE_DEVICE = "fuse";
  private static final int MSIZE = 1 << 20;
  private static final long MS_NOSUID = 2, MS_NODEV = 4;
  private static final int MNT_DETACH = 2, ENOENT = 2, EINVAL = 22;

  @Override
  public String name() {
    return NAME;
  }

  /**
   * The gofer's argv: burrow, the config as flags, then the gofer subcommand and its arguments,
   * among them what it serves, so that it need not read the spec again.
   */
  static List<String> goferArgv(FileAccessContext ctx, int mountCount) {
    List<String> argv = new ArrayList<>(ctx.burrowCommand());
    argv.addAll(ctx.config().toFlags());
    argv.add("gofer");
    argv.add("--bundle");
    argv.add(ctx.bundle().toString());
    if (ctx.config().overlay()) {
      argv.add("--panic-on-write=true");
    }
    argv.addAll(GoferMain.Args.servedFlags(GoferMain.servedMounts(ctx.spec(), ctx.bundle(), false),
        GoferMain.mayMakeDevices(ctx.spec())));
    for (int i = 0; i < mountCount; i++) {
      argv.add("--io-fds=" + (3 + i));
    }
    return argv;
  }

  /**
   * The launcher plan: join the spec's user namespace when it has a path, create one with the
   * spec's mappings when it has none, and do nothing with namespaces when the spec has no user
   * namespace; then limit the bounding set, set no_new_privs and exec the gofer itself (no FORK:
   * the launched pid is the gofer).
   */
  static InitPlan plan(Spec spec, List<String> argv) {
    return InitPlan.builder()
        .enterUserNamespace(spec)
        .op(Opcode.RESOLVE_EXEC, argv.get(0))
        // Before the JVM exists, so that none of its threads ever holds more.
        .op(Opcode.CAPS_BOUNDING, Long.toUnsignedString(
            io.burrow.fs.gofer.server.Confinement.launchBoundingSet(GoferMain.mayMakeDevices(spec))))
        .op(Opcode.NO_NEW_PRIVS)
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
    requireNewMountNamespace(ctx);
    prepareSandboxDirectory(ctx);
    if (spec.root != null && Boolean.TRUE.equals(spec.root.readonly) && !ctx.config().overlay()) {
      // The gofer will refuse every write to this root, the sandbox's mount points included.
      MountPoints.createMissing(spec, ctx.bundle(), ctx.rootfs(),
          (int) IdMapping.hostIdOf(spec.linux == null ? null : spec.linux.uidMappings, 0),
          (int) IdMapping.hostIdOf(spec.linux == null ? null : spec.linux.gidMappings, 0));
    }
    List<Mount> served = ServedMounts.of(spec);
    int count = 1 + served.size();
    List<IoFile> sandboxEnds = new ArrayList<>(count);
    List<IoFile> goferEnds = new ArrayList<>(count);
    boolean ok = false;
    try {
      for (int i = 0; i < count; i++) {
        String what = i == 0 ? "/" : served.get(i - 1).destination;
        Fd[] pair = Fd.socketpair("io file of " + what);
        sandboxEnds.add(pair[0]);
        goferEnds.add(pair[1]);
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

  /**
   * Refuses a spec that shares the runtime's mount namespace or joins one: the container's root is
   * a FUSE mount that exists only in the sandbox's own mount namespace, so it cannot live in
   * another one. Direct mode runs such specs, as runc does.
   */
  private static void requireNewMountNamespace(FileAccessContext ctx) throws IOException {
    Spec spec = ctx.spec();
    List<io.burrow.api.spec.Linux.Namespace> namespaces =
        spec.linux == null || spec.linux.namespaces == null ? List.of() : spec.linux.namespaces;
    java.util.Optional<io.burrow.api.spec.Linux.Namespace> mount = namespaces.stream()
        .filter(n -> NamespaceType.MOUNT.specName().equals(n.type)).findFirst();
    if (mount.isEmpty() || (mount.get().path != null && !mount.get().path.isEmpty())) {
      throw new IOException(ctx.bundle().resolve("config.json") + ": linux.namespaces: gofer mode needs a new mount"
          + " namespace (type mount, no path), not " + (mount.isEmpty() ? "none" : "joining " + mount.get().path)
          + ": the container's root is a FUSE mount that exists only in the sandbox's own mount namespace;"
          + " run it with --file-access direct to share or join one");
    }
  }

  /**
   * Makes what the sandbox cannot make itself, since it runs as the container's root: the
   * mount point of its tmpfs and, when that root is not host root, a private {@code /dev/fuse}
   * node it may open (the device must be opened inside the sandbox's user namespace).
   */
  private static void prepareSandboxDirectory(FileAccessContext ctx) throws IOException {
    Files.createDirectories(ctx.stateDir().resolve(SANDBOX_DIR));
    long uid = IdMapping.hostIdOf(ctx.spec().linux == null ? null : ctx.spec().linux.uidMappings, 0);
    long gid = IdMapping.hostIdOf(ctx.spec().linux == null ? null : ctx.spec().linux.gidMappings, 0);
    if (uid != 0 || gid != 0) {
      Path node = ctx.stateDir().resolve(FUSE_DEVICE);
      Sys.mknodat(Sys.AT_FDCWD, node.toString(), Sys.S_IFCHR | 0600, 10, 229);
      Sys.fchownat(Sys.AT_FDCWD, node.toString(), (int) uid, (int) gid, 0);
    }
  }

  /** The FUSE servers over the io files live in the sandbox for as long as the container runs. */
  @Override
  public boolean needsSandboxProcess() {
    return true;
  }

  /**
   * Sandbox side: in the sandbox's own mount namespace, a tmpfs on {@code STATE/sandbox} holds one
   * FUSE mount per io file ({@code mnt/0} the root, {@code mnt/i} served mount i), each bridged
   * to the gofer over 9P, with the host path it serves as its mount source. With overlay, the
   * root is an overlayfs whose upper layer lives on that tmpfs, so writes never reach the
   * (read-only) gofer. The bridges run until the process exits.
   */
  @Override
  public MountSources mountSources(FileAccessContext ctx, IoFiles ioFiles) throws IOException {
    Path work = ctx.stateDir().resolve(SANDBOX_DIR);
    mount("tmpfs", work, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
    Path device = Files.exists(ctx.stateDir().resolve(FUSE_DEVICE)) ? ctx.stateDir().resolve(FUSE_DEVICE) : FuseMount.DEVICE;
    List<Mount> served = ServedMounts.of(ctx.spec());
    List<Path> mounted = new ArrayList<>();
    for (int i = 0; i < ioFiles.files().size(); i++) {
      Path target = work.resolve("mnt").resolve(Integer.toString(i));
      String what = i == 0 ? "the root " + ctx.rootfs() : describe(ctx.spec(), served.get(i - 1));
      try {
        NinePClient client = NinePClient.connect(new FdTransport(Sys.C.dup(ioFiles.files().get(i).fd())), MSIZE);
        int rootType = rootType(client);
        if (rootType != Sys.S_IFDIR && rootType != Sys.S_IFREG) {
          throw new IOException("the gofer serves a file of type 0" + Integer.toOctalString(rootType)
              + " there; gofer mode binds directories and regular files only (use --file-access direct)");
        }
        Files.createDirectories(target.getParent());
        if (rootType == Sys.S_IFDIR) {
          Files.createDirectory(target);
        } else {
          Files.createFile(target);
        }
        // The root is the container's own (60 s caches). A bind mount is shared with the host by
        // definition: cache nothing, so a change made outside the container is seen at once (with
        // AUTO_INVAL_DATA a fresh mtime also drops cached pages and the cached directory listing).
        FuseBridge.Options options = i == 0 ? FuseBridge.Options.defaults()
            : FuseBridge.Options.defaults().withTimeouts(java.time.Duration.ZERO, java.time.Duration.ZERO);
        String source = hostSource(i == 0 ? ctx.rootfs() : ctx.bundle().resolve(served.get(i - 1).source));
        FuseBridge.start(FuseMount.mount(source, target, device, rootType, 0, 0), client, options);
      } catch (IOException e) {
        throw new IOException("cannot mount " + what + " from its gofer: " + e.getMessage(), e);
      }
      mounted.add(target);
    }
    String root = mounted.get(0).toString();
    if (ctx.config().overlay()) {
      Path upper = Files.createDirectory(work.resolve("upper"));
      Path workdir = Files.createDirectory(work.resolve("work"));
      Path merged = Files.createDirectory(work.resolve("merged"));
      // In a user namespace overlayfs keeps its metadata in user.* xattrs (userxattr), on the tmpfs.
      String data = "lowerdir=" + root + ",upperdir=" + upper + ",workdir=" + workdir
          + (hasUserNamespace(ctx.spec()) ? ",userxattr" : "");
      mount("overlay", merged, "overlay", 0, data);
      root = merged.toString();
    }
    Map<Mount, String> binds = new IdentityHashMap<>();
    for (int i = 0; i < served.size(); i++) {
      binds.put(served.get(i), mounted.get(i + 1).toString());
    }
    return new MountSources(root, binds);
  }

  /**
   * Detaches the sandbox's tmpfs, and with it every FUSE mount of this container, ending its
   * bridges. Idempotent: nothing mounted there (EINVAL), or no directory yet because a killed
   * {@code create} never made it (ENOENT), leaves nothing to do.
   */
  @Override
  public void release(FileAccessContext ctx) throws IOException {
    Path work = ctx.stateDir().resolve(SANDBOX_DIR);
    if (Native.libc().umount2(work.toString(), MNT_DETACH) != 0) {
      int e = Native.errno();
      if (e != EINVAL && e != ENOENT) {
        throw new IOException(Native.error("umount " + work));
      }
    }
  }

  /**
   * The host path a served mount comes from, as direct mode and runc show it in mountinfo: with
   * its symlinks resolved where the sandbox may look (the path as written otherwise).
   */
  private static String hostSource(Path path) {
    try {
      return path.toRealPath().toString();
    } catch (IOException e) {
      return path.toAbsolutePath().normalize().toString();
    }
  }

  /** A served bind mount as the user wrote it: {@code mounts[i] (bind SOURCE on DESTINATION)}. */
  private static String describe(Spec spec, Mount m) {
    int index = -1;
    for (int j = 0; spec.mounts != null && j < spec.mounts.size(); j++) {
      if (spec.mounts.get(j) == m) {
        index = j;
      }
    }
    return "mounts[" + index + "] (bind " + m.source + " on " + m.destination + ")";
  }

  /** The file type of the served root (a directory, or a file for a bind-mounted file), asked over 9P. */
  private static int rootType(NinePClient client) throws IOException {
    int probe = 0x7ffffffe;
    client.call(new Message.Tattach(probe, P9.NOFID, "root", "", 0), Message.Rattach.class);
    try {
      return client.call(new Message.Tgetattr(probe, P9.GETATTR_BASIC), Message.Rgetattr.class).mode() & Sys.S_IFMT;
    } finally {
      client.call(new Message.Tclunk(probe), Message.Rclunk.class);
    }
  }

  private static void mount(String source, Path target, String type, long flags, String data) throws IOException {
    if (Native.libc().mount(source, target.toString(), type, flags, data) != 0) {
      throw new IOException(Native.error("mount " + type + " on " + target + " (" + data + ")"));
    }
  }

  private static boolean hasUserNamespace(Spec spec) {
    return spec.linux != null && spec.linux.namespaces != null
        && spec.linux.namespaces.stream().anyMatch(n -> NamespaceType.USER.specName().equals(n.type));
  }
}
