package io.burrow.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.burrow.api.launch.InitPlan;
import io.burrow.api.launch.Opcode;
import io.burrow.api.spec.SpecIo;
import io.burrow.api.spi.LaunchException;
import io.burrow.api.spi.LaunchRequest;
import io.burrow.api.spi.ProcessId;
import io.burrow.api.spi.SeccompProgram;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compiler against the real libseccomp, and its programs installed by the real burrow-init
 * in front of real host programs (needs root).
 */
class LibSeccompCompilerTest {
  private final LibSeccompCompiler compiler = new LibSeccompCompiler();
  private final ProcfsProcessControl processes = new ProcfsProcessControl();
  private final ExecHelperLauncher launcher =
      new ExecHelperLauncher(ExecHelper.fromSystemProperty(), new ProcIdMapper(), processes);

  @TempDir Path dir;

  static JsonNode json(String text) throws Exception {
    return SpecIo.MAPPER.readTree(text.replace('\'', '"'));
  }

  static JsonNode dockerDefault() throws Exception {
    try (InputStream in = LibSeccompCompilerTest.class.getResourceAsStream("/docker-default-seccomp.json")) {
      return SpecIo.MAPPER.readTree(in);
    }
  }

  /** Runs {@code sh -c script} on the host behind {@code program}; returns its exit status. */
  private int runBehind(SeccompProgram program, String script) throws Exception {
    InitPlan plan = InitPlan.builder()
        .op(Opcode.ENV, "PATH=/usr/bin:/bin")
        .op(Opcode.RESOLVE_EXEC, "sh")
        .op(Opcode.SECCOMP, program.bpfHex(), Long.toString(program.flags()))
        .op(Opcode.READY)
        .op(Opcode.EXEC, "sh", "-c", script)
        .build();
    ProcessId p = launcher.launch(new LaunchRequest("seccomp test", plan, List.of(), List.of(), List.of()));
    return processes.waitForExit(p);
  }

  @Test
  void noSeccompObjectIsNoProgram() throws Exception {
    assertThat(compiler.compile(null)).isEmpty();
    assertThat(compiler.compile(json("null"))).isEmpty();
  }

  @Test
  void dockersDefaultProfileCompilesWithItsOtherArchitecturesCalls() throws Exception {
    SeccompProgram program = compiler.compile(dockerDefault()).orElseThrow();
    assertThat(program.bpf().length % 8).isZero();
    assertThat(program.flags()).isZero();
    assertThat(program.listenerPath()).isEmpty();
    String pfc = compiler.pfc(dockerDefault());
    // x86_64, i386 and x32 each get their section; socketcall exists on i386 only.
    assertThat(pfc).contains("filter for arch x86_64 (").contains("filter for arch x86 (").contains("filter for arch x32 (")
        .contains("\"socketcall\"").contains("\"read\"");
    assertThat(pfc).doesNotContain("\"mount\"").doesNotContain("\"keyctl\"").doesNotContain("\"unshare\"");
    // personality(0x20008) is allowed by argument value only.
    assertThat(pfc).contains("if ($a0.lo32 == 131080)");
  }

  @Test
  void errnoRuleReturnsItsErrnoRetAndOtherCallsRun() throws Exception {
    Path target = dir.resolve("made");
    Path out = dir.resolve("out");
    SeccompProgram p = compiler.compile(json("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
        + "{'names':['mkdir','mkdirat'],'action':'SCMP_ACT_ERRNO','errnoRet':38}]}")).orElseThrow();
    int status = runBehind(p, "mkdir " + target + " 2> " + out + "; echo status $? >> " + out);
    assertThat(status).isZero();
    assertThat(Files.readString(out)).contains("Function not implemented").contains("status 1");
    assertThat(target).doesNotExist();
  }

  @Test
  void killProcessKillsTheProgramWithSigsys() throws Exception {
    SeccompProgram kill = compiler.compile(json("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
        + "{'names':['uname'],'action':'SCMP_ACT_KILL_PROCESS'}]}")).orElseThrow();
    assertThat(runBehind(kill, "exec uname")).isEqualTo(128 + 31);
    assertThat(runBehind(kill, "exec true")).isZero();
  }

  @Test
  void argumentConditionsSelectTheCall() throws Exception {
    Path out = dir.resolve("out");
    // umask(0777) fails with EACCES, any other umask passes: the shell's umask builtin shows it.
    SeccompProgram p = compiler.compile(json("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
        + "{'names':['umask'],'action':'SCMP_ACT_ERRNO','errnoRet':13,"
        + "'args':[{'index':0,'value':511,'op':'SCMP_CMP_EQ'}]}]}")).orElseThrow();
    String pfc = compiler.pfc(json("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
        + "{'names':['umask'],'action':'SCMP_ACT_ERRNO','errnoRet':13,"
        + "'args':[{'index':0,'value':511,'op':'SCMP_CMP_EQ'}]}]}"));
    assertThat(pfc).contains("if ($a0.lo32 == 511)").contains("action ERRNO(13)");
    assertThat(p.bpf().length).isGreaterThan(8);
    String masked = compiler.pfc(json("{'defaultAction':'SCMP_ACT_ERRNO','syscalls':["
        + "{'names':['personality'],'action':'SCMP_ACT_ALLOW','args':["
        + "{'index':0,'value':255,'valueTwo':8,'op':'SCMP_CMP_MASKED_EQ'}]},"
        + "{'names':['clone'],'action':'SCMP_ACT_ALLOW','args':["
        + "{'index':0,'value':5,'op':'SCMP_CMP_GT'},{'index':0,'value':9,'op':'SCMP_CMP_LT'}]}]}"));
    assertThat(masked).as(masked).contains("if ($a0.lo32 & 0x000000ff == 8)");
    // Two conditions on one argument are two rules, as runc makes them.
    assertThat(masked).contains("if ($a0.lo32 > 5)").contains("if ($a0.lo32 >= 9)");
    assertThat(runBehind(p, "umask 022 && echo ok > " + out)).isZero();
    assertThat(Files.readString(out).trim()).isEqualTo("ok");
  }

  @Test
  void filterFlagsAndNotifyListener() throws Exception {
    SeccompProgram p = compiler.compile(json("{'defaultAction':'SCMP_ACT_ALLOW','flags':["
        + "'SECCOMP_FILTER_FLAG_LOG','SECCOMP_FILTER_FLAG_SPEC_ALLOW'],'listenerPath':'/run/agent.sock',"
        + "'listenerMetadata':'meta','syscalls':[{'names':['mkdir'],'action':'SCMP_ACT_NOTIFY'}]}")).orElseThrow();
    assertThat(p.flags()).isEqualTo(SeccompProgram.FLAG_LOG | SeccompProgram.FLAG_SPEC_ALLOW
        | SeccompProgram.FLAG_NEW_LISTENER);
    assertThat(p.listenerPath()).contains("/run/agent.sock");
    assertThat(p.listenerMetadata()).isEqualTo("meta");
    SeccompProgram tsync = compiler.compile(json("{'defaultAction':'SCMP_ACT_ALLOW','flags':['SECCOMP_FILTER_FLAG_TSYNC'],"
        + "'listenerPath':'/run/agent.sock','syscalls':[{'names':['mkdir'],'action':'SCMP_ACT_NOTIFY'}]}")).orElseThrow();
    assertThat(tsync.flags()).isEqualTo(SeccompProgram.FLAG_TSYNC | SeccompProgram.FLAG_TSYNC_ESRCH
        | SeccompProgram.FLAG_NEW_LISTENER);
  }

  @Test
  void supportListsWhatCompiles() {
    var support = compiler.support();
    assertThat(support.actions()).contains("SCMP_ACT_NOTIFY", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_LOG");
    assertThat(support.operators()).hasSize(7).contains("SCMP_CMP_MASKED_EQ");
    assertThat(support.architectures()).contains("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64")
        .doesNotContain("SCMP_ARCH_SHEB_BOGUS");
  }

  @Test
  void badInputNamesTheField() throws Exception {
    ObjectNode docker = (ObjectNode) dockerDefault();
    ((ObjectNode) docker.get("syscalls").get(3)).putArray("names").add("no_such_syscall");
    assertThatThrownBy(() -> compiler.compile(docker)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("linux.seccomp.syscalls[3].names[0]: unknown syscall 'no_such_syscall'");
    assertBad("{'defaultAction':'SCMP_ACT_ALLOW','architectures':['SCMP_ARCH_VAX']}",
        "linux.seccomp.architectures[0]: unsupported architecture \"SCMP_ARCH_VAX\"");
    assertBad("{'defaultAction':'SCMP_ACT_BOGUS'}", "linux.seccomp.defaultAction: unknown action 'SCMP_ACT_BOGUS'");
    assertBad("{}", "linux.seccomp.defaultAction: required");
    assertBad("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],'action':'SCMP_ACT_NOPE'}]}",
        "linux.seccomp.syscalls[0].action: unknown action 'SCMP_ACT_NOPE'");
    assertBad("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],'action':'SCMP_ACT_ERRNO',"
        + "'args':[{'index':0,'value':1,'op':'SCMP_CMP_ALMOST'}]}]}", "linux.seccomp.syscalls[0].args[0].op: expected one of");
    assertBad("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],'action':'SCMP_ACT_ERRNO',"
        + "'args':[{'index':6,'value':1,'op':'SCMP_CMP_EQ'}]}]}", "linux.seccomp.syscalls[0].args[0].index: a syscall has arguments 0 to 5");
    assertBad("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],'action':'SCMP_ACT_ERRNO',"
        + "'args':[{'index':0,'value':-1,'op':'SCMP_CMP_EQ'}]}]}", "linux.seccomp.syscalls[0].args[0].value: expected an unsigned 64-bit integer");
    assertBad("{'defaultAction':'SCMP_ACT_ALLOW','flags':['SECCOMP_FILTER_FLAG_FAST']}", "linux.seccomp.flags[0]: unknown flag");
    assertBad("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['mkdir'],'action':'SCMP_ACT_NOTIFY'}]}",
        "linux.seccomp.listenerPath: required");
    assertBad("{'defaultAction':'SCMP_ACT_NOTIFY'}", "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be");
    assertBad("{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':70000}", "linux.seccomp.defaultErrnoRet: an errno is at most");
  }

  private void assertBad(String profile, String messageStart) throws Exception {
    JsonNode node = json(profile);
    assertThatThrownBy(() -> compiler.compile(node)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(messageStart);
  }

  @Test
  void aProgramTheKernelRefusesFailsTheLaunch() {
    SeccompProgram bogus = new SeccompProgram(new byte[8], 0, java.util.Optional.empty(), "");
    assertThatThrownBy(() -> runBehind(bogus, "true")).isInstanceOf(LaunchException.class)
        .hasMessageContaining("SECCOMP").hasMessageContaining("seccomp filter");
  }
}
