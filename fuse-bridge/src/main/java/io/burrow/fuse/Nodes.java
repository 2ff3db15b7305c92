package io.burrow.fuse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bridge's inode table: FUSE node ids ↔ 9P fids, with the kernel's lookup counts.
 *
 * <p>A node is one file as the kernel knows it (one node id, never reused). It is found by inode
 * number, so every hard link of a file gets the same node id, as on a native filesystem. A node
 * holds one 9P fid per name it was looked up by (an {@link Alias}): the gofer pins a file by an
 * O_PATH fd but reopens it for I/O through the parent and name it was walked by, so a fid whose
 * name was unlinked can still stat the file but no longer open it. Unlink and rename therefore
 * mark the aliases they invalidate dead, and opens use a live one.
 *
 * <p>Lookup counting follows the FUSE contract: every entry the bridge hands the kernel (lookup,
 * create, mkdir, mknod, symlink, link, readdirplus) adds one; FORGET subtracts; at zero the node is
 * dropped and its fids are returned for clunking. Fids are only clunked then, because until the
 * kernel forgets a node any request may still use them.
 *
 * <p>Thread-safe: one lock guards everything; nothing under it does I/O.
 */
final class Nodes {
  /** A name a node was reached by and the fid walked to it. */
  static final class Alias {
    final int fid;
    final Node node;
    long parent; // guarded by Nodes.this
    String name; // guarded by Nodes.this
    boolean live = true; // guarded by Nodes.this

    Alias(int fid, Node node, long parent, String name) {
      this.fid = fid;
      this.node = node;
      this.parent = parent;
      this.name = name;
    }
  }

  /** One kernel inode. */
  static final class Node {
    final long id;
    final long ino;
    final boolean dir;
    long nlookup; // guarded by Nodes.this
    final List<Alias> aliases = new ArrayList<>(1); // guarded by Nodes.this
    /**
     * Known to have no security.capability xattr. The kernel asks for it before every first write
     * to a file (to drop file capabilities); only this mount changes xattrs, so absence can be
     * remembered until the bridge itself sets or removes that attribute.
     */
    volatile boolean noCapability;
    /**
     * Known to have no extended attributes at all: the lookup that made or refreshed this node
     * listed them (an empty Txattrwalk of the name "" in the same batch). Then every GETXATTR
     * (security.capability before writes, overlayfs's checks of each lower file, ls's ACL probes)
     * is answered here; cleared when the bridge sets or removes one.
     */
    volatile boolean noXattrs;
    /** Bumped by every write and truncate through the bridge; read-ahead data of another version is stale. */
    final java.util.concurrent.atomic.AtomicLong dataVersion = new java.util.concurrent.atomic.AtomicLong();

    Node(long id, long ino, boolean dir) {
      this.id = id;
      this.ino = ino;
      this.dir = dir;
    }
  }

  private record Key(long parent, String name) {}

  /** In access order: the eldest entries are the least recently used nodes (trim victims). */
  private final LinkedHashMap<Long, Node> byId = new LinkedHashMap<>(1024, 0.75f, true);
  private final Map<Long, Node> byIno = new HashMap<>();
  private final Map<Key, Alias> byName = new HashMap<>();
  private long nextId = Fuse.ROOT_ID + 1;

  Nodes(int rootFid, long rootIno) {
    Node root = new Node(Fuse.ROOT_ID, rootIno, true);
    root.nlookup = 1;
    root.aliases.add(new Alias(rootFid, root, 0, ""));
    byId.put(root.id, root);
  }

  synchronized Node get(long id) {
    return byId.get(id);
  }

  synchronized int size() {
    return byId.size();
  }

  /** A fid for attribute-only operations: a live alias if there is one, else any (the file may be unlinked). */
  synchronized int anyFid(Node n) {
    for (Alias a : n.aliases) {
      if (a.live) {
        return a.fid;
      }
    }
    return n.aliases.get(0).fid;
  }

  /** Fids of live aliases, for operations that reopen by name (open, truncate, link). */
  synchronized List<Alias> liveAliases(Node n) {
    List<Alias> out = new ArrayList<>(n.aliases.size());
    for (Alias a : n.aliases) {
      if (a.live) {
        out.add(a);
      }
    }
    return out;
  }

  synchronized void markDead(Alias a) {
    a.live = false;
    byName.remove(new Key(a.parent, a.name), a);
  }

  /** The live alias known for {@code parent/name}, or null. */
  synchronized Alias alias(long parent, String name) {
    Alias a = byName.get(new Key(parent, name));
    return a != null && a.live ? a : null;
  }

  /**
   * Records that {@code fid} was walked to {@code parent/name}, a file with inode {@code ino}, and
   * counts one lookup. Returns the node; sets {@code redundant[0]} when the fid is not needed
   * (the same name is already held) and the caller must clunk it.
   */
  synchronized Node register(long parent, String name, int fid, long ino, boolean dir, boolean[] redundant) {
    Node n = byIno.get(ino);
    if (n != null && (n.dir != dir || liveAliases(n).isEmpty())) {
      // Every name of that node is gone, so the inode number was reused by a new file.
      byIno.remove(ino);
      n = null;
    }
    if (n == null) {
      n = new Node(nextId++, ino, dir);
      byId.put(n.id, n);
      byIno.put(ino, n);
    }
    Key k = new Key(parent, name);
    Alias old = byName.get(k);
    if (old != null && old.node == n && old.live) {
      redundant[0] = true;
    } else {
      if (old != null) {
        old.live = false; // the name now leads to another file
      }
      Alias a = new Alias(fid, n, parent, name);
      n.aliases.add(a);
      byName.put(k, a);
      redundant[0] = false;
    }
    n.nlookup++;
    return n;
  }

  /** Subtracts {@code count} lookups; returns the fids to clunk when the node is dropped. */
  synchronized List<Integer> forget(long id, long count) {
    Node n = byId.get(id);
    if (n == null) {
      return List.of();
    }
    n.nlookup -= count;
    if (n.nlookup > 0 || id == Fuse.ROOT_ID) {
      return List.of();
    }
    byId.remove(id);
    byIno.remove(n.ino, n);
    List<Integer> fids = new ArrayList<>(n.aliases.size());
    for (Alias a : n.aliases) {
      byName.remove(new Key(a.parent, a.name), a);
      fids.add(a.fid);
    }
    n.aliases.clear();
    return fids;
  }

  /** The node of inode {@code ino}, or null when the kernel holds none. */
  synchronized Node byIno(long ino) {
    return byIno.get(ino);
  }

  /** Every node id the kernel holds now. */
  synchronized List<Long> ids() {
    return new ArrayList<>(byId.keySet());
  }

  /** A name the kernel can be asked to drop (FUSE_NOTIFY_INVAL_ENTRY). */
  record Name(long parent, String name) {}

  /**
   * Live names of up to {@code count} least recently used nodes (never the root), for the bridge
   * to ask the kernel to drop them, which leads to FORGETs and so frees their fids.
   */
  synchronized List<Name> trimCandidates(int count) {
    List<Name> out = new ArrayList<>();
    int nodesTaken = 0;
    for (Node n : byId.values()) {
      if (nodesTaken >= count) {
        break;
      }
      if (n.id == Fuse.ROOT_ID) {
        continue;
      }
      nodesTaken++;
      for (Alias a : n.aliases) {
        if (a.live) {
          out.add(new Name(a.parent, a.name));
        }
      }
    }
    return out;
  }

  /** After a successful unlink/rmdir of {@code parent/name}. */
  synchronized void unlinked(long parent, String name) {
    Alias a = byName.remove(new Key(parent, name));
    if (a != null) {
      a.live = false;
    }
  }

  /**
   * After a successful rename of {@code parent/name} to {@code newParent/newName}: whatever the
   * target name held is gone, and {@code moved} (the alias whose fid was renamed, if any) now
   * lives under the new name.
   */
  synchronized void renamed(long parent, String name, long newParent, String newName, Alias moved) {
    Alias target = byName.remove(new Key(newParent, newName));
    if (target != null && target != moved) {
      target.live = false;
    }
    Alias src = byName.remove(new Key(parent, name));
    if (src != null && src != moved) {
      src.live = false; // its fid still names the old path in the gofer
    }
    if (moved != null && moved.live) {
      moved.parent = newParent;
      moved.name = newName;
      byName.put(new Key(newParent, newName), moved);
    }
  }
}
