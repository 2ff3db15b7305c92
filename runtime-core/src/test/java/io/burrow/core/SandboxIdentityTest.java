package io.burrow.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.burrow.api.spec.IdMapping;
import io.burrow.api.spec.Linux;
import io.burrow.api.spec.Spec;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The ids a confined sandbox drops to, from the spec's user namespace and its mappings. */
class SandboxIdentityTest {
  private static Spec spec(boolean userNs, List<IdMapping> uids, List<IdMapping> gids) {
    Spec spec = new Spec();
    spec.linux = new Linux();
    spec.linux.namespaces = new ArrayList<>(List.of(new Linux.Namespace("pid", null), new Linux.Namespace("mount", null)));
    if (userNs) {
      spec.linux.namespaces.add(new Linux.Namespace("user", null));
    }
    spec.linux.uidMappings = uids;
    spec.linux.gidMappings = gids;
    return spec;
  }

  @Test
  void withoutAUserNamespaceTheSandboxIsNobody() {
    assertThat(Sandbox.unprivilegedId(spec(false, null, null))).hasValue(65534);
  }

  @Test
  void aNamespaceThatMapsNobodyGivesNobody() {
    List<IdMapping> full = List.of(new IdMapping(0, 100000, 65536));
    assertThat(Sandbox.unprivilegedId(spec(true, full, full))).hasValue(65534);
  }

  @Test
  void otherwiseTheHighestIdMappedAsBothAUidAndAGid() {
    List<IdMapping> uids = List.of(new IdMapping(0, 1000, 1), new IdMapping(1, 100000, 2000));
    List<IdMapping> gids = List.of(new IdMapping(0, 1000, 1), new IdMapping(1, 100000, 1000));
    assertThat(Sandbox.unprivilegedId(spec(true, uids, gids))).hasValue(1000);
  }

  @Test
  void rootAloneOrAJoinedNamespaceLeavesTheIdsAsTheyAre() {
    List<IdMapping> root = List.of(new IdMapping(0, 1000, 1));
    assertThat(Sandbox.unprivilegedId(spec(true, root, root))).isEqualTo(OptionalInt.empty());
    assertThat(Sandbox.unprivilegedId(spec(true, null, null))).isEqualTo(OptionalInt.empty());
  }
}
