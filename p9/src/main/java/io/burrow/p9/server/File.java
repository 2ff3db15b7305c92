package io.burrow.p9.server;

import io.burrow.p9.Message.Rgetattr;
import io.burrow.p9.Message.Rgetlock;
import io.burrow.p9.Message.Rstatfs;
import io.burrow.p9.Message.Tgetlock;
import io.burrow.p9.Message.Tlock;
import io.burrow.p9.Message.Tsetattr;
import io.burrow.p9.Qid;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One file of a served tree, as one fid of a {@link FileServer} names it: what a 9P2000.L file
 * server implements, in the manner of gVisor's {@code pkg/p9.File}. The server keeps the fid
 * table, does the protocol's checks and buffers, and calls these methods.
 *
 * <p>What the server guarantees, so that an implementation need not check it:
 * <ul>
 *   <li>Each instance belongs to exactly one fid. {@link #close()} is called exactly once, when the
 *       fid is gone (clunked, removed, replaced by a walk onto itself or a create, or dropped with its
 *       connection) and no request using it is still running; no method is called after it.
 *   <li>Other methods may run concurrently, from several threads, on one instance, except that
 *       {@link #open} and {@link #create} are never concurrent with each other or with
 *       {@link #readdir}, and {@link #readdir} calls on one instance are serialized.
 *   <li>{@link #open} and {@link #create} are called at most once in total, and only on an instance
 *       that is not open. {@link #read}, {@link #write}, {@link #readdir}, {@link #fsync},
 *       {@link #lock} and {@link #getlock} are called only after a successful {@link #open} (or on
 *       the file {@link #create} returned): {@link #read} only when it was opened for reading,
 *       {@link #write} only for writing, {@link #readdir} only on a directory. Offsets are never
 *       negative.
 *   <li>Names passed to {@link #create}, {@link #mkdir}, {@link #symlink}, {@link #mknod},
 *       {@link #link}, {@link #rename}, {@link #renameAt} and {@link #unlinkAt} are single path
 *       components: not empty, not "." or "..", no '/' and no NUL. The methods that take names
 *       are called only on directories ({@link #isDirectory()}), and other {@code File}s passed in
 *       come from the same server's tree.
 *   <li>On a read-only server no method that changes the tree is called.
 * </ul>
 * Errors: a {@link io.burrow.p9.P9Error} carries the errno the client gets; the server turns any
 * other {@link IOException} into one with its error mapper. A failed call changes nothing the
 * server knows of: the fid keeps this file.
 */
public interface File {
  /** The file's qid. */
  Qid qid() throws IOException;

  /** Whether this is a directory. Cheap and stable: the server asks it on its reader thread. */
  boolean isDirectory();

  /**
   * Whether opening, reading or writing this file may wait for a peer (a fifo, a socket, a
   * device): the server then answers those requests on a worker, never on the connection's reader.
   * Cheap and stable.
   */
  boolean waitsForPeers();

  /**
   * One walk step: the file {@code name} names in this directory (or "." and "..", which the
   * implementation resolves without leaving its tree). The caller owns the result.
   */
  File walk(String name) throws IOException;

  /** A new, unopened instance naming the same file (a walk with no names). The caller owns it. */
  File duplicate() throws IOException;

  Rgetattr getattr(long requestMask) throws IOException;

  void setattr(Tsetattr attributes) throws IOException;

  Rstatfs statfs() throws IOException;

  /** Opens this file with 9P2000.L {@code flags} (Linux's low bits, the access mode valid). */
  Qid open(int flags) throws IOException;

  /**
   * Creates {@code name} in this directory and opens it with {@code flags}; returns the new file,
   * open, which replaces this one in the fid. The caller owns the result.
   */
  File create(String name, int flags, int mode, int gid) throws IOException;

  /** Reads at {@code offset} into {@code dst}, from its position up to its limit; returns the count. */
  int read(long offset, ByteBuffer dst) throws IOException;

  /** Writes {@code src} (position to limit, which this does not move) at {@code offset}; returns the count written. */
  int write(long offset, ByteBuffer src) throws IOException;

  /**
   * Puts the directory entries from the one after {@code offset} (0: the first) into {@code dst}
   * as 9P2000.L dirents, as many as fit, advancing its position.
   */
  void readdir(long offset, ByteBuffer dst) throws IOException;

  void fsync(boolean dataOnly) throws IOException;

  Qid mkdir(String name, int mode, int gid) throws IOException;

  Qid symlink(String name, String target, int gid) throws IOException;

  Qid mknod(String name, int mode, int major, int minor, int gid) throws IOException;

  String readlink() throws IOException;

  /** Makes {@code name} in this directory a hard link to {@code target} (never a directory). */
  void link(File target, String name) throws IOException;

  /** Moves this file to {@code name} in {@code newDirectory}. */
  void rename(File newDirectory, String name) throws IOException;

  /** Moves {@code oldName} in this directory to {@code newName} in {@code newDirectory}. */
  void renameAt(String oldName, File newDirectory, String newName) throws IOException;

  /** Removes {@code name} from this directory; {@code flags} is 0 or AT_REMOVEDIR. */
  void unlinkAt(String name, int flags) throws IOException;

  /** Removes this file from its directory (Tremove; the fid goes whatever happens). */
  void remove() throws IOException;

  byte[] getXattr(String name) throws IOException;

  /** The names of this file's extended attributes, each NUL-terminated, as listxattr returns them. */
  byte[] listXattrs() throws IOException;

  /** Sets an extended attribute; {@code flags} is 0, XATTR_CREATE or XATTR_REPLACE. */
  void setXattr(String name, byte[] value, int flags) throws IOException;

  void removeXattr(String name) throws IOException;

  /** Takes or releases a POSIX record lock without blocking; returns {@code P9.LOCK_SUCCESS} or {@code P9.LOCK_BLOCKED}. */
  int lock(Tlock request) throws IOException;

  Rgetlock getlock(Tgetlock request) throws IOException;

  /** Releases what this instance holds (its open fd, its reference to the file). Called once. */
  void close();
}
