package io.burrow.linux;

import io.burrow.linux.sys.Fd;

import io.burrow.linux.sys.Native;

import io.burrow.api.spi.IoFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * AF_UNIX stream sockets on filesystem paths, with file descriptors passed as SCM_RIGHTS. This
 * is the transport between a pod's sandbox process, which listens on {@code ROOT/ID/sandbox.sock},
 * and {@code burrow start} of a child container, which connects, sends one request line with
 * the child's io files attached, and reads a one-line reply.
 *
 * <p>Typical use: the server calls {@link #listen}, then {@link #accept(Fd, Duration)} and
 * {@link #readLine}; the client calls {@link #connect}, {@link #writeLine} with its fds, and
 * {@link #readLine} for the reply. {@link #send} and {@link #receive} are the raw single-message
 * forms underneath.
 *
 * <p><b>Fd ownership.</b> Every {@link Fd} this class returns (listener, connection, received
 * fds) is owned by the caller, who closes it; all of them are close-on-exec. {@link #send} does
 * not take ownership of the fds it sends: the peer gets its own duplicates, and the caller still
 * closes its copies (right after sending is fine). When a call fails it closes whatever it
 * opened or received itself, so a failed call leaks nothing. Closing the listener does not
 * remove the socket file; the caller deletes it.
 *
 * <p><b>Threading.</b> The methods are stateless and may be called from any thread. On one
 * socket, at most one thread may read and one thread may write at a time ({@link #readLine}
 * peeks and then consumes, so concurrent readers would split lines). Do not close an
 * {@link Fd} while another thread is blocked on it: the number may be reused. A blocked call
 * does not respond to {@link Thread#interrupt()}; use the variants with a timeout where a peer
 * may hang.
 *
 * <p>Errors are {@link IOException}s naming the call, the path or socket, and the errno text.
 * Linux only; the struct layouts are those of 64-bit glibc (x86_64, arm64).
 */
public final class UnixSockets {
  /** Longest socket path in bytes: {@code sun_path[108]} including its terminating NUL. */
  public static final int MAX_PATH_BYTES = 107;
  /** Most fds one message may carry (the kernel's SCM_MAX_FD). */
  public static final int MAX_FDS = 253;

  private static final int SOL_SOCKET = 1;
  private static final int SCM_RIGHTS = 1;
  private static final int MSG_PEEK = 0x2;
  private static final int MSG_CTRUNC = 0x8;
  private static final int MSG_NOSIGNAL = 0x4000;
  private static final int MSG_CMSG_CLOEXEC = 0x40000000;
  private static final int SOCK_NONBLOCK = 0x800;
  private static final int EAGAIN = 11;
  private static final short POLLIN = 0x1;
  private static final short POLLNVAL = 0x20;
  private static final int BACKLOG = 64;

  // struct sockaddr_un { u16 sun_family; char sun_path[108]; }
  private static final int SOCKADDR_UN_SIZE = 110;
  private static final int SUN_PATH_OFFSET = 2;
  // struct iovec { void *iov_base; size_t iov_len; }
  private static final int IOVEC_SIZE = 16;
  // struct msghdr { void *name; u32 namelen (+pad); iovec *iov; size_t iovlen;
  //                 void *control; size_t controllen; int flags (+pad); }
  private static final int MSGHDR_SIZE = 56;
  private static final int MSG_IOV = 16;
  private static final int MSG_IOVLEN = 24;
  private static final int MSG_CONTROL = 32;
  private static final int MSG_CONTROLLEN = 40;
  private static final int MSG_FLAGS = 48;
  // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; } then data, aligned to 8
  private static final int CMSG_HDR = 16;
  private static final int CMSG_LEVEL = 8;
  private static final int CMSG_TYPE = 12;

  private UnixSockets() {}

  /**
   * What one {@link #receive} or {@link #readLine} got: the bytes and the fds that came with
   * them, in the order the peer sent them. The fds belong to the holder; {@link #close()} closes
   * them all.
   */
  public record Received(byte[] data, List<Fd> fds) implements AutoCloseable {
    public Received {
      fds = List.copyOf(fds);
    }

    /** The data as UTF-8 text. */
    public String text() {
      return new String(data, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
      fds.forEach(Fd::close);
    }
  }

  /**
   * Creates a listening socket bound to {@code path}, with the socket file's permission bits set
   * to {@code mode} (e.g. {@code 0600}) before it accepts connections. The path must not exist.
   * The listener is non-blocking (both {@code accept} variants poll), close-on-exec, and owned by
   * the caller; the caller also deletes the socket file when done.
   */
  public static Fd listen(Path path, int mode) throws IOException {
    try (ShortPath shortPath = ShortPath.of(path)) {
      return listen(path, shortPath.path(), mode);
    }
  }

  private static Fd listen(Path path, Path bindPath, int mode) throws IOException {
    Pointer addr = sockaddr(bindPath);
    int fd = Native.libc().socket(Native.AF_UNIX, Native.SOCK_STREAM | Native.SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
      throw new IOException(Native.error("socket for listener on " + path));
    }
    Fd listener = new Fd(fd, "listener on " + path);
    boolean bound = false;
    try {
      if (Native.libc().bind(fd, addr, addrlen(bindPath)) < 0) {
        throw new IOException(Native.error("bind to " + path));
      }
      bound = true;
      // Before listen(): until then a connect() is refused, so no one connects under the umask's mode.
      if (Native.posix().chmod(path.toString(), mode) < 0) {
        throw new IOException(Native.error("chmod " + Integer.toOctalString(mode) + " " + path));
      }
      if (Native.libc().listen(fd, BACKLOG) < 0) {
        throw new IOException(Native.error("listen on " + path));
      }
      return listener;
    } catch (IOException | RuntimeException | Error e) {
      listener.close();
      if (bound) {
        try {
          Files.deleteIfExists(path);
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    } finally {
      Reference.reachabilityFence(addr);
    }
  }

  /** Waits for the next connection on {@code listener}; the connection is close-on-exec and blocking. */
  public static Fd accept(Fd listener) throws IOException {
    return acceptWithin(listener, -1).orElseThrow();
  }

  /** Like {@link #accept(Fd)}, but empty if no connection arrives within {@code timeout}. */
  public static Optional<Fd> accept(Fd listener, Duration timeout) throws IOException {
    return acceptWithin(listener, Math.max(0, timeout.toNanos()));
  }

  /** timeoutNanos < 0: wait forever. */
  private static Optional<Fd> acceptWithin(Fd listener, long timeoutNanos) throws IOException {
    long deadline = System.nanoTime() + timeoutNanos;
    while (true) {
      int fd = Native.libc().accept4(listener.fd(), 0, 0, Native.SOCK_CLOEXEC);
      if (fd >= 0) {
        return Optional.of(new Fd(fd, "connection accepted by " + listener.description()));
      }
      int errno = Native.errno();
      if (errno != EAGAIN && errno != Native.EINTR) {
        throw new IOException(Native.error("accept on " + listener.description()));
      }
      // EAGAIN: nothing pending (the listener is non-blocking), or another thread took it.
      long left = timeoutNanos < 0 ? -1 : deadline - System.nanoTime();
      if (timeoutNanos >= 0 && left <= 0) {
        return Optional.empty();
      }
      pollIn(listener, left, "accept on");
    }
  }

  /** Connects to the socket at {@code path}; the connection is close-on-exec, blocking, and owned by the caller. */
  public static Fd connect(Path path) throws IOException {
    try (ShortPath shortPath = ShortPath.of(path)) {
      return connect(path, shortPath.path());
    }
  }

  private static Fd connect(Path path, Path connectPath) throws IOException {
    Pointer addr = sockaddr(connectPath);
    int fd = Native.libc().socket(Native.AF_UNIX, Native.SOCK_STREAM | Native.SOCK_CLOEXEC, 0);
    if (fd < 0) {
      throw new IOException(Native.error("socket to connect to " + path));
    }
    Fd socket = new Fd(fd, "connection to " + path);
    try {
      if (Native.libc().connect(fd, addr, addrlen(connectPath)) < 0) {
        throw new IOException(Native.error("connect to " + path));
      }
      return socket;
    } catch (IOException | RuntimeException | Error e) {
      socket.close();
      throw e;
    } finally {
      Reference.reachabilityFence(addr);
    }
  }

  /**
   * Writes all of {@code data}, with {@code fds} attached to its first byte as one SCM_RIGHTS
   * message. Blocks until everything is written. The caller keeps ownership of {@code fds} and
   * may close them as soon as this returns. Fds need at least one data byte to travel with;
   * empty data without fds sends nothing. A peer that has gone away is an IOException (EPIPE),
   * not a signal.
   */
  public static void send(Fd socket, byte[] data, List<? extends IoFile> fds) throws IOException {
    if (fds.size() > MAX_FDS) {
      throw new IllegalArgumentException("cannot send " + fds.size() + " fds in one message to " + socket.description() + "; at most " + MAX_FDS);
    }
    if (data.length == 0) {
      if (!fds.isEmpty()) {
        throw new IllegalArgumentException("fds sent to " + socket.description() + " need at least one data byte");
      }
      return;
    }
    Pointer buf = Memory.allocateDirect(Native.runtime(), data.length);
    buf.put(0, data, 0, data.length);
    Pointer iov = Memory.allocateDirect(Native.runtime(), IOVEC_SIZE, true);
    Pointer msg = Memory.allocateDirect(Native.runtime(), MSGHDR_SIZE, true);
    Pointer control = null;
    msg.putAddress(MSG_IOV, iov.address());
    msg.putLong(MSG_IOVLEN, 1);
    if (!fds.isEmpty()) {
      int space = cmsgSpace(fds.size() * 4);
      control = Memory.allocateDirect(Native.runtime(), space, true);
      control.putLong(0, CMSG_HDR + fds.size() * 4L);
      control.putInt(CMSG_LEVEL, SOL_SOCKET);
      control.putInt(CMSG_TYPE, SCM_RIGHTS);
      for (int i = 0; i < fds.size(); i++) {
        control.putInt(CMSG_HDR + 4L * i, fds.get(i).fd());
      }
      msg.putAddress(MSG_CONTROL, control.address());
      msg.putLong(MSG_CONTROLLEN, space);
    }
    try {
      int off = 0;
      while (off < data.length) {
        iov.putAddress(0, buf.address() + off);
        iov.putLong(8, data.length - off);
        long n = Native.libc().sendmsg(socket.fd(), msg, MSG_NOSIGNAL);
        if (n < 0) {
          if (Native.errno() == Native.EINTR) {
            continue;
          }
          throw new IOException(Native.error("sendmsg of " + (data.length - off) + " bytes"
              + (off == 0 && !fds.isEmpty() ? " and " + fds.size() + " fds" : "") + " to " + socket.description()));
        }
        off += (int) n;
        // The fds went with the first chunk.
        msg.putAddress(MSG_CONTROL, 0);
        msg.putLong(MSG_CONTROLLEN, 0);
      }
    } finally {
      Reference.reachabilityFence(buf);
      Reference.reachabilityFence(iov);
      Reference.reachabilityFence(msg);
      Reference.reachabilityFence(control);
    }
  }

  /**
   * One recvmsg: up to {@code maxBytes} bytes and up to {@code maxFds} fds, blocking until
   * something arrives. Empty data means end of stream. The received fds are close-on-exec and
   * owned by the caller. If the peer attached more than {@code maxFds} fds, the ones that
   * arrived are closed and this throws; the message's data is then lost, so drop the connection.
   */
  public static Received receive(Fd socket, int maxBytes, int maxFds) throws IOException {
    if (maxBytes < 1 || maxFds < 0 || maxFds > MAX_FDS) {
      throw new IllegalArgumentException("receive from " + socket.description() + ": maxBytes " + maxBytes + " must be >= 1, maxFds " + maxFds + " in 0.." + MAX_FDS);
    }
    return recvmsg(socket, maxBytes, maxFds, MSG_CMSG_CLOEXEC);
  }

  /**
   * Sends {@code line} plus a newline, with {@code fds} attached, as by {@link #send}. The line
   * must not contain a newline.
   */
  public static void writeLine(Fd socket, String line, List<? extends IoFile> fds) throws IOException {
    if (line.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("line for " + socket.description() + " contains a newline: " + line);
    }
    send(socket, (line + "\n").getBytes(StandardCharsets.UTF_8), fds);
  }

  /**
   * Reads one newline-ended line and the fds that came with it, consuming nothing after the
   * newline. The returned data excludes the newline. Empty if the stream ends before the first
   * byte. Throws, closing any fds already received, if the line is longer than {@code maxBytes}
   * (without its newline), if more than {@code maxFds} fds arrive, if the stream ends mid-line,
   * or if no complete line arrives within {@code timeout}.
   */
  public static Optional<Received> readLine(Fd socket, int maxBytes, int maxFds, Duration timeout) throws IOException {
    if (maxBytes < 0 || maxFds < 0 || maxFds > MAX_FDS) {
      throw new IllegalArgumentException("readLine from " + socket.description() + ": maxBytes " + maxBytes + " must be >= 0, maxFds " + maxFds + " in 0.." + MAX_FDS);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    List<Fd> fds = new ArrayList<>();
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IOException("timed out after " + timeout.toMillis() + " ms waiting for a line from " + socket.description()
              + (line.size() > 0 ? " (got " + line.size() + " bytes without a newline)" : ""));
        }
        if (!pollIn(socket, left, "read a line from")) {
          continue;
        }
        // Peek to find the newline, then consume exactly up to it so the next message stays queued.
        byte[] peeked;
        try (Received peek = recvmsg(socket, maxBytes + 1 - line.size(), 0, MSG_PEEK | MSG_CMSG_CLOEXEC)) {
          peeked = peek.data();
        }
        if (peeked.length == 0) {
          if (line.size() == 0 && fds.isEmpty()) {
            return Optional.empty();
          }
          throw new IOException("end of stream after " + line.size() + " bytes of a line from " + socket.description());
        }
        int take = peeked.length;
        for (int i = 0; i < peeked.length; i++) {
          if (peeked[i] == '\n') {
            take = i + 1;
            break;
          }
        }
        Received chunk = recvmsg(socket, take, maxFds - fds.size(), MSG_CMSG_CLOEXEC);
        fds.addAll(chunk.fds()); // now closed by the catch below on failure, else returned
        line.write(chunk.data(), 0, chunk.data().length);
        byte[] bytes = line.toByteArray();
        if (bytes.length > 0 && bytes[bytes.length - 1] == '\n') {
          return Optional.of(new Received(Arrays.copyOf(bytes, bytes.length - 1), fds));
        }
        if (bytes.length > maxBytes) {
          throw new IOException("line from " + socket.description() + " is longer than " + maxBytes + " bytes");
        }
      }
    } catch (IOException | RuntimeException | Error e) {
      fds.forEach(Fd::close);
      throw e;
    }
  }

  private static Received recvmsg(Fd socket, int maxBytes, int maxFds, int flags) throws IOException {
    Pointer buf = Memory.allocateDirect(Native.runtime(), maxBytes);
    Pointer iov = Memory.allocateDirect(Native.runtime(), IOVEC_SIZE, true);
    Pointer msg = Memory.allocateDirect(Native.runtime(), MSGHDR_SIZE, true);
    int space = maxFds == 0 ? 0 : cmsgSpace(maxFds * 4);
    Pointer control = space == 0 ? null : Memory.allocateDirect(Native.runtime(), space, true);
    iov.putAddress(0, buf.address());
    iov.putLong(8, maxBytes);
    msg.putAddress(MSG_IOV, iov.address());
    msg.putLong(MSG_IOVLEN, 1);
    if (control != null) {
      msg.putAddress(MSG_CONTROL, control.address());
      msg.putLong(MSG_CONTROLLEN, space);
    }
    List<Fd> fds = new ArrayList<>();
    try {
      long n;
      do {
        n = Native.libc().recvmsg(socket.fd(), msg, flags);
      } while (n < 0 && Native.errno() == Native.EINTR);
      if (n < 0) {
        throw new IOException(Native.error("recvmsg from " + socket.description()));
      }
      // Collect what arrived before judging MSG_CTRUNC, so a truncated set is closed, not leaked.
      long used = control == null ? 0 : msg.getLong(MSG_CONTROLLEN);
      long off = 0;
      while (off + CMSG_HDR <= used) {
        long len = control.getLong(off);
        if (len < CMSG_HDR || off + len > used) {
          break;
        }
        if (control.getInt(off + CMSG_LEVEL) == SOL_SOCKET && control.getInt(off + CMSG_TYPE) == SCM_RIGHTS) {
          for (long p = off + CMSG_HDR; p + 4 <= off + len; p += 4) {
            fds.add(new Fd(control.getInt(p), "fd " + (fds.size() + 1) + " received on " + socket.description()));
          }
        }
        off += align(len);
      }
      if ((msg.getInt(MSG_FLAGS) & MSG_CTRUNC) != 0 && (flags & MSG_PEEK) == 0) {
        throw new IOException("recvmsg from " + socket.description() + ": the peer sent more than " + maxFds
            + " fds (MSG_CTRUNC); closed the " + fds.size() + " that arrived");
      }
      byte[] data = new byte[(int) n];
      buf.get(0, data, 0, data.length);
      return new Received(data, fds);
    } catch (IOException | RuntimeException | Error e) {
      fds.forEach(Fd::close);
      throw e;
    } finally {
      Reference.reachabilityFence(buf);
      Reference.reachabilityFence(iov);
      Reference.reachabilityFence(msg);
      Reference.reachabilityFence(control);
    }
  }

  /** True if readable (or at end of stream / error) within timeoutNanos (< 0: forever). */
  private static boolean pollIn(Fd socket, long timeoutNanos, String what) throws IOException {
    Pointer pfd = Memory.allocateDirect(Native.runtime(), 8, true);
    pfd.putInt(0, socket.fd());
    pfd.putShort(4, POLLIN);
    int millis = timeoutNanos < 0 ? -1 : (int) Math.min(Integer.MAX_VALUE, Math.max(1, (timeoutNanos + 999_999) / 1_000_000));
    int rc = Native.libc().poll(pfd, 1, millis);
    if (rc < 0) {
      if (Native.errno() == Native.EINTR) {
        return false;
      }
      throw new IOException(Native.error("poll to " + what + " " + socket.description()));
    }
    if (rc > 0 && (pfd.getShort(6) & POLLNVAL) != 0) {
      throw new IOException("poll to " + what + " " + socket.description() + ": not an open fd (POLLNVAL)");
    }
    return rc > 0;
  }

  /**
   * A name for a socket path that fits in {@code sun_path}: the path itself, or, when it is longer
   * (a 64-character container id under a deep {@code --root} is), {@code /proc/self/fd/N/NAME}
   * through an O_PATH fd on its directory, as conmon does. Owns that fd until closed.
   */
  private record ShortPath(Path path, Fd dir) implements AutoCloseable {
    private static final int O_PATH = 010000000;
    private static final int O_DIRECTORY = 0200000;

    static ShortPath of(Path path) throws IOException {
      if (path.toString().getBytes(StandardCharsets.UTF_8).length <= MAX_PATH_BYTES || path.getParent() == null) {
        return new ShortPath(path, null);
      }
      Path parent = path.getParent();
      int fd = Native.posix().open(parent.toString(), O_PATH | O_DIRECTORY | Native.O_CLOEXEC, 0);
      if (fd < 0) {
        throw new IOException(Native.error("open the directory of socket " + path));
      }
      Fd dir = new Fd(fd, "directory of socket " + path);
      return new ShortPath(Path.of("/proc/self/fd", Integer.toString(fd)).resolve(path.getFileName()), dir);
    }

    @Override
    public void close() {
      if (dir != null) {
        dir.close();
      }
    }
  }

  private static byte[] pathBytes(Path path) throws IOException {
    String s = path.toString();
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    if (bytes.length == 0 || s.indexOf('\0') >= 0) {
      throw new IOException("invalid AF_UNIX socket path \"" + s + "\"");
    }
    if (bytes.length > MAX_PATH_BYTES) {
      throw new IOException("AF_UNIX socket path " + s + " is " + bytes.length + " bytes; sun_path allows at most "
          + MAX_PATH_BYTES);
    }
    return bytes;
  }

  private static Pointer sockaddr(Path path) throws IOException {
    byte[] bytes = pathBytes(path);
    Pointer addr = Memory.allocateDirect(Native.runtime(), SOCKADDR_UN_SIZE, true);
    addr.putShort(0, (short) Native.AF_UNIX);
    addr.put(SUN_PATH_OFFSET, bytes, 0, bytes.length);
    return addr;
  }

  private static int addrlen(Path path) {
    return SUN_PATH_OFFSET + path.toString().getBytes(StandardCharsets.UTF_8).length + 1;
  }

  private static long align(long len) {
    return (len + 7) & ~7L;
  }

  private static int cmsgSpace(int dataBytes) {
    return CMSG_HDR + (int) align(dataBytes);
  }
}
