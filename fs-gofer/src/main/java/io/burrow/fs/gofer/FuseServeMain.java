package io.burrow.fs.gofer;

import io.burrow.fuse.FuseMount;

import io.burrow.fuse.FuseBridge;

import io.burrow.p9.client.NinePClient;
import io.burrow.p9.server.NinePServer;
import io.burrow.fs.gofer.server.ServedMount;
import io.burrow.linux.sys.Errno;
import io.burrow.linux.sys.Sys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A stand-alone FUSE bridge for benchmarks and manual checks (not used by the runtime):
 * {@code --mount=DIR} plus either {@code --socket=PATH} (connect to a gofer started with
 * {@code burrow gofer --serve-unix=PATH}) or {@code --serve=DIR} (serve DIR with an in-process
 * gofer over a socketpair). Optional {@code --threads=N}, {@code --timeout-ms=N} (entry and
 * attribute timeouts), {@code --negative-timeout-ms=N} (after them: how long a missing name is
 * cached). Runs until SIGTERM/SIGINT or until the mount goes away; always unmounts.
 * Owns everything it opens.
 */
public final class FuseServeMain {
  private FuseServeMain() {}

  public static void main(String[] args) throws Exception {
    String mountDir = null, socket = null, serve = null;
    FuseBridge.Options opts = FuseBridge.Options.defaults();
    for (String a : args) {
      if (a.startsWith("--mount=")) {
        mountDir = a.substring(8);
      } else if (a.startsWith("--socket=")) {
        socket = a.substring(9);
      } else if (a.startsWith("--serve=")) {
        serve = a.substring(8);
      } else if (a.startsWith("--threads=")) {
        opts = opts.withThreads(Integer.parseInt(a.substring(10)));
      } else if (a.startsWith("--timeout-ms=")) {
        Duration d = Duration.ofMillis(Long.parseLong(a.substring(13)));
        opts = opts.withTimeouts(d, d);
      } else if (a.startsWith("--negative-timeout-ms=")) {
        opts = opts.withNegativeTimeout(Duration.ofMillis(Long.parseLong(a.substring(22))));
      } else {
        System.err.println("unknown argument " + a);
        System.exit(2);
      }
    }
    if (mountDir == null || (socket == null) == (serve == null)) {
      System.err.println("usage: --mount=DIR (--socket=PATH | --serve=DIR) [--threads=N] [--timeout-ms=N] [--negative-timeout-ms=N]");
      System.exit(2);
    }
    NinePServer server = null;
    ServedMount served = null;
    int fd;
    if (socket != null) {
      fd = connect(socket);
    } else {
      server = new NinePServer();
      io.burrow.fs.gofer.server.HostChanges.enable();
      served = ServedMount.open(serve, false, true);
      int[] sv = Sys.socketpair();
      served.serveOn(server, sv[0]);
      fd = sv[1];
    }
    NinePClient client = NinePClient.connect(new io.burrow.fs.gofer.FdTransport(fd), NinePServer.DEFAULT_MAX_MSIZE);
    FuseBridge bridge = FuseBridge.start(FuseMount.mount(Path.of(mountDir)), client, opts);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.err.println("FUSE requests: " + bridge.requestCounts());
      try {
        bridge.close();
      } catch (Exception e) {
        System.err.println("close: " + e);
      }
    }));
    System.out.println("serving " + mountDir + " (max_write " + bridge.maxWrite() + ")");
    System.out.flush();
    while (!bridge.awaitTermination(Duration.ofSeconds(1))) {
      // until unmounted or signalled
    }
    bridge.close();
    client.close();
    if (server != null) {
      server.close();
      served.close();
    }
  }

  private static int connect(String path) throws Errno {
    byte[] p = path.getBytes(StandardCharsets.UTF_8);
    byte[] addr = new byte[2 + 108];
    addr[0] = (byte) Sys.AF_UNIX;
    System.arraycopy(p, 0, addr, 2, Math.min(p.length, 107));
    int fd = (int) Sys.checked(Sys.C.socket(Sys.AF_UNIX, Sys.SOCK_STREAM | Sys.SOCK_CLOEXEC, 0), "socket");
    try {
      Sys.checked(Sys.C.connect(fd, addr, 2 + p.length + 1), "connect " + path);
      return fd;
    } catch (Errno e) {
      Sys.close(fd);
      throw e;
    }
  }
}
