package io.burrow.fs.gofer;

import io.burrow.api.config.Config;
import io.burrow.api.spec.Mount;
import io.burrow.api.spec.Spec;
import io.burrow.api.spec.SpecIo;
import io.burrow.api.spi.ServedMounts;
import io.burrow.fs.gofer.server.Confinement;
import io.burrow.fs.gofer.server.SyscallAllowlist;
import io.burrow.p9.server.Connection;
import io.burrow.p9.server.NinePServer;
import io.burrow.fs.gofer.server.ServedMount;
import io.burrow.linux.sys.Errno;
import io.burrow.linux.sys.Sys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code burrow gofer} process: opens the root and each served bind mount (see {@link
 * ServedMounts}) that the runtime names or the bundle's spec lists, confines itself, and serves
 * 9P2000.L on io-fd i for mount i until every connection has ended. With {@code
 * --serve-unix=PATH} (a test and benchmark mode) it instead listens on a unix socket and serves
 * every accepted connection as the root mount.
 *
 * <p>Arguments after {@code gofer}, each {@code --name VALUE} or {@code --name=VALUE}: {@code
 * --bundle DIR}, repeated {@code --io-fds N}, {@code --panic-on-write true|false}, {@code
 * --serve-unix PATH}, repeated {@code --served ro:PATH|rw:PATH} and {@code --make-devices
 * true|false} (see {@link Args}). The io-fds are owned by the gofer from the moment it starts.
 */
public final class GoferMain {
  private GoferMain() {}

  /** Leading {@code --name=value} config flags, then {@code gofer}, then the gofer's own arguments. */
  public static void main(String[] argv) {
    List<String> all = Arrays.asList(argv);
    int g = all.indexOf("gofer");
    List<String> flags = g < 0 ? List.of() : all.subList(0, g);
    List<String> rest = g < 0 ? all : all.subList(g + 1, all.size());
    int code;
    try {
      code = run(Config.fromFlags(flags), rest);
    } catch (IllegalArgumentException e) {
      System.err.println("burrow gofer: " + e.getMessage());
      code = 2;
    }
    System.exit(code);
  }

  /**
   * The gofer's arguments ({@code burrow gofer --help} documents them).
   *
   * @param bundle the bundle whose root and served bind mounts are served, read from its spec
   *     when {@code served} is empty
   * @param ioFds the inherited sockets, one per served mount in mount order (the root first)
   * @param panicOnWrite whether every write is refused (the read-only lower layer of {@code --overlay})
   * @param serveUnix instead of io-fds: a unix socket to listen on, serving the root on every
   *     connection (tests and benchmarks); null otherwise
   * @param served what the runtime serves, in io-fd order, as it worked out from the spec it
   *     checked ({@link #servedMounts}); the gofer then reads no spec. Empty: read the bundle's
   * @param makeDevices with {@code served}: whether device nodes may be made ({@link #mayMakeDevices})
   */
  public record Args(Path bundle, List<Integer> ioFds, boolean panicOnWrite, String serveUnix, List<Served> served,
      boolean makeDevices) {
    public Args {
      served = List.copyOf(served);
      if (bundle == null && served.isEmpty()) {
        throw new IllegalArgumentException("--bundle is required");
      }
      ioFds = List.copyOf(ioFds);
      if (ioFds.isEmpty() == (serveUnix == null)) {
        throw new IllegalArgumentException("give either --io-fds or --serve-unix");
      }
    }

    /** The arguments of a gofer that reads the bundle's spec. */
    public Args(Path bundle, List<Integer> ioFds, boolean panicOnWrite, String serveUnix) {
      this(bundle, ioFds, panicOnWrite, serveUnix, List.of(), false);
    }

    /** What {@link #parse} reads back: the flags that give this gofer {@code served} and {@code makeDevices}. */
    static List<String> servedFlags(List<Served> served, boolean makeDevices) {
      List<String> flags = new ArrayList<>();
      for (Served s : served) {
        flags.add("--served=" + (s.readOnly() ? "ro:" : "rw:") + s.hostPath());
      }
      flags.add("--make-devices=" + makeDevices);
      return flags;
    }

    /** Parses the arguments after {@code gofer}; IllegalArgumentException names what is wrong. */
    public static Args parse(List<String> args) {
      Path bundle = null;
      List<Integer> fds = new ArrayList<>();
      boolean panic = false, devices = false;
      String unix = null;
      List<Served> served = new ArrayList<>();
      for (int i = 0; i < args.size(); i++) {
        String a = args.get(i);
        int eq = a.indexOf('=');
        String name = eq < 0 ? a : a.substring(0, eq);
        if (!List.of("--bundle", "--io-fds", "--panic-on-write", "--serve-unix", "--served", "--make-devices")
            .contains(name)) {
          throw new IllegalArgumentException("unknown gofer argument '" + a + "'");
        }
        if (eq < 0 && i + 1 == args.size()) {
          throw new IllegalArgumentException(name + " needs a value");
        }
        String v = eq < 0 ? args.get(++i) : a.substring(eq + 1);
        switch (name) {
          case "--bundle" -> bundle = Path.of(v);
          case "--io-fds" -> {
            try {
              fds.add(Integer.parseInt(v));
            } catch (NumberFormatException e) {
              throw new IllegalArgumentException("--io-fds takes an fd number, not '" + v + "'");
            }
          }
          case "--panic-on-write", "--make-devices" -> {
            if (!v.equals("true") && !v.equals("false")) {
              throw new IllegalArgumentException(name + " takes true or false, not '" + v + "'");
            }
            if (name.equals("--make-devices")) {
              devices = v.equals("true");
            } else {
              panic = v.equals("true");
            }
          }
          case "--served" -> served.add(Served.parse(v));
          default -> unix = v;
        }
      }
      return new Args(bundle, fds, panic, unix, served, devices);
    }
  }

  /** What the gofer serves for a spec: the root, then each served mount, and whether it is read-only. */
  public record Served(String hostPath, boolean readOnly) {
    /** A {@code --served} value: {@code ro:PATH} or {@code rw:PATH}, the path absolute. */
    public static Served parse(String v) {
      if (!(v.startsWith("ro:/") || v.startsWith("rw:/"))) {
        throw new IllegalArgumentException("--served takes ro:PATH or rw:PATH with an absolute path, not '" + v + "'");
      }
      return new Served(v.substring(3), v.startsWith("ro:"));
    }
  }

  /**
   * Whether the container may make block and character devices: as under runc, when its
   * bounding set holds CAP_MKNOD and it has no user namespace (whose CAP_MKNOD the kernel never
   * honours for devices).
   */
  static boolean mayMakeDevices(Spec spec) {
    boolean mknod = spec.process != null && spec.process.capabilities != null
        && spec.process.capabilities.bounding != null && spec.process.capabilities.bounding.contains("CAP_MKNOD");
    boolean userns = spec.linux != null && spec.linux.namespaces != null
        && spec.linux.namespaces.stream().anyMatch(n -> io.burrow.api.spec.NamespaceType.USER.specName().equals(n.type));
    return mknod && !userns;
  }

  static List<Served> servedMounts(Spec spec, Path bundle, boolean panicOnWrite) {
    if (spec.root == null || spec.root.path == null) {
      throw new IllegalArgumentException("spec has no root.path");
    }
    List<Served> out = new ArrayList<>();
    Path root = bundle.resolve(spec.root.path).toAbsolutePath().normalize();
    out.add(new Served(root.toString(), panicOnWrite || Boolean.TRUE.equals(spec.root.readonly)));
    for (Mount m : ServedMounts.of(spec)) {
      Path src = bundle.resolve(m.source == null ? "" : m.source).toAbsolutePath().normalize();
      boolean ro = m.options != null && m.options.contains("ro");
      out.add(new Served(src.toString(), panicOnWrite || ro));
    }
    return out;
  }

  /** Runs the gofer on unparsed arguments; returns the process exit code. */
  public static int run(Config config, List<String> argv) {
    try {
      return run(config, Args.parse(argv));
    } catch (IllegalArgumentException e) {
      System.err.println("burrow gofer: " + e.getMessage());
      return 2;
    }
  }

  /** Runs the gofer; returns the process exit code. */
  public static int run(Config config, Args args) {
    List<Served> served;
    boolean devices;
    if (!args.served().isEmpty()) {
      // As the runtime, which checked the spec, worked it out: no second reading of config.json
      // (data binding is a fifth of the gofer's start-up), and no chance of reading another one.
      served = args.served().stream().map(s -> new Served(s.hostPath(), s.readOnly() || args.panicOnWrite())).toList();
      devices = args.makeDevices();
    } else {
      try {
        Spec spec = SpecIo.read(args.bundle().resolve("config.json"), Spec.class);
        served = servedMounts(spec, args.bundle(), args.panicOnWrite());
        devices = mayMakeDevices(spec);
      } catch (Exception e) {
        System.err.println("burrow gofer: " + e.getMessage());
        return 2;
      }
    }
    if (args.serveUnix() == null && args.ioFds().size() != served.size()) {
      System.err.println("burrow gofer: " + args.ioFds().size() + " io-fds for " + served.size()
          + " served mounts (root plus " + (served.size() - 1) + " bind mounts)");
      return 2;
    }
    // The client's kernel has applied the caller's umask to every mode a request carries: a second
    // one here would turn a umask-0 mkdir -m 1777 into 1755.
    Sys.C.umask(0);
    if (args.serveUnix() == null) {
      try {
        // Serving a container: its stdio (a client's pipes) is the container's, not ours to hold.
        io.burrow.linux.sys.Native.releaseStdio();
      } catch (java.io.IOException e) {
        System.err.println("burrow gofer: " + e.getMessage());
        return 1;
      }
    }
    List<ServedMount> mounts = new ArrayList<>();
    int listenFd = -1;
    try {
      for (Served s : served) {
        if (args.serveUnix() != null && !mounts.isEmpty()) {
          break; // test mode serves the root only
        }
        mounts.add(ServedMount.open(s.hostPath(), s.readOnly(), devices));
      }
      if (args.serveUnix() != null) {
        listenFd = UnixListener.listen(args.serveUnix());
      } else {
        for (int fd : args.ioFds()) {
          Sys.Stat st = Sys.fstat(fd);
          if (st.fileType() != Sys.S_IFSOCK) {
            throw new Errno(88, "io-fd " + fd + " is not a socket");
          }
        }
      }
      List<String> skipped = Confinement.apply(devices);
      if (config.debug() && !skipped.isEmpty()) {
        System.err.println("burrow gofer: confinement incomplete: " + skipped);
      }
      try {
        io.burrow.fs.gofer.server.HostChanges.enable();
      } catch (Errno e) {
        // Served all the same; host-side changes are then seen when the client's caches time out.
        System.err.println("burrow gofer: host changes are not reported: " + e.getMessage());
      }
      try {
        SyscallAllowlist.install(args.serveUnix() != null);
      } catch (Errno e) {
        System.err.println("burrow gofer: cannot install its seccomp filter: " + e.getMessage());
        return 1;
      }
      try (NinePServer server = new NinePServer()) {
        if (args.serveUnix() != null) {
          System.out.println("serving " + mounts.get(0) + " on " + args.serveUnix());
          System.out.flush();
          while (true) {
            int c = UnixListener.accept(listenFd);
            mounts.get(0).serveOn(server, c);
          }
        }
        List<Connection> conns = new ArrayList<>();
        for (int i = 0; i < args.ioFds().size(); i++) {
          conns.add(mounts.get(i).serveOn(server, args.ioFds().get(i)));
        }
        for (Connection c : conns) {
          c.awaitEnd();
        }
      }
      return 0;
    } catch (Errno e) {
      System.err.println("burrow gofer: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    } finally {
      Sys.close(listenFd);
      mounts.forEach(ServedMount::close);
    }
  }

  /** A listening AF_UNIX stream socket, for {@code --serve-unix}. */
  static final class UnixListener {
    private UnixListener() {}

    static int listen(String path) throws Errno {
      byte[] p = path.getBytes(StandardCharsets.UTF_8);
      if (p.length >= 108) {
        throw new Errno(36, "socket path too long: " + path);
      }
      byte[] addr = new byte[2 + 108];
      addr[0] = (byte) Sys.AF_UNIX; // sa_family, little-endian u16
      System.arraycopy(p, 0, addr, 2, p.length);
      try { // a stale socket of an earlier run is replaced; any other file is left alone
        if (Sys.statx(Sys.AT_FDCWD, path, Sys.AT_SYMLINK_NOFOLLOW).fileType() == Sys.S_IFSOCK) {
          Sys.unlinkat(Sys.AT_FDCWD, path, 0);
        }
      } catch (Errno e) {
        // nothing there
      }
      int fd = (int) Sys.checked(Sys.C.socket(Sys.AF_UNIX, Sys.SOCK_STREAM | Sys.SOCK_CLOEXEC, 0), "socket");
      try {
        Sys.checked(Sys.C.bind(fd, addr, 2 + p.length + 1), "bind " + path);
        Sys.checked(Sys.C.listen(fd, 64), "listen " + path);
        return fd;
      } catch (Errno e) {
        Sys.close(fd);
        throw e;
      }
    }

    static int accept(int listenFd) throws Errno {
      while (true) {
        int c = Sys.C.accept4(listenFd, 0, 0, Sys.SOCK_CLOEXEC);
        if (c >= 0) {
          return c;
        }
        int e = Sys.errno();
        if (e != 4 && e != 103 && e != 11) { // EINTR, ECONNABORTED, EAGAIN
          throw new Errno(e, "accept");
        }
      }
    }
  }
}
