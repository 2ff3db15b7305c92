package io.burrow.api.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Proves the exec helper's wire format byte by byte (u32 length prefix, then little-endian
 * code/argc/len+bytes per op, then a terminating u32 0), that arities are checked when an op is
 * built, and that an argument with a NUL byte (which C would silently truncate) is refused.
 */
class InitPlanTest {
  @Test
  void emptyPlanIsLengthFourThenZero() {
    byte[] bytes = InitPlan.builder().build().encode();
    assertThat(bytes).containsExactly(4, 0, 0, 0, 0, 0, 0, 0);
  }

  @Test
  void encodesOpsLittleEndianWithLengthPrefix() {
    InitPlan plan = InitPlan.builder()
        .op(Opcode.UNSHARE, "131072")
        .op(Opcode.FORK)
        .op(Opcode.EXEC, "echo", "h\u00e9")
        .build();
    byte[] bytes = plan.encode();

    ByteBuffer expected = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
    expected.putInt(0); // length, patched below
    expected.putInt(2).putInt(1).putInt(6).put("131072".getBytes(StandardCharsets.US_ASCII));
    expected.putInt(4).putInt(0);
    byte[] e = "h\u00e9".getBytes(StandardCharsets.UTF_8);
    expected.putInt(32).putInt(2).putInt(4).put("echo".getBytes(StandardCharsets.US_ASCII)).putInt(e.length).put(e);
    expected.putInt(0);
    int total = expected.position();
    expected.putInt(0, total - 4);
    assertThat(bytes).containsExactly(Arrays.copyOf(expected.array(), total));
    // UTF-8 length, not char count.
    assertThat(e.length).isEqualTo(3);
  }

  @Test
  void decodingTheWireFormatGivesBackTheOps() {
    InitPlan plan = InitPlan.builder()
        .mount(null, "/", null, 0x80000L | 0x4000L, null)
        .op(Opcode.SETGROUPS, List.of())
        .op(Opcode.SETGROUPS, List.of("1", "2", "3"))
        .op(Opcode.ENV, "A=")
        .mount("/src", "/dst", "", 0xFFFFFFFFFFFFFFFFL, "mode=755")
        .build();
    ByteBuffer in = ByteBuffer.wrap(plan.encode()).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(in.getInt()).isEqualTo(in.remaining());
    List<InitPlan.Op> decoded = new ArrayList<>();
    while (true) {
      int code = in.getInt();
      if (code == 0) {
        break;
      }
      Opcode opcode = Arrays.stream(Opcode.values()).filter(o -> o.code() == code).findFirst().orElseThrow();
      int argc = in.getInt();
      List<String> args = new ArrayList<>();
      for (int i = 0; i < argc; i++) {
        byte[] arg = new byte[in.getInt()];
        in.get(arg);
        args.add(new String(arg, StandardCharsets.UTF_8));
      }
      decoded.add(new InitPlan.Op(opcode, args));
    }
    assertThat(in.hasRemaining()).isFalse();
    assertThat(decoded).isEqualTo(plan.ops());
    // mount(): nulls become empty strings, flags unsigned decimal.
    assertThat(decoded.get(0).args()).containsExactly("", "/", "", Long.toString(0x84000L), "");
    assertThat(decoded.get(4).args().get(3)).isEqualTo("18446744073709551615");
  }

  @Test
  void opcodeNumbersAreUniqueAndNonZero() {
    assertThat(Arrays.stream(Opcode.values()).map(Opcode::code)).doesNotHaveDuplicates().doesNotContain(0);
    // The numbers are the contract with burrow-init.c; pin a few.
    assertThat(Opcode.SETNS.code()).isEqualTo(1);
    assertThat(Opcode.MOUNT.code()).isEqualTo(5);
    assertThat(Opcode.EXEC.code()).isEqualTo(32);
  }

  @Test
  void arityIsCheckedWhenTheOpIsBuilt() {
    assertThatThrownBy(() -> InitPlan.builder().op(Opcode.MOUNT, "a", "b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("MOUNT takes 5 arguments");
    assertThatThrownBy(() -> InitPlan.builder().op(Opcode.FORK, "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("FORK takes 0 arguments");
    assertThatThrownBy(() -> InitPlan.builder().op(Opcode.SETNS, "/proc/1/ns/net"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SETNS takes 2 arguments");
  }

  @Test
  void variableArityOpsTakeAnyCount() {
    InitPlan plan = InitPlan.builder().op(Opcode.EXEC, "a", "b", "c", "d").op(Opcode.SETGROUPS).build();
    assertThat(plan.ops()).extracting(op -> op.args().size()).containsExactly(4, 0);
  }

  @Test
  void nulInAnArgumentIsRefused() {
    InitPlan plan = InitPlan.builder().op(Opcode.ENV, "A=b\0c").build();
    assertThatThrownBy(plan::encode)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ENV")
        .hasMessageContaining("NUL");
  }

  @Test
  void builtPlanIsImmutable() {
    InitPlan.Builder builder = InitPlan.builder().op(Opcode.FORK);
    InitPlan plan = builder.build();
    builder.op(Opcode.READY);
    assertThat(plan.ops()).hasSize(1);
    assertThatThrownBy(() -> plan.ops().add(new InitPlan.Op(Opcode.READY, List.of())))
        .isInstanceOf(UnsupportedOperationException.class);
    List<String> args = new ArrayList<>(List.of("sh"));
    InitPlan.Op op = new InitPlan.Op(Opcode.EXEC, args);
    args.add("-c");
    assertThat(op.args()).containsExactly("sh");
  }

  @Test
  void toStringListsOneOpPerLine() {
    InitPlan plan = InitPlan.builder().op(Opcode.CHDIR, "/").op(Opcode.EXEC, "sh", "-c", "true").build();
    assertThat(plan.toString()).isEqualTo("CHDIR /\nEXEC sh -c true\n");
  }
}
