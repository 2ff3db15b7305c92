package io.burrow.linux.cgroup;

import io.burrow.api.spi.CgroupManager.CgroupException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Compiles device rules into a {@code BPF_PROG_TYPE_CGROUP_DEVICE} program: cgroup v2's device
 * controller, the counterpart of runc's devicefilter package. The kernel runs the program on
 * every mknod and every open of a device node by a process of the cgroup, with the device's type,
 * major, minor and the accesses asked for; 0 means EPERM.
 *
 * <p>Semantics, as runc's generator (which emits the rules in reverse order): the last rule that
 * matches the device decides; a device no rule matches is denied, so a leading type-{@code a}
 * rule sets the default ({@code allow: false} first is deny-by-default, as Docker's specs are).
 * The decision is taken for each access on its own: an open for reading and writing needs the
 * last rule naming {@code r} and the last naming {@code w} both to allow, so a later
 * {@code deny c 1:5 w} also stops an O_RDWR open that an earlier {@code allow c 1:5 rw} let
 * through (runc's old generator compared the access as a whole and missed that). Type
 * {@code a} means every device and access ({@link DeviceRule}).
 *
 * <p>Pure and stateless: it builds bytes, it loads nothing ({@link CgroupBpf} does).
 */
public final class DeviceFilter {
  /** struct bpf_cgroup_dev_ctx: access_type is (BPF_DEVCG_ACC_* &lt;&lt; 16) | BPF_DEVCG_DEV_*. */
  static final int ACC_MKNOD = 1, ACC_READ = 2, ACC_WRITE = 4;
  static final int DEV_BLOCK = 1, DEV_CHAR = 2;

  // Opcodes (include/uapi/linux/bpf.h, bpf_common.h).
  private static final int LDX_MEM_W = 0x61;
  private static final int ALU32_AND_K = 0x54, ALU32_RSH_K = 0x74, ALU32_MOV_K = 0xb4;
  private static final int ALU64_MOV_X = 0xbf, ALU64_AND_K = 0x57, ALU64_XOR_X = 0xaf;
  private static final int JMP_JA = 0x05, JMP_JEQ_K = 0x15, JMP_JNE_K = 0x55, JMP_EXIT = 0x95;
  private static final int R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5;

  /**
   * A compiled program: {@code instructions} is an array of struct bpf_insn in this machine's
   * byte order; {@code rules} is how many rules it was made from (for messages).
   */
  public record Program(byte[] instructions, int rules) {
    /** The number of 8-byte instructions. */
    public int count() {
      return instructions.length / 8;
    }
  }

  private DeviceFilter() {}

  /** The program for {@code rules} in spec order (the spec's, then runc's defaults); fails only on a program too large for BPF's jumps. */
  public static Program compile(List<DeviceRule> rules) throws CgroupException {
    Asm a = new Asm();
    // r2 = device type, r3 = accesses asked for, r4 = major, r5 = minor; r0 is the scratch register.
    a.emit(LDX_MEM_W, R2, R1, 0, 0);
    a.emit(ALU32_AND_K, R2, 0, 0, 0xFFFF);
    a.emit(LDX_MEM_W, R3, R1, 0, 0);
    a.emit(ALU32_RSH_K, R3, 0, 0, 16);
    a.emit(LDX_MEM_W, R4, R1, 4, 0);
    a.emit(LDX_MEM_W, R5, R1, 8, 0);
    for (int bit : new int[] {ACC_MKNOD, ACC_READ, ACC_WRITE}) {
      // One section per access: skipped when not asked for, otherwise it denies (exit 0) or falls through to the next.
      Label allowed = new Label();
      a.emit(ALU64_MOV_X, R0, R3, 0, 0);
      a.emit(ALU64_AND_K, R0, 0, 0, bit);
      a.jump(JMP_JEQ_K, R0, 0, 0, allowed);
      boolean decided = false;
      for (int i = rules.size() - 1; i >= 0 && !decided; i--) {
        DeviceRule r = rules.get(i);
        if (!r.covers(bit)) {
          continue;
        }
        if (r.type() == 'a') {
          // Matches everything: the rules before it cannot be reached for this access.
          decide(a, r.allow(), allowed);
          decided = true;
          continue;
        }
        Label next = new Label();
        compareOrSkip(a, R2, r.type() == 'b' ? DEV_BLOCK : DEV_CHAR, next);
        if (r.major() != DeviceRule.ANY) {
          compareOrSkip(a, R4, r.major(), next);
        }
        if (r.minor() != DeviceRule.ANY) {
          compareOrSkip(a, R5, r.minor(), next);
        }
        decide(a, r.allow(), allowed);
        a.bind(next, rules.size());
      }
      if (!decided) {
        decide(a, false, allowed); // no rule matched: denied
      }
      a.bind(allowed, rules.size());
    }
    a.emit(ALU32_MOV_K, R0, 0, 0, 1);
    a.emit(JMP_EXIT, 0, 0, 0, 0);
    return new Program(a.bytes(), rules.size());
  }

  private static void decide(Asm a, boolean allow, Label allowed) {
    if (allow) {
      a.jump(JMP_JA, 0, 0, 0, allowed);
    } else {
      a.emit(ALU32_MOV_K, R0, 0, 0, 0);
      a.emit(JMP_EXIT, 0, 0, 0, 0);
    }
  }

  /**
   * if (reg != value) goto next, on a copy: r0 = (u32) value; r0 ^= reg; if r0 != 0 goto next.
   * Two reasons for the copy. A 64-bit compare's immediate is sign-extended, and the registers
   * hold zero-extended u32s, so numbers past 2^31 would never match; a 32-bit mov zero-extends.
   * And the verifier learns a register's value on the branch where a compare of that register
   * holds: comparing the context registers themselves gives it a different state after every
   * matching rule, which it then walks through all the later rules (quadratic: 2000 rules hit
   * its 1M-instruction limit). The copy keeps r2..r5 unknown, so the paths merge.
   */
  private static void compareOrSkip(Asm a, int reg, long value, Label next) {
    a.emit(ALU32_MOV_K, R0, 0, 0, (int) value);
    a.emit(ALU64_XOR_X, R0, reg, 0, 0);
    a.jump(JMP_JNE_K, R0, 0, 0, next);
  }

  /** A forward jump target: its position once bound, and the jumps waiting for it. */
  private static final class Label {
    final List<Integer> pending = new ArrayList<>();
  }

  /** Instructions as {code, dst, src, off, imm}, with forward jumps patched when their label is bound. */
  private static final class Asm {
    private final List<int[]> insns = new ArrayList<>();

    void emit(int code, int dst, int src, int off, int imm) {
      insns.add(new int[] {code, dst, src, off, imm});
    }

    void jump(int code, int dst, int src, int imm, Label target) {
      target.pending.add(insns.size());
      emit(code, dst, src, 0, imm);
    }

    void bind(Label label, int rules) throws CgroupException {
      for (int at : label.pending) {
        int off = insns.size() - (at + 1);
        if (off > Short.MAX_VALUE) {
          throw new CgroupException("linux.resources.devices: " + rules + " rules make a device program whose jumps are "
              + "longer than BPF's 16-bit offsets allow; merge rules (wildcard majors or minors)");
        }
        insns.get(at)[3] = off;
      }
      label.pending.clear();
    }

    byte[] bytes() {
      ByteOrder order = ByteOrder.nativeOrder();
      ByteBuffer b = ByteBuffer.allocate(insns.size() * 8).order(order);
      for (int[] i : insns) {
        b.put((byte) i[0]);
        // struct bpf_insn's dst_reg:4, src_reg:4 bit-fields: the first one is the low nibble on little-endian.
        b.put((byte) (order == ByteOrder.LITTLE_ENDIAN ? (i[2] << 4) | i[1] : (i[1] << 4) | i[2]));
        b.putShort((short) i[3]);
        b.putInt(i[4]);
      }
      return b.array();
    }
  }
}
