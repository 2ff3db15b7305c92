package io.burrow.api.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Proves the small rules of the spec model: namespace types map to the kernel's clone flags and
 * {@code /proc/PID/ns} names, and a mount is a bind mount by type or by option, exactly as runc decides.
 */
class SpecModelTest {
  @Test
  void namespaceTypesCarryTheKernelsFlagsAndProcNames() {
    assertThat(NamespaceType.fromSpec("user")).contains(NamespaceType.USER);
    assertThat(NamespaceType.fromSpec("mount")).contains(NamespaceType.MOUNT);
    assertThat(NamespaceType.MOUNT.procName()).isEqualTo("mnt");
    assertThat(NamespaceType.NETWORK.procName()).isEqualTo("net");
    assertThat(NamespaceType.MOUNT.cloneFlag()).isEqualTo(0x00020000); // CLONE_NEWNS
    assertThat(NamespaceType.USER.cloneFlag()).isEqualTo(0x10000000); // CLONE_NEWUSER
    assertThat(NamespaceType.PID.cloneFlag()).isEqualTo(0x20000000);
    assertThat(NamespaceType.NETWORK.cloneFlag()).isEqualTo(0x40000000);
    assertThat(NamespaceType.IPC.cloneFlag()).isEqualTo(0x08000000);
    assertThat(NamespaceType.UTS.cloneFlag()).isEqualTo(0x04000000);
    assertThat(NamespaceType.CGROUP.cloneFlag()).isEqualTo(0x02000000);
    assertThat(NamespaceType.TIME.cloneFlag()).isEqualTo(0x00000080);
  }

  @Test
  void namespaceSpecNamesAreUniqueAndFlagsDistinct() {
    assertThat(Arrays.stream(NamespaceType.values()).map(NamespaceType::specName)).doesNotHaveDuplicates();
    assertThat(Arrays.stream(NamespaceType.values()).map(NamespaceType::cloneFlag)).doesNotHaveDuplicates();
    for (NamespaceType t : NamespaceType.values()) {
      assertThat(NamespaceType.fromSpec(t.specName())).contains(t);
      assertThat(Integer.bitCount(t.cloneFlag())).as(t.name()).isEqualTo(1);
    }
  }

  @Test
  void unknownOrProcStyleNamespaceNamesAreNotSpecNames() {
    assertThat(NamespaceType.fromSpec("mnt")).isEmpty();
    assertThat(NamespaceType.fromSpec("net")).isEmpty();
    assertThat(NamespaceType.fromSpec("USER")).isEmpty();
    assertThat(NamespaceType.fromSpec(null)).isEmpty();
  }

  @Test
  void mountIsBindByTypeOrByOption() {
    assertThat(new Mount("/a", "bind", "/src", null).isBind()).isTrue();
    assertThat(new Mount("/a", "none", "/src", List.of("rbind", "ro")).isBind()).isTrue();
    assertThat(new Mount("/a", null, "/src", List.of("bind")).isBind()).isTrue();
    assertThat(new Mount("/a", "tmpfs", "tmpfs", List.of("nosuid", "mode=755")).isBind()).isFalse();
    assertThat(new Mount("/a", "proc", "proc", null).isBind()).isFalse();
    assertThat(new Mount("/a", null, null, null).isBind()).isFalse();
    // An option that merely contains the word is not a bind option.
    assertThat(new Mount("/a", "tmpfs", "x", List.of("rbindx", "nobind")).isBind()).isFalse();
  }

  @Test
  void idMappingProcLine() {
    assertThat(new IdMapping(0, 100000, 65536).toProcLine()).isEqualTo("0 100000 65536");
  }
}
