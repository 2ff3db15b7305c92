package io.burrow.linux.cgroup;

import io.burrow.api.spi.CgroupManager.CgroupException;
import io.burrow.linux.sys.Fd;
import io.burrow.linux.sys.Native;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Platform;
import jnr.ffi.Pointer;

/**
 * bpf(2) for cgroup v2 device programs, through libc's {@code syscall} (jnr-ffi, {@link
 * io.burrow.linux.sys.LibC}): load a {@link DeviceFilter.Program}, attach it to a cgroup with
 * BPF_F_ALLOW_MULTI, list and detach what is attached. {@link #installDeviceFilter} is runc's
 * sequence (ebpf_linux.go): query the attached programs, load and attach the new one, then
 * detach the old ones, so the cgroup is never without a filter (while both are attached the
 * kernel needs both to allow).
 *
 * <p>Stateless and thread-safe. fds: every fd opened here (the cgroup directory, the program, an
 * old program opened by id) has one owner, the method that opened it, and is closed before it
 * returns; the attachment holds its own reference to the program, which lives until it is
 * detached or the cgroup is removed. Root only (CAP_SYS_ADMIN, CAP_BPF). On kernels before 5.11
 * the program is charged to RLIMIT_MEMLOCK, which burrow does not raise (its children would
 * inherit it): such a host needs {@code ulimit -l} large enough.
 */
public final class CgroupBpf {
  private static final int BPF_PROG_LOAD = 5, BPF_PROG_ATTACH = 8, BPF_PROG_DETACH = 9, BPF_PROG_GET_FD_BY_ID = 13,
      BPF_OBJ_GET_INFO_BY_FD = 15, BPF_PROG_QUERY = 16;
  /** enum bpf_prog_type's BPF_PROG_TYPE_CGROUP_DEVICE. */
  public static final int BPF_PROG_TYPE_CGROUP_DEVICE = 15;
  private static final int BPF_CGROUP_DEVICE = 6;
  /** Attach flag: one of several programs of the cgroup, all of which must allow. */
  public static final int BPF_F_ALLOW_MULTI = 2;
  /** The name every program burrow loads carries (bpf_prog_info.name, at most 15 characters). */
  public static final String PROGRAM_NAME = "burrow_devices";
  private static final String LICENSE = "Apache";
  private static final int LOG_SIZE = 1 << 20;
  private static final int LOG_KEPT = 8192;
  private static final int ENOENT = 2, EPERM = 1, EACCES = 13, ENOSPC = 28;

  /** What {@link #attachedPrograms} reports of one program. */
  public record ProgramInfo(int id, int type, String name) {}

  private CgroupBpf() {}

  /** __NR_bpf of this machine; refused where burrow does not know it (or the byte order of struct bpf_insn). */
  static long syscallNumber() throws CgroupException {
    Platform.CPU cpu = Platform.getNativePlatform().getCPU();
    return switch (cpu) {
      case X86_64 -> 321;
      case AARCH64 -> 280;
      default -> throw new CgroupException("linux.resources.devices: cgroup v2 device rules need bpf(2), whose syscall number "
          + "burrow knows on x86_64 and aarch64 only, not on " + cpu);
    };
  }

  /**
   * Makes {@code program} the device filter of the cgroup2 directory {@code dir}: every program
   * attached for BPF_CGROUP_DEVICE before (burrow's previous one, on update) is detached once the
   * new one is attached. Errors name the cgroup; a program the kernel refuses carries the
   * verifier's log.
   */
  public static void installDeviceFilter(Path dir, DeviceFilter.Program program) throws CgroupException {
    try (Fd cgroup = openCgroup(dir)) {
      int[] old = attachedIds(cgroup, dir);
      try (Fd prog = load(program, dir)) {
        attach(cgroup, prog, dir);
      }
      for (int id : old) {
        Fd oldProg = programById(id, dir);
        if (oldProg == null) {
          continue; // gone meanwhile, or not ours to open (runc skips those too: another program can only deny more)
        }
        try (oldProg) {
          detach(cgroup, oldProg, dir);
        }
      }
    }
  }

  /** The programs attached to {@code dir} for BPF_CGROUP_DEVICE (its own, not its ancestors'). */
  public static List<ProgramInfo> attachedPrograms(Path dir) throws CgroupException {
    List<ProgramInfo> out = new ArrayList<>();
    try (Fd cgroup = openCgroup(dir)) {
      for (int id : attachedIds(cgroup, dir)) {
        Fd prog = programById(id, dir);
        if (prog != null) {
          try (prog) {
            out.add(info(prog));
          }
        }
      }
    }
    return out;
  }

  static Fd openCgroup(Path dir) throws CgroupException {
    // O_RDONLY opens a directory; O_DIRECTORY's value differs between x86_64 and aarch64.
    int fd = Native.posix().open(dir.toString(), Native.O_RDONLY | Native.O_CLOEXEC, 0);
    if (fd < 0) {
      throw new CgroupException("linux.resources.devices: " + Native.error("cannot open cgroup " + dir));
    }
    return new Fd(fd, "cgroup " + dir);
  }

  /**
   * BPF_PROG_LOAD of {@code program} as a CGROUP_DEVICE program named {@link #PROGRAM_NAME}. A
   * refusal is retried once with the verifier's log (asked for only then: a log too small for a
   * good program's trace would fail its load with ENOSPC), and the log goes into the error.
   */
  static Fd load(DeviceFilter.Program program, Path dir) throws CgroupException {
    long nr = syscallNumber();
    Pointer insns = Memory.allocateDirect(Native.runtime(), program.instructions().length, true);
    insns.put(0, program.instructions(), 0, program.instructions().length);
    Pointer license = cString(LICENSE);
    Pointer attr = Memory.allocateDirect(Native.runtime(), 72, true);
    attr.putInt(0, BPF_PROG_TYPE_CGROUP_DEVICE);
    attr.putInt(4, program.count());
    attr.putLong(8, insns.address());
    attr.putLong(16, license.address());
    byte[] name = PROGRAM_NAME.getBytes(StandardCharsets.US_ASCII);
    attr.put(48, name, 0, name.length); // char prog_name[16], NUL-padded by the cleared buffer
    long fd = Native.libc().syscall(nr, BPF_PROG_LOAD, attr, 72);
    if (fd >= 0) {
      Reference.reachabilityFence(insns);
      Reference.reachabilityFence(license);
      return new Fd((int) fd, "device program for cgroup " + dir);
    }
    String firstError = Native.error("BPF_PROG_LOAD");
    Pointer log = Memory.allocateDirect(Native.runtime(), LOG_SIZE, true);
    attr.putInt(24, 1); // log_level
    attr.putInt(28, LOG_SIZE);
    attr.putLong(32, log.address());
    fd = Native.libc().syscall(nr, BPF_PROG_LOAD, attr, 72);
    Reference.reachabilityFence(insns);
    Reference.reachabilityFence(license);
    if (fd >= 0) {
      // Refused once, taken with the log asked for: a transient refusal (memory). Keep the program.
      return new Fd((int) fd, "device program for cgroup " + dir);
    }
    String text = log.getString(0, LOG_SIZE, StandardCharsets.UTF_8).strip();
    Reference.reachabilityFence(log);
    if (text.length() > LOG_KEPT) {
      text = "..." + text.substring(text.length() - LOG_KEPT);
    }
    throw new CgroupException("linux.resources.devices: the kernel refused the device program for cgroup " + dir + " ("
        + program.rules() + " rules, " + program.count() + " instructions): " + firstError
        + "; verifier log:\n" + (text.isEmpty() ? "(empty)" : text));
  }

  static void attach(Fd cgroup, Fd prog, Path dir) throws CgroupException {
    attach(cgroup, prog, dir, BPF_F_ALLOW_MULTI);
  }

  /** BPF_PROG_ATTACH with a given flag word (0 is a program that forbids programs below it: tests use that). */
  static void attach(Fd cgroup, Fd prog, Path dir, int flags) throws CgroupException {
    if (attachCall(BPF_PROG_ATTACH, cgroup, prog, flags) < 0) {
      throw new CgroupException("linux.resources.devices: " + Native.error("cannot attach the device program to cgroup " + dir
          + " (BPF_PROG_ATTACH, BPF_CGROUP_DEVICE" + (flags == BPF_F_ALLOW_MULTI ? ", BPF_F_ALLOW_MULTI)" : ", flags " + flags + ")")));
    }
  }

  static void detach(Fd cgroup, Fd prog, Path dir) throws CgroupException {
    if (attachCall(BPF_PROG_DETACH, cgroup, prog, 0) < 0) {
      throw new CgroupException("linux.resources.devices: " + Native.error(
          "cannot detach the old device program from cgroup " + dir + " (BPF_PROG_DETACH)"));
    }
  }

  private static long attachCall(int cmd, Fd cgroup, Fd prog, int flags) throws CgroupException {
    long nr = syscallNumber();
    // target_fd, attach_bpf_fd, attach_type, attach_flags, replace_bpf_fd
    Pointer attr = Memory.allocateDirect(Native.runtime(), 20, true);
    attr.putInt(0, cgroup.fd());
    attr.putInt(4, prog.fd());
    attr.putInt(8, BPF_CGROUP_DEVICE);
    attr.putInt(12, flags);
    return Native.libc().syscall(nr, cmd, attr, 20);
  }

  /** BPF_PROG_QUERY: the ids of the cgroup's own BPF_CGROUP_DEVICE programs; ENOSPC gives the count to retry with. */
  static int[] attachedIds(Fd cgroup, Path dir) throws CgroupException {
    long nr = syscallNumber();
    int size = 64; // the kernel's BPF_CGROUP_MAX_PROGS
    for (int attempt = 0; attempt < 10; attempt++) {
      Pointer ids = Memory.allocateDirect(Native.runtime(), size * 4, true);
      // target_fd, attach_type, query_flags, attach_flags, prog_ids (u64), prog_cnt
      Pointer attr = Memory.allocateDirect(Native.runtime(), 32, true);
      attr.putInt(0, cgroup.fd());
      attr.putInt(4, BPF_CGROUP_DEVICE);
      attr.putLong(16, ids.address());
      attr.putInt(24, size);
      long rc = Native.libc().syscall(nr, BPF_PROG_QUERY, attr, 32);
      int count = attr.getInt(24);
      if (rc < 0) {
        if (Native.errno() == ENOSPC) {
          size = Math.max(count, size * 2);
          continue;
        }
        throw new CgroupException("linux.resources.devices: " + Native.error(
            "cannot list the device programs of cgroup " + dir + " (BPF_PROG_QUERY)"));
      }
      int[] out = new int[count];
      for (int i = 0; i < count; i++) {
        out[i] = ids.getInt(i * 4L);
      }
      Reference.reachabilityFence(ids);
      return out;
    }
    throw new CgroupException("linux.resources.devices: the device programs of cgroup " + dir
        + " kept changing while they were listed (BPF_PROG_QUERY)");
  }

  /** BPF_PROG_GET_FD_BY_ID; null when the program is gone (ENOENT) or may not be opened (EPERM, EACCES: an LSM). */
  static Fd programById(int id, Path dir) throws CgroupException {
    Pointer attr = Memory.allocateDirect(Native.runtime(), 12, true);
    attr.putInt(0, id);
    long fd = Native.libc().syscall(syscallNumber(), BPF_PROG_GET_FD_BY_ID, attr, 12);
    if (fd < 0) {
      int errno = Native.errno();
      if (errno == ENOENT || errno == EPERM || errno == EACCES) {
        return null;
      }
      throw new CgroupException("linux.resources.devices: " + Native.error(
          "cannot open device program " + id + " of cgroup " + dir + " (BPF_PROG_GET_FD_BY_ID)"));
    }
    return new Fd((int) fd, "device program " + id + " of cgroup " + dir);
  }

  /** BPF_OBJ_GET_INFO_BY_FD: the id, type and name of a program. */
  static ProgramInfo info(Fd prog) throws CgroupException {
    int infoLen = 80; // struct bpf_prog_info up to and including name[16]
    Pointer info = Memory.allocateDirect(Native.runtime(), infoLen, true);
    Pointer attr = Memory.allocateDirect(Native.runtime(), 16, true);
    attr.putInt(0, prog.fd());
    attr.putInt(4, infoLen);
    attr.putLong(8, info.address());
    if (Native.libc().syscall(syscallNumber(), BPF_OBJ_GET_INFO_BY_FD, attr, 16) < 0) {
      throw new CgroupException("linux.resources.devices: " + Native.error(
          "cannot read the program info of " + prog.description() + " (BPF_OBJ_GET_INFO_BY_FD)"));
    }
    ProgramInfo result = new ProgramInfo(info.getInt(4), info.getInt(0), info.getString(64, 16, StandardCharsets.US_ASCII));
    Reference.reachabilityFence(info);
    return result;
  }

  private static Pointer cString(String s) {
    byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
    Pointer p = Memory.allocateDirect(Native.runtime(), bytes.length + 1, true);
    p.put(0, bytes, 0, bytes.length);
    return p;
  }
}
