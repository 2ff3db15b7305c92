package io.burrow.linux;

import io.burrow.linux.sys.LibC;

import io.burrow.linux.sys.Native;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;

/**
 * Starts a program with exactly the descriptors it is given: {@code fds.get(i)} becomes fd
 * {@code i} (so the list starts with stdin, stdout, stderr), and every other descriptor of the
 * JVM is closed in the child
 * ({@code posix_spawn_file_actions_addclosefrom_np}). Signal mask and dispositions are reset. The
 * caller keeps ownership of the fds it passes. Thread-safe.
 */
public final class PosixSpawner {
  /** glibc's posix_spawn_file_actions_t is 80 bytes and posix_spawnattr_t 336 on x86_64/arm64; leave room. */
  private static final int OPAQUE_SIZE = 1024;
  private static final int SIGSET_SIZE = 128;
  private static final int HIGH_FD_BASE = 1000;

  private PosixSpawner() {}

  /** Spawns {@code path} and returns its pid; the child is not waited for. */
  public static int spawn(String path, List<String> argv, List<String> env, List<Integer> fds) {
    LibC libc = Native.libc();
    jnr.ffi.Runtime rt = Native.runtime();
    // Move the sources out of the way first, so that placing one at i cannot clobber another.
    List<Integer> high = new ArrayList<>();
    try {
      for (int fd : fds) {
        int dup = libc.fcntl(fd, Native.F_DUPFD_CLOEXEC, HIGH_FD_BASE);
        if (dup < 0) {
          throw new IllegalStateException(Native.error("dup fd " + fd + " for " + path));
        }
        high.add(dup);
      }
      Pointer actions = Memory.allocateDirect(rt, OPAQUE_SIZE);
      Pointer attr = Memory.allocateDirect(rt, OPAQUE_SIZE);
      Pointer empty = Memory.allocateDirect(rt, SIGSET_SIZE);
      Pointer all = Memory.allocateDirect(rt, SIGSET_SIZE);
      check(libc.posix_spawn_file_actions_init(actions), "file actions init");
      check(libc.posix_spawnattr_init(attr), "spawnattr init");
      try {
        for (int i = 0; i < high.size(); i++) {
          check(libc.posix_spawn_file_actions_adddup2(actions, high.get(i), i), "adddup2");
        }
        check(libc.posix_spawn_file_actions_addclosefrom_np(actions, high.size()), "addclosefrom");
        libc.sigemptyset(empty);
        libc.sigfillset(all);
        check(libc.posix_spawnattr_setsigmask(attr, empty), "setsigmask");
        check(libc.posix_spawnattr_setsigdefault(attr, all), "setsigdefault");
        check(libc.posix_spawnattr_setflags(attr, (short) (Native.POSIX_SPAWN_SETSIGMASK | Native.POSIX_SPAWN_SETSIGDEF)), "setflags");
        List<Pointer> keepAlive = new ArrayList<>();
        Pointer argvp = stringArray(argv, keepAlive);
        Pointer envp = stringArray(env, keepAlive);
        IntByReference pid = new IntByReference();
        int rc = libc.posix_spawn(pid, path, actions, attr, argvp, envp);
        if (rc != 0) {
          throw new IllegalStateException("cannot start " + path + ": " + Native.strerror(rc));
        }
        return pid.getValue();
      } finally {
        libc.posix_spawn_file_actions_destroy(actions);
        libc.posix_spawnattr_destroy(attr);
      }
    } finally {
      high.forEach(libc::close);
    }
  }

  private static void check(int rc, String what) {
    if (rc != 0) {
      throw new IllegalStateException("posix_spawn " + what + ": " + Native.strerror(rc));
    }
  }

  private static Pointer stringArray(List<String> strings, List<Pointer> keepAlive) {
    jnr.ffi.Runtime rt = Native.runtime();
    int ptrSize = rt.addressSize();
    Pointer array = Memory.allocateDirect(rt, (strings.size() + 1) * ptrSize, true);
    for (int i = 0; i < strings.size(); i++) {
      byte[] bytes = strings.get(i).getBytes(StandardCharsets.UTF_8);
      Pointer s = Memory.allocateDirect(rt, bytes.length + 1, true);
      s.put(0, bytes, 0, bytes.length);
      keepAlive.add(s);
      array.putAddress((long) i * ptrSize, s.address());
    }
    keepAlive.add(array);
    return array;
  }
}
