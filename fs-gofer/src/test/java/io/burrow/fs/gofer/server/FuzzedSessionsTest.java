package io.burrow.fs.gofer.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.burrow.linux.sys.Errno;
import io.burrow.linux.sys.Native;
import io.burrow.linux.sys.Sys;
import io.burrow.p9.Codec;
import io.burrow.p9.Message;
import io.burrow.p9.Message.*;
import io.burrow.p9.P9;
import io.burrow.p9.client.NinePClient;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A million fuzzed 9P frames against the real server on real host files, once in this JVM and
 * once in a real gofer process: four connections at
 * once on one tree, each sending requests built from the protocol's grammar with hostile fields
 * (fids of other sessions and none, {@code ..}, slashes, 256-byte and non-UTF-8 names, symlinks
 * to outside and absolute targets, set-id modes, foreign owners, huge offsets and sizes, xattrs
 * in every namespace, device nodes), a fifth of them with bytes mutated after encoding. Every
 * frame must get one well-formed reply within 10 s, or the connection closed (then a new one is
 * made); afterwards the server still serves, the files beside the served tree are exactly as
 * before, and no fd is left open. The seed is printed; {@code -Dburrow.fuzz.seed} replays it.
 */
class FuzzedSessionsTest {
  private static final int FRAMES = Integer.getInteger("burrow.fuzz.frames", 1_000_000);
  private static final int CONNECTIONS = 4;
  private static final int MSIZE = 8192;
  private static final int MAX_MSIZE = io.burrow.p9.server.NinePServer.DEFAULT_MAX_MSIZE;
  private static final int REPLY_TIMEOUT_MS = 10_000;
  @TempDir Path tmp;
  Path fs;
  Path root;
  Path outside;

  @BeforeEach
  void tmpfs() throws Exception {
    assumeTrue(Native.posix().getuid() == 0, "mounting the tree's tmpfs needs root");
    fs = Files.createDirectories(tmp.resolve("fs"));
    // tmpfs: a fuzzed Tfsync costs nothing, and a fuzzed 2^62-byte truncate stays sparse
    run("mount", "-t", "tmpfs", "-o", "size=64m", "fuzz", fs.toString());
    root = Files.createDirectories(fs.resolve("root"));
    outside = Files.createDirectories(fs.resolve("outside"));
    Files.createDirectories(fs.resolve("gofer")); // the gofer process's bundle and socket
    Files.writeString(outside.resolve("secret"), "not to be reached");
    Files.createDirectories(outside.resolve("dir"));
    Files.writeString(outside.resolve("dir/file"), "nor this");
    Files.createDirectories(root.resolve("d/e"));
    Files.writeString(root.resolve("f"), "served");
    Files.writeString(root.resolve("d/g"), "served too");
    Files.createSymbolicLink(root.resolve("sl-out"), Path.of("../outside/secret"));
    Files.createSymbolicLink(root.resolve("sl-abs"), outside.resolve("secret"));
    Files.createSymbolicLink(root.resolve("sl-dir"), outside.resolve("dir"));
  }

  @AfterEach
  void unmount() throws Exception {
    if (fs != null) {
      run("umount", "-l", fs.toString());
    }
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
  }

  /** Every file under {@code dir}, with what a change would alter. */
  private static Map<String, String> snapshot(Path dir) throws Exception {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.toList()) {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,lastModifiedTime,nlink",
            LinkOption.NOFOLLOW_LINKS);
        String content = Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? Files.readString(p)
            : Files.isSymbolicLink(p) ? "-> " + Files.readSymbolicLink(p) : "";
        files.put(dir.relativize(p).toString(), a + " " + content);
      }
    }
    return files;
  }

  /** The fds of this JVM on sockets and on the tmpfs (jar files the class loader opens meanwhile aside). */
  private long serverFds() throws Exception {
    long n = 0;
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          n += target.startsWith("socket:") || target.startsWith(fs.toString()) ? 1 : 0;
        } catch (java.io.IOException gone) {
          // the listing's own fd
        }
      }
    }
    return n;
  }

  /** What the sessions saw, for the report and for checking the fuzzer reached the file operations. */
  static final class Tally {
    final LongAdder frames = new LongAdder();
    final LongAdder mutated = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder closed = new LongAdder();
    final Map<Integer, LongAdder> successes = new ConcurrentHashMap<>();

    void success(int type) {
      successes.computeIfAbsent(type, t -> new LongAdder()).increment();
    }

    long successes(int type) {
      LongAdder n = successes.get(type);
      return n == null ? 0 : n.sum();
    }
  }

  /** Where the sessions connect: each call is a new connection, as the fd of its client end (the session closes it). */
  interface Target {
    int connect() throws Exception;
  }

  /** Fuzzes {@code target} with {@link #FRAMES} frames over {@link #CONNECTIONS} connections at once. */
  private Tally fuzz(String name, Target target) throws Exception {
    long seed = Long.getLong("burrow.fuzz.seed", System.nanoTime());
    System.out.println(name + ": seed " + seed + " (-Dburrow.fuzz.seed=" + seed + ")");
    Tally tally = new Tally();
    ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS);
    try {
      List<Future<?>> sessions = new ArrayList<>();
      for (int i = 0; i < CONNECTIONS; i++) {
        SplittableRandom rnd = new SplittableRandom(seed + i);
        int frames = FRAMES / CONNECTIONS + (i < FRAMES % CONNECTIONS ? 1 : 0);
        sessions.add(pool.submit(() -> {
          new Session(target, rnd, tally, outside).run(frames);
          return null;
        }));
      }
      for (Future<?> s : sessions) {
        s.get();
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.printf("%s: %d fuzzed frames sent (%d mutated), %d answered with an error, %d closed a connection;"
        + " successes by reply type: %s%n", name, tally.frames.sum(), tally.mutated.sum(), tally.errors.sum(),
        tally.closed.sum(), new TreeMap<>(tally.successes));
    assertThat(tally.frames.sum()).isEqualTo(FRAMES);
    // the grammar reached the operations that could do harm, not only the decoder
    for (int type : new int[] {P9.RWALK, P9.RLOPEN, P9.RLCREATE, P9.RMKDIR, P9.RSYMLINK, P9.RRENAMEAT,
        P9.RUNLINKAT, P9.RWRITE, P9.RREAD, P9.RSETATTR, P9.RLINK, P9.RREADDIR}) {
      assertThat(tally.successes(type)).as("successful replies of type %d", type).isPositive();
    }
    return tally;
  }

  private void assertNothingBesideTheTreeChanged(Map<String, String> before) throws Exception {
    assertThat(snapshot(outside)).as("the files beside the served tree").isEqualTo(before);
    try (Stream<Path> top = Files.list(fs)) {
      assertThat(top.map(p -> p.getFileName().toString()).sorted()).containsExactly("gofer", "outside", "root");
    }
  }

  /** In this JVM, where a stuck request shows its stack and a leaked fd is counted. */
  @Test
  @Timeout(value = 20, unit = TimeUnit.MINUTES) // a server that hangs also hangs its own close
  void theServerNeitherCrashesNorHangsNorReachesOutsideNorLeaks() throws Exception {
    Map<String, String> before = snapshot(outside);
    long fdsBefore = serverFds();
    try (ServerFixture fx = new ServerFixture(root, false)) {
      fuzz("in-process server", fx::connectRaw);
      NinePClient good = fx.connect();
      ServerFixture.attach(good, 0, "");
      assertThat(good.call(new Tgetattr(0, P9.GETATTR_BASIC), Rgetattr.class).size()).isPositive();
    }
    assertNothingBesideTheTreeChanged(before);
    assertThat(serverFds()).as("sockets and served files open after the server closed").isEqualTo(fdsBefore);
  }

  /**
   * The real {@code burrow gofer}: chrooted, capabilities dropped and under its seccomp allowlist,
   * so a request that made it call what it never calls would kill it here.
   */
  @Test
  @Timeout(value = 20, unit = TimeUnit.MINUTES)
  void theGoferProcessSurvivesUnderItsConfinement() throws Exception {
    Map<String, String> before = snapshot(outside);
    try (io.burrow.fs.gofer.GoferProcess gofer = io.burrow.fs.gofer.GoferProcess.start(fs.resolve("gofer"), root)) {
      Path fds = Path.of("/proc/" + gofer.process.pid() + "/fd");
      long fdsBefore = count(fds);
      fuzz("gofer process", () -> connectUnix(gofer.socket));
      assertThat(gofer.process.isAlive()).as("the gofer after the fuzzing").isTrue();
      Session check = new Session(() -> connectUnix(gofer.socket), new SplittableRandom(0), new Tally(), outside);
      check.run(0);
      long fdsAfter = count(fds);
      for (int i = 0; i < 50 && fdsAfter != fdsBefore; i++) { // connections end as their threads see EOF
        Thread.sleep(100);
        fdsAfter = count(fds);
      }
      assertThat(fdsAfter).as("fds of the gofer once its connections are gone").isEqualTo(fdsBefore);
    }
    assertNothingBesideTheTreeChanged(before);
  }

  private static long count(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.count();
    }
  }

  private static int connectUnix(Path socket) throws Exception {
    byte[] path = socket.toString().getBytes(StandardCharsets.UTF_8);
    byte[] addr = new byte[2 + 108];
    addr[0] = (byte) Sys.AF_UNIX;
    System.arraycopy(path, 0, addr, 2, path.length);
    int fd = (int) Sys.checked(Sys.C.socket(Sys.AF_UNIX, Sys.SOCK_STREAM | Sys.SOCK_CLOEXEC, 0), "socket");
    if (Sys.C.connect(fd, addr, 2 + path.length + 1) != 0) {
      int e = Sys.errno();
      Sys.close(fd);
      throw new Errno(e, "connect " + socket);
    }
    return fd;
  }

  /** One connection's worth of fuzzing: synchronous, so a missing reply is a hang, not a race. */
  static final class Session {
    private static final String LONG = "n".repeat(255);
    private final Target target;
    private final SplittableRandom rnd;
    private final Tally tally;
    private final List<String> names;
    private final List<String> targets;
    private final ByteBuffer out = ByteBuffer.allocate(MSIZE).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer in = ByteBuffer.allocateDirect(MAX_MSIZE).order(ByteOrder.LITTLE_ENDIAN);
    /** As negotiated: a fuzzed Tversion may ask for up to the server's largest. */
    private int msize = MSIZE;
    private int fd = -1;
    private int tag;

    Session(Target target, SplittableRandom rnd, Tally tally, Path outside) {
      this.target = target;
      this.rnd = rnd;
      this.tally = tally;
      this.names = List.of("f", "d", "e", "g", "x", "y", "sl-out", "sl-abs", "sl-dir", "..", ".", "", "d/g",
          "/etc", "../outside", LONG, LONG + "n", "fifo", "dev", "a\0b", "proc");
      this.targets = List.of("../outside/secret", outside.resolve("secret").toString(), "/", "/proc/self/fd/3",
          "..", "f", LONG);
    }

    /** Sends {@code frames} frames; with none, only checks that a session can begin. */
    void run(int frames) throws Exception {
      try {
        if (frames == 0) {
          open();
        }
        for (int i = 0; i < frames; i++) {
          if (fd < 0) {
            open();
          }
          exchange(frame());
        }
      } finally {
        Sys.close(fd);
      }
    }

    private void open() throws Exception {
      fd = target.connect();
      msize = MSIZE;
      sendEncoded(P9.NOTAG, new Tversion(MSIZE, P9.VERSION));
      assertThat(awaitReply(P9.NOTAG)).isInstanceOf(Rversion.class);
      sendEncoded(1, new Tattach(0, P9.NOFID, "root", "", 0));
      assertThat(awaitReply(1)).isInstanceOf(Rattach.class);
    }

    private void sendEncoded(int t, Message m) throws Exception {
      out.clear();
      Codec.encode(t, m, out);
      byte[] b = Arrays.copyOf(out.array(), out.position());
      RawFrames.send(fd, b);
    }

    /** One request, its tag always fresh (a reused tag would make the reply ambiguous, not hostile). */
    private byte[] frame() throws Exception {
      Message m = message();
      out.clear();
      Codec.encode(0, m, out);
      byte[] b = Arrays.copyOf(out.array(), out.position());
      if (rnd.nextInt(5) == 0) {
        tally.mutated.increment();
        b = mutate(b);
      }
      tag = tag % 0xfffe + 1;
      if (b.length >= 7) {
        b[5] = (byte) tag;
        b[6] = (byte) (tag >> 8);
        if ((b[4] & 0xff) == P9.TNOTIFY) {
          b[4] = (byte) P9.TGETATTR; // a mutated Tnotify would wait its 10 s for host changes by design
        }
      }
      return b;
    }

    private byte[] mutate(byte[] b) {
      switch (rnd.nextInt(6)) {
        case 0 -> b[rnd.nextInt(7, b.length)] = (byte) rnd.nextInt(256);
        case 1 -> b[rnd.nextInt(4, b.length)] ^= (byte) (1 << rnd.nextInt(8));
        case 2 -> b = Arrays.copyOf(b, rnd.nextInt(7, b.length + 1));
        case 3 -> b = Arrays.copyOf(b, b.length + rnd.nextInt(1, 16));
        case 4 -> b[4] = (byte) rnd.nextInt(256);
        default -> {
          return b; // the size field left as encoded, a third of the time wrong after the others
        }
      }
      if (rnd.nextInt(20) > 0 && b.length >= 4) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(0, b.length);
      }
      return b;
    }

    private void exchange(byte[] request) throws Exception {
      tally.frames.increment();
      try {
        RawFrames.send(fd, request);
      } catch (Errno e) {
        if (e.errno() != 32 && e.errno() != 104) { // EPIPE, ECONNRESET: closed by the server
          throw e;
        }
        reconnect();
        return;
      }
      if (ByteBuffer.wrap(request).order(ByteOrder.LITTLE_ENDIAN).getInt(0) != request.length) {
        // Framing lost: what follows would be read as part of this frame or as a frame of its
        // own. Hang up our side; the server must answer what it parsed and close without hanging.
        Sys.C.shutdown(fd, 1);
        while (awaitReply(-1) != null) {
          tally.errors.increment();
        }
        reconnect();
        return;
      }
      Message reply = awaitReply(tag);
      if (reply == null) {
        reconnect();
      } else if (reply instanceof Rlerror) {
        tally.errors.increment();
      } else {
        tally.success(reply.type());
      }
    }

    private void reconnect() {
      tally.closed.increment();
      Sys.close(fd);
      fd = -1;
    }

    /** The next reply (its tag checked unless {@code expectedTag} is -1), or null once the server closed the connection. */
    private Message awaitReply(int expectedTag) throws Exception {
      in.clear();
      if (!fill(0, 4)) {
        return null;
      }
      int size = in.getInt(0);
      assertThat(size).as("reply size").isBetween(7, msize);
      if (!fill(4, size - 4)) {
        return null;
      }
      ByteBuffer f = ByteBuffer.allocate(size);
      f.put(in.duplicate().position(0).limit(size)).flip();
      Codec.Frame frame = Codec.decode(f, msize);
      if (frame.message() instanceof Rversion v && v.version().equals(P9.VERSION)) {
        msize = v.msize();
      }
      if (expectedTag >= 0) {
        assertThat(frame.tag()).as("tag of the reply").isEqualTo(expectedTag);
      }
      return frame.message();
    }

    private boolean fill(int off, int len) throws Exception {
      try {
        return RawFrames.fill(fd, in, off, len, REPLY_TIMEOUT_MS);
      } catch (java.util.concurrent.TimeoutException e) {
        throw new AssertionError(e.getMessage() + " (frame " + tally.frames.sum() + ")", e);
      }
    }

    private int fid() {
      return switch (rnd.nextInt(10)) {
        case 0 -> rnd.nextInt();
        case 1 -> P9.NOFID;
        case 2, 3, 4 -> 0; // the attached root, so that names are reached as often as fids go stale
        default -> rnd.nextInt(8);
      };
    }

    private String name() {
      if (rnd.nextInt(20) == 0) {
        byte[] junk = new byte[rnd.nextInt(1, 12)];
        rnd.nextBytes(junk);
        return new String(junk, StandardCharsets.ISO_8859_1);
      }
      return names.get(rnd.nextInt(names.size()));
    }

    private long offset() {
      return switch (rnd.nextInt(6)) {
        case 0 -> rnd.nextLong();
        case 1 -> 1L << rnd.nextInt(63);
        default -> rnd.nextInt(64);
      };
    }

    private int mode() {
      int[] kinds = {0, 0100000, 040000, 010000, 0140000, 020000, 060000, 0120000};
      return (rnd.nextInt(4) == 0 ? rnd.nextInt() : kinds[rnd.nextInt(kinds.length)] | rnd.nextInt(010000));
    }

    private Message message() {
      return switch (rnd.nextInt(30)) {
        case 0, 1, 2, 3 -> {
          List<String> walk = new ArrayList<>();
          for (int k = rnd.nextInt(4); k > 0; k--) {
            walk.add(name());
          }
          yield new Twalk(fid(), rnd.nextInt(8), walk);
        }
        case 4, 5 -> new Tlopen(fid(), rnd.nextInt(3) == 0 ? rnd.nextInt() : new int[] {0, 1, 2, 01002, 0101}[rnd.nextInt(5)]);
        case 6 -> new Tlcreate(fid(), name(), new int[] {0101, 0102, 01, 0301}[rnd.nextInt(4)], mode() & 07777, rnd.nextInt(3));
        case 7 -> new Tmkdir(fid(), name(), mode() & 07777, rnd.nextInt(3));
        case 8 -> new Tsymlink(fid(), name(), targets.get(rnd.nextInt(targets.size())), 0);
        case 9 -> new Tlink(fid(), fid(), name());
        case 10 -> new Trenameat(fid(), name(), fid(), name());
        case 11 -> new Trename(fid(), fid(), name());
        case 12 -> new Tunlinkat(fid(), name(), rnd.nextBoolean() ? 0 : 0x200);
        case 13, 14 -> new Tread(fid(), offset(), rnd.nextInt(3) == 0 ? rnd.nextInt() : rnd.nextInt(MSIZE));
        case 15, 16 -> {
          byte[] data = new byte[rnd.nextInt(0, 600)];
          rnd.nextBytes(data);
          yield new Twrite(fid(), offset(), ByteBuffer.wrap(data));
        }
        case 17 -> new Treaddir(fid(), rnd.nextInt(4) == 0 ? rnd.nextLong() : 0, rnd.nextInt(MSIZE));
        case 18 -> new Tgetattr(fid(), rnd.nextLong());
        case 19 -> new Tsetattr(fid(), rnd.nextInt(512), mode(), rnd.nextInt(3) == 0 ? rnd.nextInt() : rnd.nextInt(3),
            rnd.nextInt(3) == 0 ? rnd.nextInt() : rnd.nextInt(3), offset(), rnd.nextLong(), rnd.nextLong(),
            rnd.nextLong(), rnd.nextInt(1_000_000_000));
        case 20 -> new Txattrwalk(fid(), rnd.nextInt(8), new String[] {"", "user.x", "trusted.x",
            "security.capability", "system.posix_acl_access", name()}[rnd.nextInt(6)]);
        case 21 -> new Txattrcreate(fid(), new String[] {"user.x", "trusted.x", "security.capability",
            "system.posix_acl_access", name()}[rnd.nextInt(5)], rnd.nextInt(3) == 0 ? rnd.nextLong() : rnd.nextInt(64),
            rnd.nextInt(4));
        case 22 -> new Tmknod(fid(), name(), mode(), rnd.nextInt(3) == 0 ? rnd.nextInt() : rnd.nextInt(10),
            rnd.nextInt(10), 0);
        case 23 -> new Treadlink(fid());
        case 24 -> new Tclunk(fid());
        case 25 -> rnd.nextBoolean() ? new Tremove(fid()) : new Tstatfs(fid());
        case 26 -> new Tfsync(fid(), rnd.nextInt(2));
        case 27 -> rnd.nextBoolean()
            ? new Tlock(fid(), rnd.nextInt(4), rnd.nextInt(3), offset(), offset(), rnd.nextInt(), name())
            : new Tgetlock(fid(), rnd.nextInt(4), offset(), offset(), rnd.nextInt(), name());
        case 28 -> new Tattach(fid(), rnd.nextInt(10) == 0 ? rnd.nextInt() : P9.NOFID, name(), name(), rnd.nextInt());
        default -> rnd.nextInt(10) == 0 ? new Tversion(rnd.nextInt(4) == 0 ? rnd.nextInt() : MSIZE,
            rnd.nextBoolean() ? P9.VERSION : name()) : new Tflush(rnd.nextInt(0x10000));
      };
    }
  }
}
