package io.burrow.core.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Proves on real symlinks that {@link SecureJoin#join} resolves a path as the container would see
 * it and never leaves the root: absolute and relative links, {@code ..} chains, links to {@code ..}
 * and link loops all stay inside; missing components resolve lexically.
 */
class SecureJoinTest {
  @TempDir Path tmp;
  private Path root;

  @BeforeEach
  void tree() throws IOException {
    root = Files.createDirectories(tmp.resolve("root"));
    Files.createDirectories(root.resolve("etc"));
    Files.createDirectories(root.resolve("usr/lib"));
    Files.createDirectories(tmp.resolve("outside"));
  }

  private Path link(String at, String target) throws IOException {
    Path l = root.resolve(at);
    Files.createDirectories(l.getParent());
    return Files.createSymbolicLink(l, Path.of(target));
  }

  private void assertInside(Path p) {
    assertThat(p.normalize()).startsWithRaw(root);
  }

  @Test
  void plainPathsJoin() throws Exception {
    assertThat(SecureJoin.join(root, "/etc/hosts")).isEqualTo(root.resolve("etc/hosts"));
    assertThat(SecureJoin.join(root, "etc//./hosts")).isEqualTo(root.resolve("etc/hosts"));
    assertThat(SecureJoin.join(root, "/")).isEqualTo(root);
    assertThat(SecureJoin.join(root, "")).isEqualTo(root);
  }

  @ParameterizedTest
  @ValueSource(strings = {"..", "/..", "../../..", "/etc/../../../outside", "a/../../../../outside", "/../outside/x"})
  void dotDotChainsStopAtTheRoot(String unsafe) throws Exception {
    Path p = SecureJoin.join(root, unsafe);
    assertInside(p);
    assertThat(p.toString()).doesNotContain("..");
  }

  @Test
  void dotDotFromTheTopIsTheRootItself() throws Exception {
    assertThat(SecureJoin.join(root, "../../outside")).isEqualTo(root.resolve("outside"));
  }

  @Test
  void absoluteSymlinksAreTakenRelativeToTheRoot() throws Exception {
    link("etc/mtab", "/proc/self/mounts");
    link("lib", "/usr/lib");
    assertThat(SecureJoin.join(root, "/etc/mtab")).isEqualTo(root.resolve("proc/self/mounts"));
    assertThat(SecureJoin.join(root, "/lib/x.so")).isEqualTo(root.resolve("usr/lib/x.so"));
  }

  @Test
  void relativeSymlinksResolveFromTheirDirectory() throws Exception {
    link("usr/lib64", "lib");
    link("etc/alt", "../usr/lib64");
    assertThat(SecureJoin.join(root, "/etc/alt/ld.so")).isEqualTo(root.resolve("usr/lib/ld.so"));
  }

  @Test
  void escapingSymlinksStayInside() throws Exception {
    link("up", "../../../../outside");
    link("etc/abs", tmp.resolve("outside").toString());
    link("etc/dots", "../../..");
    assertThat(SecureJoin.join(root, "/up")).isEqualTo(root.resolve("outside"));
    assertThat(SecureJoin.join(root, "/up/secret")).isEqualTo(root.resolve("outside/secret"));
    // An absolute host path is a path inside the container.
    assertThat(SecureJoin.join(root, "/etc/abs")).isEqualTo(root.resolve(tmp.resolve("outside").toString().substring(1)));
    assertThat(SecureJoin.join(root, "/etc/dots/outside")).isEqualTo(root.resolve("outside"));
  }

  @Test
  void aSymlinkChainThroughDotDotStaysInside() throws Exception {
    link("a", "b/../../c");
    Files.createDirectories(root.resolve("b"));
    link("c", "/../../d");
    Path p = SecureJoin.join(root, "/a/e");
    assertThat(p).isEqualTo(root.resolve("d/e"));
  }

  @Test
  void symlinkLoopsAreAnErrorNotAnEscapeOrAHang() throws Exception {
    link("loop1", "loop2");
    link("loop2", "/loop1");
    link("self", "self");
    assertThatThrownBy(() -> SecureJoin.join(root, "/loop1/x"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("too many symlinks");
    assertThatThrownBy(() -> SecureJoin.join(root, "self"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("too many symlinks");
  }

  @Test
  void missingComponentsResolveLexically() throws Exception {
    assertThat(SecureJoin.join(root, "/no/such/../dir")).isEqualTo(root.resolve("no/dir"));
  }

  @Test
  void aRootThatIsItselfASymlinkIsNotEscapedByDotDot() throws Exception {
    Path linkedRoot = Files.createSymbolicLink(tmp.resolve("linkedroot"), root);
    Path p = SecureJoin.join(linkedRoot, "/../../etc");
    assertThat(p).isEqualTo(linkedRoot.resolve("etc"));
  }
}
