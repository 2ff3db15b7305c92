package io.burrow.linux.sys;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;

/**
 * jnr-ffi bindings for the part of libseccomp (Debian's libseccomp2) that burrow uses: build a
 * filter, resolve names, and export the BPF (namespace-linux's compiler of {@code linux.seccomp})
 * or load it into the calling process (the gofer's own filter). Load it with {@link #load()}. Thread-safe
 * as libseccomp is: one filter context is used by one thread, and the caller releases it with
 * {@link #seccomp_release}. Calls return a negative errno on failure (libseccomp does not set errno).
 */
public interface LibSeccomp {
  int SCMP_ACT_KILL_PROCESS = 0x80000000;
  int SCMP_ACT_KILL_THREAD = 0x00000000;
  int SCMP_ACT_TRAP = 0x00030000;
  int SCMP_ACT_ERRNO = 0x00050000;
  int SCMP_ACT_TRACE = 0x7ff00000;
  int SCMP_ACT_LOG = 0x7ffc0000;
  int SCMP_ACT_ALLOW = 0x7fff0000;
  int SCMP_ACT_NOTIFY = 0x7fc00000;
  /** enum scmp_compare: SCMP_CMP_NE = 1 … SCMP_CMP_MASKED_EQ = 7. */
  int SCMP_CMP_NE = 1;
  /** The value {@link #seccomp_syscall_resolve_name} returns for a name libseccomp knows on no architecture. */
  int NR_SCMP_ERROR = -1;
  /** sizeof(struct scmp_arg_cmp): unsigned int arg, enum scmp_compare op, scmp_datum_t datum_a, datum_b. */
  int ARG_CMP_SIZE = 24;
  /** enum scmp_filter_attr: SCMP_FLTATR_CTL_TSYNC, load the filter into every thread of the process. */
  int SCMP_FLTATR_CTL_TSYNC = 4;

  /** The library, loaded from the system's libseccomp.so.2. */
  static LibSeccomp load() {
    return LibraryLoader.create(LibSeccomp.class).failImmediately().load("seccomp");
  }

  /** scmp_filter_ctx, or NULL. */
  Pointer seccomp_init(int defAction);

  void seccomp_release(Pointer ctx);

  /** An arch token (AUDIT_ARCH_*), or 0 if libseccomp does not know the name. */
  int seccomp_arch_resolve_name(String name);

  int seccomp_arch_native();

  /** -EEXIST if the architecture is in the filter already (the native one always is). */
  int seccomp_arch_add(Pointer ctx, int archToken);

  /** The native syscall number, a negative pseudo number for a syscall of other architectures only, or {@link #NR_SCMP_ERROR}. */
  int seccomp_syscall_resolve_name(String name);

  /** args: argCount × struct scmp_arg_cmp ({@link #ARG_CMP_SIZE} bytes each); may be NULL when argCount is 0. */
  int seccomp_rule_add_array(Pointer ctx, int action, int syscall, int argCount, Pointer args);

  int seccomp_export_bpf(Pointer ctx, int fd);

  int seccomp_export_pfc(Pointer ctx, int fd);

  int seccomp_attr_set(Pointer ctx, int attr, int value);

  /** Installs the filter (seccomp(2) SECCOMP_SET_MODE_FILTER), with TSYNC if that attribute is set. */
  int seccomp_load(Pointer ctx);

  /** const struct scmp_version * { unsigned int major, minor, micro; }. */
  Pointer seccomp_version();
}
