package io.burrow.fs.gofer.server;

import io.burrow.linux.sys.Sys;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A child JVM for {@link SyscallAllowlistTest}: installs the gofer's allowlist, shows that a new
 * thread can still read a file and that every thread is filtered, then makes the one call named
 * by its argument, which the filter must not let return.
 */
public final class AllowlistProbe {
  private AllowlistProbe() {}

  public static void main(String[] args) throws Exception {
    Sys.C.prctl(4 /* PR_SET_DUMPABLE */, 0, 0, 0, 0); // no core file when the filter kills us
    SyscallAllowlist.install(false);
    String[] read = new String[1];
    Thread reader = new Thread(() -> {
      try {
        read[0] = Files.readString(Path.of(args[1]));
      } catch (Exception e) {
        read[0] = e.toString();
      }
    });
    reader.start();
    reader.join();
    System.out.println("after the filter a new thread read: " + read[0]);
    System.out.flush();
    switch (args[0]) {
      case "socket" -> Sys.C.socket(2 /* AF_INET */, 1 /* SOCK_STREAM */, 0);
      case "open_by_handle_at" -> Sys.C.syscall(304, -100 /* AT_FDCWD */, null, 0);
      case "fork" -> Sys.C.syscall(56 /* clone */, 17 /* SIGCHLD: a new process, not a thread */, null, 0);
      case "process" -> new ProcessBuilder("/bin/true").start().waitFor();
      case "none" -> { }
      default -> throw new IllegalArgumentException(args[0]);
    }
    System.out.println("returned from " + args[0]);
  }
}
