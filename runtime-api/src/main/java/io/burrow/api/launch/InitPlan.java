package io.burrow.api.launch;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The ordered list of operations that turns the exec helper into a container init: everything
 * the runtime decided, written down for the helper to carry out. Immutable once built; build it
 * with {@link #builder()}.
 *
 * <p>Wire format, little-endian: for each op {@code u32 code, u32 argc, argc × (u32 len, bytes)},
 * then a {@code u32 0}. The whole plan is preceded by its {@code u32} byte length.
 */
public final class InitPlan {
  /** One operation and its string arguments. */
  public record Op(Opcode opcode, List<String> args) {
    public Op {
      args = List.copyOf(args);
      if (opcode.arity() >= 0 && args.size() != opcode.arity()) {
        throw new IllegalArgumentException(opcode + " takes " + opcode.arity() + " arguments, got " + args);
      }
    }

    @Override
    public String toString() {
      return opcode + " " + String.join(" ", args);
    }
  }

  private final List<Op> ops;

  private InitPlan(List<Op> ops) {
    this.ops = List.copyOf(ops);
  }

  public List<Op> ops() {
    return ops;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The plan in the helper's wire format, length prefix included. */
  public byte[] encode() {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (Op op : ops) {
      writeInt(body, op.opcode().code());
      writeInt(body, op.args().size());
      for (String arg : op.args()) {
        byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
        if (arg.indexOf('\0') >= 0) {
          throw new IllegalArgumentException("argument of " + op.opcode() + " contains a NUL byte: " + arg);
        }
        writeInt(body, bytes.length);
        body.writeBytes(bytes);
      }
    }
    writeInt(body, 0);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writeInt(out, body.size());
    out.writeBytes(body.toByteArray());
    return out.toByteArray();
  }

  private static void writeInt(ByteArrayOutputStream out, int v) {
    out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (Op op : ops) {
      sb.append(op).append('\n');
    }
    return sb.toString();
  }

  /** Accumulates ops in order. Not thread-safe. */
  public static final class Builder {
    private final List<Op> ops = new ArrayList<>();

    public Builder op(Opcode opcode, String... args) {
      ops.add(new Op(opcode, List.of(args)));
      return this;
    }

    public Builder op(Opcode opcode, List<String> args) {
      ops.add(new Op(opcode, args));
      return this;
    }

    public Builder mount(String source, String target, String fstype, long flags, String data) {
      return op(Opcode.MOUNT, nz(source), target, nz(fstype), Long.toUnsignedString(flags), nz(data));
    }

    /**
     * Enters the spec's user namespace: joins it when it has a path, otherwise creates it and has
     * the launcher write the spec's mappings (MAP_IDS). Nothing when the spec has no user
     * namespace. Every burrow process that runs as the container's users (gofer, sandbox,
     * init) starts with this.
     */
    public Builder enterUserNamespace(io.burrow.api.spec.Spec spec) {
      if (spec.linux == null || spec.linux.namespaces == null) {
        return this;
      }
      for (io.burrow.api.spec.Linux.Namespace ns : spec.linux.namespaces) {
        if (io.burrow.api.spec.NamespaceType.USER.specName().equals(ns.type)) {
          String flag = Integer.toString(io.burrow.api.spec.NamespaceType.USER.cloneFlag());
          if (ns.path != null && !ns.path.isEmpty()) {
            op(Opcode.SETNS, ns.path, flag);
          } else {
            op(Opcode.UNSHARE, flag);
            op(Opcode.MAP_IDS);
          }
        }
      }
      return this;
    }

    public InitPlan build() {
      return new InitPlan(ops);
    }

    private static String nz(String s) {
      return s == null ? "" : s;
    }
  }
}
