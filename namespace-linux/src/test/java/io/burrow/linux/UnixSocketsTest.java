package io.burrow.linux;

import io.burrow.linux.sys.Fd;

import io.burrow.linux.sys.Native;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.burrow.linux.UnixSockets.Received;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jnr.posix.FileStat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real AF_UNIX sockets and real fds; every test must leave /proc/self/fd as it found it. */
class UnixSocketsTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final int F_GETFD = 1;
  private static final int FD_CLOEXEC = 1;
  private static final int SEEK_CUR = 1;
  private static final int O_RDWR = 2;
  private static final int O_CREAT = 0100;

  @TempDir Path dir;

  private final Deque<AutoCloseable> opened = new ArrayDeque<>();
  private Map<Integer, String> fdsBefore;

  @BeforeAll
  static void loadNativeCode() throws Exception {
    // Load jnr and the classes the tests use, so lazily opened jars are not counted as leaks.
    Native.libc();
    Native.posix();
    Path warm = Files.createTempDirectory("unixsockets");
    try (Fd l = UnixSockets.listen(warm.resolve("s"), 0600)) {
      assertThat(UnixSockets.accept(l, Duration.ZERO)).isEmpty();
    } finally {
      Files.deleteIfExists(warm.resolve("s"));
      Files.delete(warm);
    }
  }

  @BeforeEach
  void recordOpenFds() throws IOException {
    fdsBefore = openFds();
  }

  @AfterEach
  void closeEverythingAndCheckForLeaks() throws Exception {
    while (!opened.isEmpty()) {
      opened.pop().close();
    }
    assertThat(openFds()).as("open fds after the test").isEqualTo(fdsBefore);
  }

  private <T extends AutoCloseable> T track(T resource) {
    opened.push(resource);
    return resource;
  }

  @Test
  void aLinePlusThreeFdsArriveAsTheSameOpenFilesCloseOnExec() throws Exception {
    Path path = dir.resolve("sandbox.sock");
    Fd listener = track(UnixSockets.listen(path, 0600));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).isEqualTo("rw-------");
    Fd client = track(UnixSockets.connect(path));
    Fd server = track(UnixSockets.accept(listener, TIMEOUT).orElseThrow());
    Fd[] pipe = pipe();
    Fd file = track(open(dir.resolve("data")));
    List<Fd> sent = List.of(pipe[0], pipe[1], file);
    Map<Fd, FileStat> sentStats = Map.of(pipe[0], fstat(pipe[0]), pipe[1], fstat(pipe[1]), file, fstat(file));

    UnixSockets.writeLine(client, "start ctr-1 with 3 fds", sent);
    Received request = track(UnixSockets.readLine(server, 1024, 3, TIMEOUT).orElseThrow());

    assertThat(request.text()).isEqualTo("start ctr-1 with 3 fds");
    assertThat(request.fds()).hasSize(3);
    for (int i = 0; i < 3; i++) {
      Fd got = request.fds().get(i);
      FileStat want = sentStats.get(sent.get(i));
      assertThat(got.fd()).isNotEqualTo(sent.get(i).fd());
      assertThat(fstat(got).dev()).isEqualTo(want.dev());
      assertThat(fstat(got).ino()).isEqualTo(want.ino());
      assertThat(Native.libc().fcntl(got.fd(), F_GETFD, 0) & FD_CLOEXEC).as("FD_CLOEXEC on %s", got).isEqualTo(FD_CLOEXEC);
    }
    // The received write end feeds the original read end.
    write(request.fds().get(1), "through the pipe");
    assertThat(read(pipe[0], 100)).isEqualTo("through the pipe");
    // Same open file description, not just the same inode: the file offset is shared.
    write(request.fds().get(2), "12345");
    assertThat(Native.posix().lseekLong(file.fd(), 0, SEEK_CUR)).isEqualTo(5);
    // The sender keeps ownership of its copies; closing them leaves the received ones working.
    pipe[1].close();
    write(request.fds().get(1), "still open");
    assertThat(read(pipe[0], 100)).isEqualTo("still open");

    UnixSockets.writeLine(server, "ok", List.of());
    assertThat(UnixSockets.readLine(client, 100, 0, TIMEOUT).orElseThrow().text()).isEqualTo("ok");
  }

  @Test
  void bigDataWithoutFdsArrivesIntactAndThenEndOfStream() throws Exception {
    Fd[] conn = connection();
    byte[] data = new byte[3 << 20];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 31 + (i >> 11));
    }
    // More than the socket buffer holds, so send has to loop on partial writes.
    CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
      try {
        UnixSockets.send(conn[0], data, List.of());
        conn[0].close();
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    while (true) {
      try (Received r = UnixSockets.receive(conn[1], 65536, 0)) {
        assertThat(r.fds()).isEmpty();
        if (r.data().length == 0) {
          break;
        }
        got.write(r.data());
      }
    }
    sender.get(10, TimeUnit.SECONDS);
    assertThat(Arrays.equals(got.toByteArray(), data)).as("data intact").isTrue();
  }

  @Test
  void moreFdsThanExpectedIsAnErrorAndLeaksNothing() throws Exception {
    Fd[] conn = connection();
    Fd[] pipe = pipe();
    Fd file = track(open(dir.resolve("data")));
    Map<Integer, String> beforeSend = openFds();

    UnixSockets.send(conn[0], "x".getBytes(StandardCharsets.UTF_8), List.of(pipe[0], pipe[1], file));
    assertThatThrownBy(() -> UnixSockets.receive(conn[1], 10, 1))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("more than 1 fds (MSG_CTRUNC)")
        .hasMessageContaining(conn[1].description());
    assertThat(openFds()).isEqualTo(beforeSend);

    UnixSockets.writeLine(conn[0], "fds nobody expects", List.of(pipe[1]));
    assertThatThrownBy(() -> UnixSockets.readLine(conn[1], 100, 0, TIMEOUT))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("MSG_CTRUNC");
    assertThat(openFds()).isEqualTo(beforeSend);
  }

  @Test
  void readLineConsumesOneLineAndItsFdsOnly() throws Exception {
    Fd[] conn = connection();
    Fd[] pipe = pipe();
    UnixSockets.writeLine(conn[0], "one", List.of(pipe[0]));
    UnixSockets.writeLine(conn[0], "two", List.of(pipe[1]));
    UnixSockets.send(conn[0], "three\nfour\n".getBytes(StandardCharsets.UTF_8), List.of());

    try (Received one = UnixSockets.readLine(conn[1], 100, 5, TIMEOUT).orElseThrow();
        Received two = UnixSockets.readLine(conn[1], 100, 5, TIMEOUT).orElseThrow()) {
      assertThat(one.text()).isEqualTo("one");
      assertThat(one.fds()).singleElement().satisfies(fd -> assertThat(fstat(fd).ino()).isEqualTo(fstat(pipe[0]).ino()));
      assertThat(two.text()).isEqualTo("two");
      assertThat(two.fds()).hasSize(1);
    }
    assertThat(UnixSockets.readLine(conn[1], 100, 0, TIMEOUT).orElseThrow().text()).isEqualTo("three");
    assertThat(UnixSockets.readLine(conn[1], 100, 0, TIMEOUT).orElseThrow().text()).isEqualTo("four");
    UnixSockets.writeLine(conn[0], "", List.of());
    assertThat(UnixSockets.readLine(conn[1], 100, 0, TIMEOUT).orElseThrow().data()).isEmpty();
  }

  @Test
  void endOfStream() throws Exception {
    Fd[] conn = connection();
    conn[0].close();
    assertThat(UnixSockets.readLine(conn[1], 100, 1, TIMEOUT)).isEmpty();
    try (Received r = UnixSockets.receive(conn[1], 100, 1)) {
      assertThat(r.data()).isEmpty();
      assertThat(r.fds()).isEmpty();
    }

    Fd[] conn2 = connection();
    Fd[] pipe = pipe();
    UnixSockets.send(conn2[0], "no newline".getBytes(StandardCharsets.UTF_8), List.of(pipe[0]));
    conn2[0].close();
    Map<Integer, String> beforeRead = openFds();
    assertThatThrownBy(() -> UnixSockets.readLine(conn2[1], 100, 1, TIMEOUT))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("end of stream after 10 bytes of a line from connection accepted by listener on " + dir);
    assertThat(openFds()).isEqualTo(beforeRead);
  }

  @Test
  void sendingToAClosedPeerIsAnError() throws Exception {
    Fd[] conn = connection();
    conn[1].close();
    assertThatThrownBy(() -> UnixSockets.writeLine(conn[0], "anyone?", List.of()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("sendmsg of 8 bytes to connection to " + dir)
        .hasMessageContaining("Broken pipe");
  }

  @Test
  void timeouts() throws Exception {
    Fd listener = track(UnixSockets.listen(dir.resolve("s"), 0600));
    long start = System.nanoTime();
    assertThat(UnixSockets.accept(listener, Duration.ofMillis(200))).isEmpty();
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofMillis(190).toNanos());

    Fd client = track(UnixSockets.connect(dir.resolve("s")));
    Fd server = track(UnixSockets.accept(listener));
    UnixSockets.send(client, "partial".getBytes(StandardCharsets.UTF_8), List.of());
    assertThatThrownBy(() -> UnixSockets.readLine(server, 100, 0, Duration.ofMillis(200)))
        .isInstanceOf(IOException.class)
        .hasMessage("timed out after 200 ms waiting for a line from " + server.description() + " (got 7 bytes without a newline)");
  }

  @Test
  void aLineLongerThanMaxBytesIsAnError() throws Exception {
    Fd[] conn = connection();
    UnixSockets.writeLine(conn[0], "x".repeat(11), List.of());
    assertThatThrownBy(() -> UnixSockets.readLine(conn[1], 10, 0, TIMEOUT))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("longer than 10 bytes");
    Fd[] conn2 = connection();
    UnixSockets.writeLine(conn2[0], "x".repeat(10), List.of());
    assertThat(UnixSockets.readLine(conn2[1], 10, 0, TIMEOUT).orElseThrow().text()).isEqualTo("x".repeat(10));
  }

  @Test
  void pathsLongerThanSunPathWorkThroughTheirDirectory() throws Exception {
    // A shim's --root plus a 64-character id: the whole path passes sun_path's 108 bytes.
    Path deep = Files.createDirectories(dir.resolve("d".repeat(60)).resolve("e".repeat(60)));
    Path longPath = deep.resolve("sock");
    assertThat(longPath.toString().length()).isGreaterThan(UnixSockets.MAX_PATH_BYTES);
    Fd listener = track(UnixSockets.listen(longPath, 0600));
    assertThat(longPath).exists();
    Fd client = track(UnixSockets.connect(longPath));
    Fd server = track(UnixSockets.accept(listener, TIMEOUT).orElseThrow());
    UnixSockets.writeLine(client, "through the directory", List.of());
    assertThat(UnixSockets.readLine(server, 100, 0, TIMEOUT).orElseThrow().text()).isEqualTo("through the directory");

    // Only a file name that alone is too long still fails, clearly.
    Path tooLongName = dir.resolve("n".repeat(UnixSockets.MAX_PATH_BYTES));
    assertThatThrownBy(() -> UnixSockets.listen(tooLongName, 0600))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("sun_path allows at most 107");
    assertThatThrownBy(() -> UnixSockets.connect(deep.resolve("missing"))).hasMessageContaining("missing");
    assertThat(tooLongName).doesNotExist();
  }

  @Test
  void listenAndConnectErrorsNameThePathAndErrno() throws Exception {
    Path path = dir.resolve("s");
    track(UnixSockets.listen(path, 0660));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).isEqualTo("rw-rw----");
    assertThatThrownBy(() -> UnixSockets.listen(path, 0600))
        .isInstanceOf(IOException.class)
        .hasMessage("bind to " + path + ": Address already in use (errno 98)");
    assertThat(path).exists();
    assertThatThrownBy(() -> UnixSockets.connect(dir.resolve("missing")))
        .isInstanceOf(IOException.class)
        .hasMessage("connect to " + dir.resolve("missing") + ": No such file or directory (errno 2)");
  }

  @Test
  void fdsNeedData() throws Exception {
    Fd[] conn = connection();
    assertThatThrownBy(() -> UnixSockets.send(conn[0], new byte[0], List.of(conn[0])))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("need at least one data byte");
    assertThatThrownBy(() -> UnixSockets.writeLine(conn[0], "a\nb", List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anotherProcessConnectsReceivesAnFdAndUsesIt() throws Exception {
    Path path = dir.resolve("sandbox.sock");
    Fd listener = track(UnixSockets.listen(path, 0600));
    Fd[] pipe = pipe();
    Process peer = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", System.getProperty("java.class.path"),
            FdPassingPeer.class.getName(), path.toString())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("peer.log").toFile())
        .start();
    try {
      Optional<Fd> accepted = UnixSockets.accept(listener, Duration.ofSeconds(60));
      assertThat(accepted).as("peer connected; log: %s", log()).isPresent();
      Fd server = track(accepted.get());
      UnixSockets.writeLine(server, "greetings", List.of(pipe[1]));
      pipe[1].close();
      assertThat(UnixSockets.readLine(server, 100, 0, Duration.ofSeconds(60)).orElseThrow().text()).as("log: %s", log()).isEqualTo("done");
      assertThat(peer.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(peer.exitValue()).as("log: %s", log()).isZero();
      // EOF on the pipe: the peer's copy closed with the peer, and ours above.
      assertThat(readAll(pipe[0])).isEqualTo("hello from pid " + peer.pid() + ": greetings\n");
    } finally {
      peer.destroyForcibly().waitFor();
    }
  }

  private String log() throws IOException {
    Path log = dir.resolve("peer.log");
    return Files.exists(log) ? Files.readString(log) : "";
  }

  /** [client end, server end] of a fresh connection through a listener in dir. */
  private Fd[] connection() throws IOException {
    Path path = dir.resolve("s" + opened.size() + ".sock");
    Fd listener = track(UnixSockets.listen(path, 0600));
    Fd client = track(UnixSockets.connect(path));
    Fd server = track(UnixSockets.accept(listener, TIMEOUT).orElseThrow());
    return new Fd[] {client, server};
  }

  private Fd[] pipe() {
    int[] fds = new int[2];
    assertThat(Native.posix().pipe(fds)).isZero();
    return new Fd[] {track(new Fd(fds[0], "test pipe read end")), track(new Fd(fds[1], "test pipe write end"))};
  }

  private static Fd open(Path file) {
    int fd = Native.posix().open(file.toString(), O_RDWR | O_CREAT, 0600);
    assertThat(fd).as("open %s", file).isNotNegative();
    return new Fd(fd, file.toString());
  }

  private static FileStat fstat(Fd fd) {
    return Native.posix().fstat(fd.fd());
  }

  private static void write(Fd fd, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    assertThat(Native.posix().write(fd.fd(), bytes, bytes.length)).isEqualTo(bytes.length);
  }

  private static String read(Fd fd, int max) {
    byte[] buf = new byte[max];
    int n = Native.posix().read(fd.fd(), buf, max);
    assertThat(n).isNotNegative();
    return new String(buf, 0, n, StandardCharsets.UTF_8);
  }

  private static String readAll(Fd fd) {
    StringBuilder all = new StringBuilder();
    for (String chunk = read(fd, 4096); !chunk.isEmpty(); chunk = read(fd, 4096)) {
      all.append(chunk);
    }
    return all.toString();
  }

  /** fd number → readlink target, ignoring jars (opened on demand by the class loader) and this listing's own fd. */
  private static Map<Integer, String> openFds() throws IOException {
    Map<Integer, String> fds = new TreeMap<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path entry : entries) {
        try {
          String target = Files.readSymbolicLink(entry).toString();
          if (!target.endsWith(".jar") && !target.startsWith("/proc/")) {
            fds.put(Integer.parseInt(entry.getFileName().toString()), target);
          }
        } catch (IOException gone) {
          // The directory stream's own fd, or one closed meanwhile.
        }
      }
    }
    return fds;
  }
}
