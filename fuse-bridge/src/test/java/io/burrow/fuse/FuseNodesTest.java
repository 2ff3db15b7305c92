package io.burrow.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The node table's bookkeeping, without a kernel: lookup counts, aliases, inode reuse. */
class FuseNodesTest {
  private final Nodes nodes = new Nodes(1, 100);
  private final boolean[] redundant = new boolean[1];

  @Test
  void lookupsCountAndForgetClunksAtZero() {
    Nodes.Node a = nodes.register(1, "a", 10, 200, false, redundant);
    assertThat(redundant[0]).isFalse();
    Nodes.Node again = nodes.register(1, "a", 11, 200, false, redundant);
    assertThat(again).isSameAs(a);
    assertThat(redundant[0]).as("second walk to the same name is not kept").isTrue();
    assertThat(nodes.forget(a.id, 1)).isEmpty();
    assertThat(nodes.forget(a.id, 1)).containsExactly(10);
    assertThat(nodes.get(a.id)).isNull();
    assertThat(nodes.forget(Fuse.ROOT_ID, 5)).as("the root is never dropped").isEmpty();
  }

  @Test
  void hardLinksShareANodeAndKeepEveryName() {
    Nodes.Node a = nodes.register(1, "a", 10, 200, false, redundant);
    Nodes.Node b = nodes.register(1, "b", 11, 200, false, redundant);
    assertThat(b).isSameAs(a);
    nodes.unlinked(1, "a");
    assertThat(nodes.liveAliases(a)).extracting(x -> x.fid).containsExactly(11);
    assertThat(nodes.anyFid(a)).isEqualTo(11);
    assertThat(nodes.forget(a.id, 2)).containsExactlyInAnyOrder(10, 11);
  }

  @Test
  void inodeNumberReusedAfterEveryNameIsGoneIsANewNode() {
    Nodes.Node old = nodes.register(1, "a", 10, 200, false, redundant);
    nodes.unlinked(1, "a");
    Nodes.Node fresh = nodes.register(1, "b", 11, 200, false, redundant);
    assertThat(fresh.id).isNotEqualTo(old.id);
    assertThat(nodes.anyFid(old)).as("the unlinked file keeps its fid for fstat").isEqualTo(10);
  }

  @Test
  void renameMovesTheAliasAndKillsTheTarget() {
    Nodes.Node a = nodes.register(1, "a", 10, 200, false, redundant);
    Nodes.Node t = nodes.register(1, "t", 11, 300, false, redundant);
    Nodes.Alias moved = nodes.alias(1, "a");
    nodes.renamed(1, "a", 1, "t", moved);
    assertThat(nodes.alias(1, "t")).isSameAs(moved);
    assertThat(nodes.alias(1, "a")).isNull();
    assertThat(nodes.liveAliases(t)).isEmpty();
    assertThat(nodes.liveAliases(a)).hasSize(1);
  }

  @Test
  void trimCandidatesAreLeastRecentlyUsedFirst() {
    Nodes.Node a = nodes.register(1, "a", 10, 200, false, redundant);
    Nodes.Node b = nodes.register(1, "b", 11, 201, false, redundant);
    nodes.get(a.id); // touch a
    List<Nodes.Name> c = nodes.trimCandidates(1);
    assertThat(c).containsExactly(new Nodes.Name(1, "b"));
    assertThat(b.id).isNotEqualTo(a.id);
  }

  @Test
  void deviceNumbersConvertToTheKernelEncoding() {
    // glibc makedev(8, 1) = 0x801; the kernel's new_encode_dev(MKDEV(8, 1)) = 0x801 too
    assertThat(FuseOps.encodeDev(0x801)).isEqualTo(0x801);
    // major 259, minor 300: glibc ((259 & 0xfff) << 8) | (300 & 0xff) | ((300 & ~0xff) << 12)
    long glibc = (259L << 8) | (300 & 0xff) | ((300L & ~0xffL) << 12);
    assertThat(FuseOps.encodeDev(glibc)).isEqualTo((300 & 0xff) | (259 << 8) | ((300 & ~0xff) << 12));
  }
}
