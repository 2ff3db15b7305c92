package io.burrow.fs.gofer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code burrow gofer --serve-unix} as a real child process (it chroots, so never in-process). */
public final class GoferProcess implements AutoCloseable {
  public final Process process;
  public final Path socket;

  private GoferProcess(Process process, Path socket) {
    this.process = process;
    this.socket = socket;
  }

  /** Writes a bundle whose root is {@code root} and starts the gofer on {@code dir/9p.sock}. */
  public static GoferProcess start(Path dir, Path root, String... extra) throws Exception {
    Path bundle = Files.createDirectories(dir.resolve("bundle"));
    Files.writeString(bundle.resolve("config.json"),
        "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"" + root + "\"}}");
    Path sock = dir.resolve("9p.sock");
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), GoferMain.class.getName(), "gofer",
        "--bundle", bundle.toString(), "--serve-unix=" + sock));
    cmd.addAll(List.of(extra));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    StringBuilder said = new StringBuilder();
    while ((line = out.readLine()) != null) {
      said.append(line).append('\n');
      if (line.startsWith("serving ")) {
        Thread drain = new Thread(() -> out.lines().forEach(l -> { }));
        drain.setDaemon(true);
        drain.start();
        return new GoferProcess(p, sock);
      }
    }
    p.waitFor(10, TimeUnit.SECONDS);
    throw new IllegalStateException("gofer did not start, exit " + p.exitValue() + ": " + said);
  }

  @Override
  public void close() throws Exception {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
    Files.deleteIfExists(socket);
  }
}
