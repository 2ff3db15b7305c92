package io.burrow.fs.gofer.fuse;

import io.burrow.fuse.FuseMount;

import io.burrow.fuse.FuseBridge;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.burrow.p9.client.NinePClient;
import io.burrow.p9.server.Connection;
import io.burrow.p9.server.NinePServer;
import io.burrow.fs.gofer.server.ServedMount;
import io.burrow.linux.sys.Sys;
import io.burrow.linux.sys.Native;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real FUSE mount served by the bridge, over a real socketpair to an in-process gofer
 * ({@link NinePServer}) serving {@code served}. Host mount namespace; needs root and /dev/fuse.
 * {@link #close()} always leaves nothing mounted (a final MNT_DETACH even if the bridge failed).
 */
final class FuseFixture implements AutoCloseable {
  final Path served;
  final Path mountPoint;
  final NinePServer server = new NinePServer();
  final ServedMount servedMount;
  final Connection connection;
  final NinePClient client;
  final FuseBridge bridge;

  static void assumeFuse() {
    assumeTrue(Native.posix().getuid() == 0, "FUSE tests need root");
    assumeTrue(Files.exists(Path.of("/dev/fuse")), "FUSE tests need /dev/fuse");
  }

  FuseFixture(Path served, Path mountPoint) throws Exception {
    this(served, mountPoint, FuseBridge.Options.defaults());
  }

  FuseFixture(Path served, Path mountPoint, FuseBridge.Options options) throws Exception {
    assumeFuse();
    this.served = served;
    this.mountPoint = mountPoint;
    ServedMount sm = null;
    NinePClient c = null;
    Connection conn = null;
    FuseBridge b = null;
    try {
      sm = ServedMount.open(served.toString(), false, true); // as for a container with CAP_MKNOD
      int[] sv = Sys.socketpair();
      conn = sm.serveOn(server, sv[0]);
      c = NinePClient.connect(new io.burrow.fs.gofer.FdTransport(sv[1]), NinePServer.DEFAULT_MAX_MSIZE);
      b = FuseBridge.start(FuseMount.mount(mountPoint), c, options);
    } catch (Exception e) {
      if (c != null) {
        c.close();
      }
      server.close();
      if (sm != null) {
        sm.close();
      }
      Native.libc().umount2(mountPoint.toString(), 2);
      throw e;
    }
    this.servedMount = sm;
    this.connection = conn;
    this.client = c;
    this.bridge = b;
  }

  /** Kills the gofer side: the server end of the socket goes away, as when the gofer dies. */
  void killGofer() throws InterruptedException {
    connection.shutdown();
    connection.awaitEnd();
  }

  @Override
  public void close() throws Exception {
    try {
      bridge.close();
    } finally {
      Native.libc().umount2(mountPoint.toString(), 2); // belt and braces: never leave a mount behind
      client.close();
      server.close();
      servedMount.close();
    }
  }
}
