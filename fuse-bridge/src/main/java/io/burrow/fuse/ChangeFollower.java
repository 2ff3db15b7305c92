package io.burrow.fuse;

import io.burrow.p9.Message;
import io.burrow.p9.Message.Change;
import io.burrow.p9.P9Error;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a caching bridge's kernel caches true to changes made behind the mount's back (the host,
 * {@code docker cp}): asks the gofer for them with burrow's Tnotify, one request outstanding at a
 * time, and turns each into FUSE_NOTIFY_INVAL_ENTRY (a name in a directory changed) or
 * FUSE_NOTIFY_INVAL_INODE (attributes, or contents too, of a file the kernel holds). A server
 * without the extension (diod, an older gofer) refuses the first Tnotify, and the follower stops:
 * the bridge's timeouts alone then bound how stale a cache gets.
 *
 * <p>Runs on its own thread, because the kernel takes the directory's lock to handle a
 * notification, which a reader serving a request in that directory may hold. Owns nothing: the
 * kernel writes go through {@link FuseBridge#notifyKernel}.
 */
final class ChangeFollower implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeFollower.class);
  /** Changes per Tnotify at most. */
  static final int BATCH = 256;

  private final FuseBridge bridge;
  private final Nodes nodes;
  private final ByteBuffer b = ByteBuffer.allocateDirect(Fuse.OUT_HEADER + 24 + 256).order(ByteOrder.LITTLE_ENDIAN);
  /** True once the server answered a Tnotify: the kernel may then cache misses longer. */
  private volatile boolean following;

  ChangeFollower(FuseBridge bridge) {
    this.bridge = bridge;
    this.nodes = bridge.nodes;
  }

  boolean following() {
    return following;
  }

  /** Subscribes (a Tnotify of 0), so that no change made after this returns is missed. */
  void subscribe() throws IOException {
    try {
      bridge.client.call(new Message.Tnotify(0), Message.Rnotify.class);
      following = true;
    } catch (P9Error e) {
      LOG.debug("the server reports no changes (errno {}): caches rely on their timeouts", e.errno());
    }
  }

  @Override
  public void run() {
    while (following && !bridge.stopping()) {
      Message.Rnotify r;
      try {
        r = bridge.client.call(new Message.Tnotify(BATCH), Message.Rnotify.class);
      } catch (IOException e) {
        following = false;
        return; // the connection ended: so does the bridge
      }
      for (Change c : r.changes()) {
        apply(c);
      }
    }
  }

  private void apply(Change c) {
    if (c.kind() == Change.ALL) {
      for (Nodes.Name n : nodes.trimCandidates(Integer.MAX_VALUE)) {
        invalidateEntry(n.parent(), n.name());
      }
      for (long id : nodes.ids()) {
        invalidateInode(id, 0);
      }
      return;
    }
    Nodes.Node dir = nodes.byIno(c.dir());
    if (dir == null) {
      return; // the kernel holds nothing of that directory
    }
    if (c.kind() == Change.ENTRY) {
      invalidateEntry(dir.id, c.name());
      invalidateInode(dir.id, 0); // its attributes and cached listing
      return;
    }
    if (c.name().isEmpty()) {
      invalidateInode(dir.id, -1);
      return;
    }
    Nodes.Alias a = nodes.alias(dir.id, c.name());
    if (a == null) {
      invalidateEntry(dir.id, c.name());
      return;
    }
    a.node.noXattrs = false;
    a.node.noCapability = false;
    if (c.kind() == Change.DATA) {
      a.node.dataVersion.incrementAndGet(); // read-ahead of the old contents is stale
      invalidateInode(a.node.id, 0);
    } else {
      invalidateInode(a.node.id, -1);
    }
  }

  private void invalidateEntry(long parent, String name) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    if (n.length == 0 || n.length > 255) {
      return;
    }
    int len = Fuse.OUT_HEADER + 16 + n.length + 1;
    b.clear();
    b.putInt(len).putInt(Fuse.NOTIFY_INVAL_ENTRY).putLong(0);
    b.putLong(parent).putInt(n.length).putInt(0).put(n).put((byte) 0);
    bridge.notifyKernel(b, len);
  }

  /** Attributes, and from {@code offset} on the cached pages too unless it is negative. */
  private void invalidateInode(long id, long offset) {
    int len = Fuse.OUT_HEADER + 24;
    b.clear();
    b.putInt(len).putInt(Fuse.NOTIFY_INVAL_INODE).putLong(0);
    b.putLong(id).putLong(offset).putLong(0);
    bridge.notifyKernel(b, len);
  }
}
