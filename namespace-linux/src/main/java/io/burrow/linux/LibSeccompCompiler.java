package io.burrow.linux;

import io.burrow.linux.sys.LibSeccomp;
import io.burrow.linux.sys.Native;

import com.fasterxml.jackson.databind.JsonNode;
import io.burrow.api.spi.SeccompCompiler;
import io.burrow.api.spi.SeccompProgram;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Compiles {@code linux.seccomp} with libseccomp, as runc's libcontainer/seccomp does through
 * libseccomp-golang, and exports the classic BPF program for the init to install.
 *
 * <p>Why libseccomp rather than a syscall table typed into Java: libseccomp carries the
 * maintained syscall tables of every architecture (Docker's profile names i386 and x32 calls such
 * as {@code socketcall} or {@code clock_gettime64} next to the x86_64 ones), it knows which calls
 * are multiplexed on which architecture, it writes the architecture checks and the x32 ABI bit
 * tests correctly, and it is what runc, crun and Docker use, so a profile means the same here as
 * there. It is the one piece of policy-free machinery burrow borrows; which filter to install and
 * when stays in Java (runtime-core's planner).
 *
 * <p>Matches runc (libcontainer/seccomp/seccomp_linux.go): KILL is KILL_THREAD; ERRNO and TRACE
 * without {@code errnoRet} return EPERM; a rule whose action equals the default action is
 * skipped; conditions on distinct arguments form one rule, while two or more conditions on the
 * same argument become one rule each. Where burrow differs: a syscall name that libseccomp knows
 * on no architecture is an error naming the field (runc logs it at debug level and skips it),
 * because the issue treats it as bad input; a name known on another architecture only (e.g.
 * {@code socketcall} on x86_64) is accepted, as runc accepts it.
 *
 * <p>Thread-safe: every call builds and releases its own filter context.
 */
public final class LibSeccompCompiler implements SeccompCompiler {
  private static final String FIELD = "linux.seccomp";
  private static final Map<String, Integer> ACTIONS = new LinkedHashMap<>();
  private static final Map<String, Integer> OPERATORS = new LinkedHashMap<>();
  private static final Map<String, Long> FLAGS = new LinkedHashMap<>();
  /** The architectures of the runtime-spec; which of them this libseccomp knows is asked at run time. */
  private static final List<String> SPEC_ARCHES = List.of("SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",
      "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
      "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
      "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64",
      "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB");
  private static final int EPERM = 1;
  private static final int MFD_CLOEXEC = 1;
  private static final int MAX_ARGS = 6;

  static {
    ACTIONS.put("SCMP_ACT_KILL", LibSeccomp.SCMP_ACT_KILL_THREAD);
    ACTIONS.put("SCMP_ACT_KILL_PROCESS", LibSeccomp.SCMP_ACT_KILL_PROCESS);
    ACTIONS.put("SCMP_ACT_KILL_THREAD", LibSeccomp.SCMP_ACT_KILL_THREAD);
    ACTIONS.put("SCMP_ACT_TRAP", LibSeccomp.SCMP_ACT_TRAP);
    ACTIONS.put("SCMP_ACT_ERRNO", LibSeccomp.SCMP_ACT_ERRNO);
    ACTIONS.put("SCMP_ACT_TRACE", LibSeccomp.SCMP_ACT_TRACE);
    ACTIONS.put("SCMP_ACT_ALLOW", LibSeccomp.SCMP_ACT_ALLOW);
    ACTIONS.put("SCMP_ACT_LOG", LibSeccomp.SCMP_ACT_LOG);
    ACTIONS.put("SCMP_ACT_NOTIFY", LibSeccomp.SCMP_ACT_NOTIFY);
    String[] ops = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
        "SCMP_CMP_MASKED_EQ"};
    for (int i = 0; i < ops.length; i++) {
      OPERATORS.put(ops[i], LibSeccomp.SCMP_CMP_NE + i);
    }
    FLAGS.put("SECCOMP_FILTER_FLAG_TSYNC", SeccompProgram.FLAG_TSYNC);
    FLAGS.put("SECCOMP_FILTER_FLAG_LOG", SeccompProgram.FLAG_LOG);
    FLAGS.put("SECCOMP_FILTER_FLAG_SPEC_ALLOW", SeccompProgram.FLAG_SPEC_ALLOW);
    FLAGS.put("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SeccompProgram.FLAG_WAIT_KILLABLE_RECV);
  }

  private static final class Holder {
    static final LibSeccomp LIB = LibSeccomp.load();
  }

  private static LibSeccomp lib() {
    try {
      return Holder.LIB;
    } catch (LinkageError e) {
      throw new IllegalStateException("linux.seccomp needs libseccomp (libseccomp.so.2, Debian's libseccomp2): "
          + e.getMessage(), e);
    }
  }

  @Override
  public Optional<SeccompProgram> compile(JsonNode seccomp) {
    if (seccomp == null || seccomp.isNull() || seccomp.isMissingNode()) {
      return Optional.empty();
    }
    Built built = build(seccomp, false);
    return Optional.of(new SeccompProgram(built.exported(), built.flags(), built.listenerPath(), built.listenerMetadata()));
  }

  /** The filter of {@code seccomp} as libseccomp's pseudo-filter-code text, for tests and for debugging a profile. */
  public String pfc(JsonNode seccomp) {
    return new String(build(seccomp, true).exported(), java.nio.charset.StandardCharsets.US_ASCII);
  }

  /** What one libseccomp run produced: the exported program (BPF or pfc text) and the install flags. */
  private record Built(byte[] exported, long flags, Optional<String> listenerPath, String listenerMetadata) {}

  /** The compiled filter; with {@code pfc} its "program" is libseccomp's text instead of BPF. */
  private Built build(JsonNode seccomp, boolean pfc) {
    if (!seccomp.isObject()) {
      throw new IllegalArgumentException(FIELD + ": expected an object, got " + seccomp);
    }
    LibSeccomp lib = lib();
    Integer defaultErrno = optionalErrno(seccomp.get("defaultErrnoRet"), FIELD + ".defaultErrnoRet");
    JsonNode defaultNode = seccomp.get("defaultAction");
    if (defaultNode == null || !defaultNode.isTextual()) {
      throw new IllegalArgumentException(FIELD + ".defaultAction: required, one of " + ACTIONS.keySet());
    }
    int defaultAction = action(defaultNode.asText(), defaultErrno, FIELD + ".defaultAction");
    if (defaultAction == LibSeccomp.SCMP_ACT_NOTIFY) {
      throw new IllegalArgumentException(FIELD + ".defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
    }
    long flags = flags(seccomp.get("flags"));
    List<Integer> arches = arches(lib, seccomp.get("architectures"));
    Optional<String> listenerPath = optionalText(seccomp.get("listenerPath"), FIELD + ".listenerPath");
    String listenerMetadata = optionalText(seccomp.get("listenerMetadata"), FIELD + ".listenerMetadata").orElse("");

    Pointer ctx = lib.seccomp_init(defaultAction);
    if (ctx == null || ctx.address() == 0) {
      throw new IllegalArgumentException(FIELD + ".defaultAction: libseccomp refused " + defaultNode.asText());
    }
    try {
      for (int i = 0; i < arches.size(); i++) {
        int rc = lib.seccomp_arch_add(ctx, arches.get(i));
        if (rc < 0 && rc != -17 /* EEXIST: the native one is there from the start */) {
          throw new IllegalArgumentException(FIELD + ".architectures[" + i + "]: libseccomp cannot add it: "
              + strerror(-rc));
        }
      }
      boolean notify = false;
      JsonNode syscalls = seccomp.get("syscalls");
      if (syscalls != null && !syscalls.isNull()) {
        if (!syscalls.isArray()) {
          throw new IllegalArgumentException(FIELD + ".syscalls: expected an array, got " + syscalls);
        }
        for (int i = 0; i < syscalls.size(); i++) {
          notify |= addRules(lib, ctx, syscalls.get(i), FIELD + ".syscalls[" + i + "]", defaultAction);
        }
      }
      if (notify && listenerPath.isEmpty()) {
        throw new IllegalArgumentException(FIELD + ".listenerPath: required when a rule's action is SCMP_ACT_NOTIFY");
      }
      if (notify) {
        flags |= SeccompProgram.FLAG_NEW_LISTENER;
        if ((flags & SeccompProgram.FLAG_TSYNC) != 0) {
          // The kernel takes TSYNC with a listener only with TSYNC_ESRCH (the init has one thread anyway).
          flags |= SeccompProgram.FLAG_TSYNC_ESRCH;
        }
      }
      return new Built(export(ctx, pfc), flags, notify ? listenerPath : Optional.empty(), listenerMetadata);
    } finally {
      lib.seccomp_release(ctx);
    }
  }

  @Override
  public Support support() {
    List<String> arches = new ArrayList<>();
    LibSeccomp lib = lib();
    for (String arch : SPEC_ARCHES) {
      if (lib.seccomp_arch_resolve_name(libseccompArchName(arch)) != 0) {
        arches.add(arch);
      }
    }
    return new Support(List.copyOf(ACTIONS.keySet()), List.copyOf(OPERATORS.keySet()), arches,
        List.copyOf(FLAGS.keySet()));
  }

  /**
   * The filter flags this kernel takes, probed as runc probes them: seccomp(SET_MODE_FILTER) with
   * the flag and no program fails with EFAULT when the flag is known, EINVAL when not.
   * WAIT_KILLABLE_RECV is valid only with a listener, so it is probed with NEW_LISTENER.
   */
  public static List<String> kernelFlags() {
    List<String> known = new ArrayList<>();
    FLAGS.forEach((name, bit) -> {
      long probe = bit == SeccompProgram.FLAG_WAIT_KILLABLE_RECV ? bit | SeccompProgram.FLAG_NEW_LISTENER : bit;
      if (Native.libc().syscall(Native.SYS_SECCOMP, 1 /* SECCOMP_SET_MODE_FILTER */, probe, null) < 0
          && Native.errno() == Native.EFAULT) {
        known.add(name);
      }
    });
    return known;
  }

  /** libseccomp's version, "major.minor.micro". */
  public static String libraryVersion() {
    Pointer v = lib().seccomp_version();
    return v.getInt(0) + "." + v.getInt(4) + "." + v.getInt(8);
  }

  /** Adds the rules of one {@code syscalls[]} entry; true if its action is NOTIFY. */
  private static boolean addRules(LibSeccomp lib, Pointer ctx, JsonNode entry, String field, int defaultAction) {
    if (entry == null || !entry.isObject()) {
      throw new IllegalArgumentException(field + ": expected an object, got " + entry);
    }
    JsonNode actionNode = entry.get("action");
    if (actionNode == null || !actionNode.isTextual()) {
      throw new IllegalArgumentException(field + ".action: required, one of " + ACTIONS.keySet());
    }
    int action = action(actionNode.asText(), optionalErrno(entry.get("errnoRet"), field + ".errnoRet"),
        field + ".action");
    JsonNode names = entry.get("names");
    if (names == null || !names.isArray() || names.isEmpty()) {
      throw new IllegalArgumentException(field + ".names: required, a non-empty array of syscall names");
    }
    List<long[]> conditions = conditions(entry.get("args"), field + ".args");
    for (int n = 0; n < names.size(); n++) {
      String nameField = field + ".names[" + n + "]";
      JsonNode name = names.get(n);
      if (!name.isTextual() || name.asText().isEmpty()) {
        throw new IllegalArgumentException(nameField + ": expected a syscall name, got " + name);
      }
      int nr = lib.seccomp_syscall_resolve_name(name.asText());
      if (nr == LibSeccomp.NR_SCMP_ERROR) {
        throw new IllegalArgumentException(nameField + ": unknown syscall '" + name.asText()
            + "' (libseccomp " + libraryVersion() + " knows it on no architecture)");
      }
      if (action == defaultAction) {
        continue; // As runc: libseccomp refuses a rule that repeats the default action.
      }
      if (sharesAnArgument(conditions)) {
        // As runc: libseccomp ANDs conditions, and two on one argument would never both hold.
        for (long[] cond : conditions) {
          addRule(lib, ctx, action, nr, List.<long[]>of(cond), nameField);
        }
      } else {
        addRule(lib, ctx, action, nr, conditions, nameField);
      }
    }
    return action == LibSeccomp.SCMP_ACT_NOTIFY;
  }

  private static void addRule(LibSeccomp lib, Pointer ctx, int action, int nr, List<long[]> conditions, String field) {
    Pointer args = null;
    if (!conditions.isEmpty()) {
      args = Memory.allocateDirect(Native.runtime(), LibSeccomp.ARG_CMP_SIZE * conditions.size());
      for (int i = 0; i < conditions.size(); i++) {
        long[] c = conditions.get(i);
        long base = (long) i * LibSeccomp.ARG_CMP_SIZE;
        args.putInt(base, (int) c[0]);
        args.putInt(base + 4, (int) c[1]);
        args.putLong(base + 8, c[2]);
        args.putLong(base + 16, c[3]);
      }
    }
    int rc = lib.seccomp_rule_add_array(ctx, action, nr, conditions.size(), args);
    if (rc < 0) {
      throw new IllegalArgumentException(field + ": libseccomp cannot add the rule: " + strerror(-rc));
    }
  }

  private static boolean sharesAnArgument(List<long[]> conditions) {
    boolean[] seen = new boolean[MAX_ARGS];
    for (long[] c : conditions) {
      if (seen[(int) c[0]]) {
        return true;
      }
      seen[(int) c[0]] = true;
    }
    return false;
  }

  /** Each condition as {index, operator, value, valueTwo}. */
  private static List<long[]> conditions(JsonNode args, String field) {
    List<long[]> out = new ArrayList<>();
    if (args == null || args.isNull()) {
      return out;
    }
    if (!args.isArray()) {
      throw new IllegalArgumentException(field + ": expected an array, got " + args);
    }
    for (int i = 0; i < args.size(); i++) {
      String f = field + "[" + i + "]";
      JsonNode arg = args.get(i);
      if (!arg.isObject()) {
        throw new IllegalArgumentException(f + ": expected an object, got " + arg);
      }
      long index = u64(arg.get("index"), f + ".index", true);
      if (index >= MAX_ARGS) {
        throw new IllegalArgumentException(f + ".index: a syscall has arguments 0 to 5, got " + index);
      }
      JsonNode op = arg.get("op");
      Integer operator = op != null && op.isTextual() ? OPERATORS.get(op.asText()) : null;
      if (operator == null) {
        throw new IllegalArgumentException(f + ".op: expected one of " + OPERATORS.keySet() + ", got " + op);
      }
      out.add(new long[] {index, operator, u64(arg.get("value"), f + ".value", true),
          u64(arg.get("valueTwo"), f + ".valueTwo", false)});
    }
    return out;
  }

  private static long u64(JsonNode node, String field, boolean required) {
    if (node == null || node.isNull()) {
      if (required) {
        throw new IllegalArgumentException(field + ": required");
      }
      return 0;
    }
    if (!node.isIntegralNumber() || node.bigIntegerValue().signum() < 0 || node.bigIntegerValue().bitLength() > 64) {
      throw new IllegalArgumentException(field + ": expected an unsigned 64-bit integer, got " + node);
    }
    return node.bigIntegerValue().longValue();
  }

  private static int action(String name, Integer errno, String field) {
    Integer base = ACTIONS.get(name);
    if (base == null) {
      throw new IllegalArgumentException(field + ": unknown action '" + name + "', expected one of " + ACTIONS.keySet());
    }
    if (base == LibSeccomp.SCMP_ACT_ERRNO || base == LibSeccomp.SCMP_ACT_TRACE) {
      return base | ((errno == null ? EPERM : errno) & 0xffff);
    }
    return base;
  }

  private static Integer optionalErrno(JsonNode node, String field) {
    if (node == null || node.isNull()) {
      return null;
    }
    long v = u64(node, field, true);
    if (v > 0xffff) {
      throw new IllegalArgumentException(field + ": an errno is at most 65535, got " + v);
    }
    return (int) v;
  }

  private static Optional<String> optionalText(JsonNode node, String field) {
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    if (!node.isTextual()) {
      throw new IllegalArgumentException(field + ": expected a string, got " + node);
    }
    return node.asText().isEmpty() ? Optional.empty() : Optional.of(node.asText());
  }

  private static long flags(JsonNode node) {
    long flags = 0;
    if (node == null || node.isNull()) {
      return flags;
    }
    if (!node.isArray()) {
      throw new IllegalArgumentException(FIELD + ".flags: expected an array, got " + node);
    }
    for (int i = 0; i < node.size(); i++) {
      Long bit = node.get(i).isTextual() ? FLAGS.get(node.get(i).asText()) : null;
      if (bit == null) {
        throw new IllegalArgumentException(FIELD + ".flags[" + i + "]: unknown flag " + node.get(i)
            + ", expected one of " + FLAGS.keySet());
      }
      flags |= bit;
    }
    return flags;
  }

  private static List<Integer> arches(LibSeccomp lib, JsonNode node) {
    List<Integer> tokens = new ArrayList<>();
    if (node == null || node.isNull()) {
      return tokens;
    }
    if (!node.isArray()) {
      throw new IllegalArgumentException(FIELD + ".architectures: expected an array, got " + node);
    }
    for (int i = 0; i < node.size(); i++) {
      String field = FIELD + ".architectures[" + i + "]";
      JsonNode arch = node.get(i);
      int token = arch.isTextual() && arch.asText().startsWith("SCMP_ARCH_")
          ? lib.seccomp_arch_resolve_name(libseccompArchName(arch.asText())) : 0;
      if (token == 0) {
        throw new IllegalArgumentException(field + ": unsupported architecture " + arch + " (libseccomp "
            + libraryVersion() + " knows " + new LibSeccompCompiler().support().architectures() + ")");
      }
      tokens.add(token);
    }
    return tokens;
  }

  /** SCMP_ARCH_X86_64 → x86_64, the name seccomp_arch_resolve_name knows. */
  private static String libseccompArchName(String specName) {
    return specName.substring("SCMP_ARCH_".length()).toLowerCase(Locale.ROOT);
  }

  /** The filter exported through a memfd: BPF, or with {@code pfc} libseccomp's readable text. */
  private static byte[] export(Pointer ctx, boolean pfc) {
    int fd = Native.libc().memfd_create(pfc ? "seccomp-pfc" : "seccomp-bpf", MFD_CLOEXEC);
    if (fd < 0) {
      throw new IllegalStateException(Native.error("memfd_create for the seccomp program"));
    }
    try {
      int rc = pfc ? lib().seccomp_export_pfc(ctx, fd) : lib().seccomp_export_bpf(ctx, fd);
      if (rc < 0) {
        throw new IllegalArgumentException(FIELD + ": libseccomp cannot export the filter: " + strerror(-rc));
      }
      // A fresh open of the memfd reads from offset 0, whatever the export left the fd's offset at.
      return Files.readAllBytes(Path.of("/proc/self/fd/" + fd));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the exported seccomp program: " + e.getMessage(), e);
    } finally {
      Native.libc().close(fd);
    }
  }

  private static String strerror(int errno) {
    return Native.strerror(errno) + " (errno " + errno + ")";
  }
}
