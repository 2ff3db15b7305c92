package io.burrow.api.spi;

import java.util.Optional;

/**
 * A compiled seccomp filter: the classic BPF program ({@code struct sock_filter[]}, 8 bytes an
 * instruction, in the host's byte order) and the flags for seccomp(SECCOMP_SET_MODE_FILTER).
 * When the profile has an {@code SCMP_ACT_NOTIFY} rule, {@link #flags()} includes
 * {@link #FLAG_NEW_LISTENER} and {@link #listenerPath()} names the agent's socket that gets the
 * listener fd. Immutable.
 *
 * @param listenerMetadata the spec's {@code listenerMetadata}, passed to the agent as is
 */
public record SeccompProgram(byte[] bpf, long flags, Optional<String> listenerPath, String listenerMetadata) {
  public static final long FLAG_TSYNC = 1;
  public static final long FLAG_LOG = 2;
  public static final long FLAG_SPEC_ALLOW = 4;
  public static final long FLAG_NEW_LISTENER = 8;
  public static final long FLAG_TSYNC_ESRCH = 16;
  public static final long FLAG_WAIT_KILLABLE_RECV = 32;

  public SeccompProgram {
    bpf = bpf.clone();
    if (bpf.length == 0 || bpf.length % 8 != 0) {
      throw new IllegalArgumentException("a BPF program is a non-empty multiple of 8 bytes, got " + bpf.length);
    }
    listenerMetadata = listenerMetadata == null ? "" : listenerMetadata;
  }

  @Override
  public byte[] bpf() {
    return bpf.clone();
  }

  /** The program as lower-case hex, as the SECCOMP op of an init plan carries it (plan arguments are C strings). */
  public String bpfHex() {
    return java.util.HexFormat.of().formatHex(bpf);
  }

  /** Whether the init must hand a listener fd back (an {@code SCMP_ACT_NOTIFY} rule). */
  public boolean wantsListener() {
    return (flags & FLAG_NEW_LISTENER) != 0;
  }
}
