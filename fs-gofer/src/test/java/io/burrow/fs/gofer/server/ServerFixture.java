package io.burrow.fs.gofer.server;

import io.burrow.p9.server.Connection;
import io.burrow.p9.server.NinePServer;
import io.burrow.p9.client.NinePClient;
import io.burrow.p9.Message;
import io.burrow.p9.P9;
import io.burrow.p9.Qid;
import io.burrow.linux.sys.Sys;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** An in-process server on a real socketpair, serving one directory; closes everything it opened. */
final class ServerFixture implements AutoCloseable {
  final NinePServer server = new NinePServer();
  final ServedMount mount;
  private final List<NinePClient> clients = new ArrayList<>();
  private final List<Connection> connections = new ArrayList<>();

  ServerFixture(Path root, boolean readOnly) throws Exception {
    this(root, readOnly, false);
  }

  ServerFixture(Path root, boolean readOnly, boolean deviceNodes) throws Exception {
    mount = ServedMount.open(root.toString(), readOnly, deviceNodes);
  }

  NinePClient connect() throws Exception {
    return connect(65536);
  }

  NinePClient connect(int msize) throws Exception {
    int[] sv = Sys.socketpair();
    connections.add(mount.serveOn(server, sv[0]));
    NinePClient c = NinePClient.connect(new io.burrow.fs.gofer.FdTransport(sv[1]), msize);
    clients.add(c);
    return c;
  }

  /** A raw connection: the client end's fd, for hostile frames. The caller closes it. */
  int connectRaw() throws Exception {
    int[] sv = Sys.socketpair();
    connections.add(mount.serveOn(server, sv[0]));
    return sv[1];
  }

  static Qid attach(NinePClient c, int fid, String aname) throws Exception {
    return c.call(new Message.Tattach(fid, P9.NOFID, "root", aname, 0), Message.Rattach.class).qid();
  }

  @Override
  public void close() throws Exception {
    clients.forEach(NinePClient::close);
    server.close();
    mount.close();
  }
}
