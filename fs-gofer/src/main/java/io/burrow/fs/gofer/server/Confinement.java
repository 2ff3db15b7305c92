package io.burrow.fs.gofer.server;

import io.burrow.linux.sys.Errno;
import io.burrow.linux.sys.Sys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Confines the gofer process once its mount roots are open, as far as a JVM allows: no_new_privs;
 * chroot into an empty, already deleted directory, so that no absolute path reaches any file and
 * nothing can be created at "/" (all served files are reached through the root fds opened
 * before); and capabilities reduced to the file-ownership ones a file server needs, plus
 * CAP_MKNOD for a container that may make device nodes.
 *
 * <p>Capabilities are per thread in Linux, so {@link #apply} must run on the thread that will
 * create the server's threads, before it creates them: threads inherit the reduced set. JVM
 * threads that already exist (GC, JIT, reference handling) keep what the process was launched
 * with ({@link #launchBoundingSet}, and no_new_privs), and never touch served files. Each step
 * that the environment refuses (no CAP_SYS_CHROOT outside a user namespace, for instance) is
 * reported in the returned list rather than failing the gofer.
 */
public final class Confinement {
  private Confinement() {}

  private static final int PR_SET_NO_NEW_PRIVS = 38, PR_SET_DUMPABLE = 4;
  /**
   * CAP_CHOWN (chown to the client's ids), CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (the client's
   * kernel has checked permissions; the gofer serves every file its caller may reach), CAP_FOWNER
   * (chmod, utimes and xattrs of files owned by others) and CAP_FSETID (chmod keeps set-gid).
   */
  static final long KEEP_CAPS = 0b11111L;
  /** Kept only when the container itself may make devices. */
  static final long CAP_MKNOD = 1L << 27;
  private static final long CAP_SYS_CHROOT = 1L << 18;

  /**
   * The bounding set the gofer is launched with, before the JVM starts, so that every thread of
   * the process (compiler, GC and signal threads included) is born without the rest: the kept
   * capabilities plus CAP_SYS_CHROOT, which {@link #apply} uses once and then drops on the thread
   * that creates the serving threads.
   */
  public static long launchBoundingSet(boolean mknod) {
    return servingCaps(mknod) | CAP_SYS_CHROOT;
  }

  /** What the serving threads keep. */
  private static long servingCaps(boolean mknod) {
    return KEEP_CAPS | (mknod ? CAP_MKNOD : 0);
  }

  /**
   * Applies every step; returns what could not be done (empty when fully confined).
   *
   * @param mknod whether to keep CAP_MKNOD, for a container that may make device nodes
   */
  public static List<String> apply(boolean mknod) {
    List<String> skipped = new ArrayList<>();
    warmUp();
    if (Sys.C.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
      skipped.add("no_new_privs: errno " + Sys.errno());
    }
    // Not dumpable: other processes of the same uid cannot ptrace or read /proc/PID/fd of the gofer.
    Sys.C.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    try {
      chrootEmpty();
    } catch (IOException e) {
      skipped.add("chroot: " + e.getMessage());
    }
    try {
      io.burrow.linux.sys.ThreadCapabilities.limitTo(servingCaps(mknod));
    } catch (Errno e) {
      skipped.add("capabilities: " + e.getMessage());
    }
    return skipped;
  }

  /**
   * Loads what the JVM would otherwise read from disk after the chroot: every class of the gofer
   * and of the native layer (a class path directory is read lazily, file by file), libseccomp,
   * the logging binding and time zones. Jar files already open stay readable through their open
   * fds, and so does the JDK's own class image (charsets included), which is open from the start.
   */
  static void warmUp() {
    Node.ProcSelfFd.open(); // /proc is out of reach after the chroot
    io.burrow.linux.sys.SeccompFilter.preload();
    java.time.ZonedDateTime.now().toString();
    org.slf4j.LoggerFactory.getLogger(Confinement.class).debug("confining the gofer");
    // The gofer's own classes are initialised (GoferFileAccess's static set-up belongs to the
    // runtime side); the 9P server's and the native layer's only loaded, since from a class
    // path directory (a module's tests) they would otherwise be read after the chroot.
    preload(Confinement.class, "io/burrow/fs/gofer/", name -> !name.equals("io.burrow.fs.gofer.GoferFileAccess"));
    preload(io.burrow.p9.server.NinePServer.class, "io/burrow/p9/", name -> false);
    preload(io.burrow.linux.sys.Sys.class, "io/burrow/linux/sys/", name -> false);
  }

  private static void preload(Class<?> anchor, String prefix, java.util.function.Predicate<String> initialise) {
    ClassLoader loader = anchor.getClassLoader();
    for (String name : classNames(anchor, prefix)) {
      try {
        Class.forName(name, initialise.test(name), loader);
      } catch (ClassNotFoundException | LinkageError e) {
        // a class that cannot load now would not load later either
      }
    }
  }

  /** The classes under {@code prefix} in the jar or directory {@code anchor} was loaded from. */
  private static List<String> classNames(Class<?> anchor, String prefix) {
    List<String> names = new ArrayList<>();
    try {
      java.net.URL src = anchor.getProtectionDomain().getCodeSource().getLocation();
      Path base = Path.of(src.toURI());
      if (Files.isDirectory(base)) {
        try (var walk = Files.walk(base.resolve(prefix))) {
          walk.filter(p -> p.toString().endsWith(".class")).forEach(p ->
              names.add(base.relativize(p).toString().replace('/', '.').replaceAll("\\.class$", "")));
        }
      } else {
        try (var jar = new java.util.jar.JarFile(base.toFile())) {
          jar.stream().map(java.util.jar.JarEntry::getName)
              .filter(n -> n.startsWith(prefix) && n.endsWith(".class"))
              .forEach(n -> names.add(n.replace('/', '.').replaceAll("\\.class$", "")));
        }
      }
    } catch (Exception e) {
      // best effort: classes not preloaded will fail loudly when first used
    }
    return names;
  }

  private static void chrootEmpty() throws IOException {
    Path empty = Files.createTempDirectory("burrow-gofer-root");
    try {
      Sys.checked(Sys.C.chdir(Sys.cstr(empty.toString())), "chdir " + empty);
    } finally {
      Files.delete(empty); // the process root becomes a deleted, empty directory
    }
    Sys.checked(Sys.C.chroot(Sys.cstr(".")), "chroot");
    Sys.checked(Sys.C.chdir(Sys.cstr("/")), "chdir /");
  }
}
