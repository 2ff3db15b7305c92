package io.burrow.it;

import static io.burrow.it.ContainerTest.keyValues;
import static io.burrow.it.ContainerTest.runIn;
import static org.assertj.core.api.Assertions.assertThat;

import io.burrow.api.spec.Mount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runtime-spec details that Docker and the other clients rely on, which runc gets right and a
 * conformance run found burrow getting wrong: mount points on a read-only root, symlinked bind
 * sources, the source of a bind in mountinfo, root propagation, and specs without a mount
 * namespace of their own. Runs in both modes.
 */
@ExtendWith(BurrowExtension.class)
class SpecDetailsTest {

  /**
   * What {@code docker run --read-only} sends: a read-only root and file binds onto
   * /etc/resolv.conf and /etc/hosts, which the image lacks (plus a directory bind and a tmpfs on
   * missing nested paths). As with runc, the mount points are made in the rootfs before the root
   * turns read-only, and the root stays read-only.
   */
  @Test
  void readOnlyRootWithMountsOntoPathsTheImageLacks(TestEnv env) throws Exception {
    Path files = env.dir("files");
    Files.writeString(files.resolve("resolv.conf"), "nameserver 192.0.2.53\n");
    Files.writeString(files.resolve("hosts"), "192.0.2.7 peer\n");
    Path data = env.dir("data");
    Files.writeString(data.resolve("in.txt"), "data\n");
    Bundle b = env.bundle();
    assertThat(b.rootfs().resolve("etc/resolv.conf")).doesNotExist();
    assertThat(b.rootfs().resolve("etc/hosts")).doesNotExist();
    b.edit(s -> {
      s.root.readonly = true;
      s.mounts.add(new Mount("/etc/resolv.conf", "bind", files.resolve("resolv.conf").toString(),
          new ArrayList<>(List.of("rbind", "rprivate"))));
      s.mounts.add(new Mount("/etc/hosts", "bind", files.resolve("hosts").toString(),
          new ArrayList<>(List.of("rbind", "ro"))));
      s.mounts.add(new Mount("/srv/new/data", "bind", data.toString(), new ArrayList<>(List.of("rbind"))));
      s.mounts.add(new Mount("/run/new/scratch", "tmpfs", "tmpfs", new ArrayList<>(List.of("nosuid", "size=1m"))));
    }).shell("echo resolv $(cat /etc/resolv.conf); echo hosts $(cat /etc/hosts); echo data $(cat /srv/new/data/in.txt); "
        + "echo x > /run/new/scratch/f && echo scratch ok; "
        + "if touch /newfile 2>/dev/null; then echo root WRITABLE; else echo root read-only; fi");
    Map<String, String> kv = keyValues(runIn(env, b, "ro-docker"));
    assertThat(kv).containsEntry("resolv", "nameserver 192.0.2.53").containsEntry("hosts", "192.0.2.7 peer")
        .containsEntry("data", "data").containsEntry("scratch", "ok").containsEntry("root", "read-only");
    assertThat(b.rootfs().resolve("etc/resolv.conf")).as("a file mount point, as runc makes it").isRegularFile();
    assertThat(b.rootfs().resolve("srv/new/data")).isDirectory();
    assertThat(b.rootfs().resolve("run/new/scratch")).isDirectory();
    assertThat(b.rootfs().resolve("newfile")).doesNotExist();
  }

  /** The mount points are made inside the rootfs even when the image's symlinks point elsewhere. */
  @Test
  void mountPointsOnAReadOnlyRootFollowTheImagesSymlinksInsideTheRootfs(TestEnv env) throws Exception {
    Path outside = env.dir("outside");
    Path data = env.dir("data");
    Bundle b = env.bundle();
    // An absolute link in the image means the rootfs's /etc, never the host's.
    Files.createSymbolicLink(b.rootfs().resolve("escape"), outside);
    b.edit(s -> {
      s.root.readonly = true;
      s.mounts.add(new Mount("/escape/sub", "bind", data.toString(), new ArrayList<>(List.of("rbind"))));
    }).shell("test -d /escape/sub && echo mounted");
    assertThat(runIn(env, b, "ro-link")).isEqualTo("mounted\n");
    assertThat(outside.resolve("sub")).as("nothing is created outside the rootfs").doesNotExist();
    assertThat(b.rootfs().resolve(outside.toString().substring(1)).resolve("sub")).isDirectory();
  }

  /**
   * Bind sources that are symlinks, as Docker's {@code --init} sends (/usr/bin/docker-init is a
   * link to tini): the bind shows the link's target, as mount(2) follows the source.
   */
  @Test
  void bindSourcesThatAreSymlinksBindTheirTargets(TestEnv env) throws Exception {
    Path real = env.dir("real");
    Files.writeString(real.resolve("tool"), "#!/bin/sh\necho tool ran\n");
    Files.setPosixFilePermissions(real.resolve("tool"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Path dir = Files.createDirectories(real.resolve("dir"));
    Files.writeString(dir.resolve("in.txt"), "in the linked dir\n");
    Path links = env.dir("links");
    Files.createSymbolicLink(links.resolve("tool-link"), real.resolve("tool"));
    Files.createSymbolicLink(links.resolve("tool-link2"), links.resolve("tool-link")); // a chain
    Files.createSymbolicLink(links.resolve("dir-link"), Path.of("../real/dir")); // relative
    Bundle b = env.bundle().edit(s -> {
      s.mounts.add(new Mount("/sbin/tool", "bind", links.resolve("tool-link2").toString(), new ArrayList<>(List.of("bind", "ro"))));
      s.mounts.add(new Mount("/linked", "bind", links.resolve("dir-link").toString(), new ArrayList<>(List.of("rbind"))));
    }).shell("/sbin/tool; echo type $(stat -c %F /sbin/tool) $(stat -c %F /linked); cat /linked/in.txt; "
        + "echo from-container > /linked/out.txt");
    String out = runIn(env, b, "bind-links");
    assertThat(out).contains("tool ran\n", "type regular file directory\n", "in the linked dir\n");
    assertThat(dir.resolve("out.txt")).as("writes go to the link's target").hasContent("from-container");
    assertThat(Files.isSymbolicLink(links.resolve("dir-link"))).as("the host's link is untouched").isTrue();
  }

  /**
   * A bind's host source is in the container's mountinfo, as with runc: direct mode shows it as
   * the mount's root, gofer mode as the FUSE mount's source.
   */
  @Test
  void mountinfoNamesTheHostSourceOfEachBind(TestEnv env) throws Exception {
    Path data = env.dir("data");
    Path file = env.dir("files").resolve("conf");
    Files.writeString(file, "x\n");
    Bundle b = env.bundle().bind("/data", data, "rw").bind("/etc/conf", file, "ro")
        .shell("cat /proc/self/mountinfo");
    String out = runIn(env, b, "minfo");
    assertThat(mountinfoLine(out, "/data")).as(out).contains(" " + data.toRealPath() + " ");
    assertThat(mountinfoLine(out, "/etc/conf")).as(out).contains(" " + file.toRealPath() + " ");
  }

  /** The /proc/self/mountinfo line whose mount point is {@code target}. */
  static String mountinfoLine(String mountinfo, String target) {
    return mountinfo.lines().filter(l -> l.split(" ").length > 4 && l.split(" ")[4].equals(target))
        .reduce((first, second) -> second) // the topmost mount there
        .orElseThrow(() -> new AssertionError("no mount on " + target + " in\n" + mountinfo)) + " ";
  }

  /**
   * {@code linux.rootfsPropagation} is the container root's propagation, as the runtime-tools
   * check sees it: bind / onto a directory, then bind another directory inside the root; with a
   * shared root the second bind shows up in the first. runc makes the rootfs's parent mount
   * private for pivot_root, which refuses shared mounts, and applies the propagation after it.
   */
  @ParameterizedTest
  @ValueSource(strings = {"shared", "rshared", "slave", "private", "unbindable"})
  void rootfsPropagationIsTheContainerRoots(String propagation, TestEnv env) {
    Bundle b = env.bundle().edit(s -> {
      s.linux.rootfsPropagation = propagation;
      for (List<String> caps : List.of(s.process.capabilities.bounding, s.process.capabilities.effective,
          s.process.capabilities.permitted)) {
        caps.add("CAP_SYS_ADMIN");
      }
    }).shell("echo root $(awk '$5 == \"/\" {print $7}' /proc/self/mountinfo); mkdir -p /target /mnt/m /src && touch /src/f; "
        + "if ! mount --rbind / /target 2>/dev/null; then echo bind refused; "
        + "elif ! mount --bind /src /mnt/m; then echo bind failed; "
        + "elif [ -e /target/mnt/m/f ]; then echo bind propagates; else echo bind isolated; fi");
    Map<String, String> kv = keyValues(runIn(env, b, "prop-" + propagation));
    switch (propagation) {
      case "shared", "rshared" -> {
        assertThat(kv.get("root")).as(kv.toString()).startsWith("shared:");
        assertThat(kv.get("bind")).isEqualTo("propagates");
      }
      case "unbindable" -> {
        assertThat(kv.get("root")).isEqualTo("unbindable");
        assertThat(kv.get("bind")).isEqualTo("refused");
      }
      default -> {
        assertThat(kv.get("root")).as("no propagation tag on the root: %s", kv).isEqualTo("-");
        assertThat(kv.get("bind")).isEqualTo("isolated");
      }
    }
  }

  /** Whether this run of the suite is the direct-mode one (see it-tests/pom.xml). */
  private static boolean directMode() {
    return List.of(System.getProperty("burrow.it.globalFlags", "").trim().split("\\s+")).contains("direct");
  }

  /**
   * A spec without a mount namespace shares the runtime's, as the runtime-spec says of any
   * namespace not listed. Direct mode runs it as runc does (mounts in that namespace, then
   * chroot), and leaves none of those mounts behind (the leak check looks); gofer mode refuses
   * it, saying why.
   */
  @Test
  void withoutAMountNamespaceTheContainerSharesTheRuntimes(TestEnv env) throws Exception {
    Path data = env.dir("data");
    Files.writeString(data.resolve("in.txt"), "shared ns\n");
    Bundle b = env.bundle().bind("/data", data, "ro").edit(s -> {
      s.linux.namespaces.removeIf(n -> "mount".equals(n.type));
      s.root.readonly = true;
    }).shell("echo mnt $(readlink /proc/self/ns/mnt); echo data $(cat /data/in.txt); "
        + "echo procs $(test -r /proc/self/status && echo yes); echo devnull $(echo x > /dev/null && echo ok); "
        + "if touch /newfile 2>/dev/null; then echo root WRITABLE; else echo root read-only; fi");
    if (!directMode()) {
      Burrow.Result r = env.burrow().run("run", "--bundle", b.dir().toString(), "nomnt").failed();
      assertThat(r.errorMessage()).contains("linux.namespaces", "gofer mode needs a new mount namespace", "FUSE",
          "--file-access direct");
      return;
    }
    Map<String, String> kv = keyValues(runIn(env, b, "nomnt"));
    assertThat(kv.get("mnt")).as(kv.toString()).isEqualTo(Host.selfNs("mnt"));
    assertThat(kv).containsEntry("data", "shared ns").containsEntry("procs", "yes").containsEntry("devnull", "ok")
        .containsEntry("root", "read-only");
    assertThat(b.rootfs().resolve("newfile")).doesNotExist();
    assertThat(Host.sh("sh", "-c", "grep -c " + env.base() + " /proc/self/mountinfo || true").ok().output().trim())
        .as("no mount of the container is left in the host's namespace").isEqualTo("0");
  }

  /**
   * A spec that joins a mount namespace by path (runtime-tools' linux_ns_path joins one that
   * {@code unshare --mount} made): direct mode runs the container in it, as runc does; gofer
   * mode refuses it, saying why.
   */
  @Test
  void joiningAMountNamespaceByPath(TestEnv env) {
    java.lang.Process holder = env.startHelper("unshare", "--mount", "sleep", "1000");
    long hp = holder.pid();
    assertThat(Host.eventually(java.time.Duration.ofSeconds(10),
        () -> Host.ns(hp, "mnt").isPresent() && !Host.ns(hp, "mnt").get().equals(Host.selfNs("mnt"))
            && Host.cmdline(hp).startsWith("sleep")))
        .as("helper %d entered its own mount namespace", hp).isTrue();
    String wanted = Host.ns(hp, "mnt").orElseThrow();
    Bundle b = env.bundle().edit(s -> s.linux.namespaces.stream().filter(n -> "mount".equals(n.type))
        .forEach(n -> n.path = "/proc/" + hp + "/ns/mnt"))
        .shell("echo mnt $(readlink /proc/self/ns/mnt); echo procs $(test -r /proc/self/status && echo yes)");
    if (!directMode()) {
      Burrow.Result r = env.burrow().run("run", "--bundle", b.dir().toString(), "joinmnt").failed();
      assertThat(r.errorMessage()).contains("gofer mode needs a new mount namespace", "joining /proc/" + hp + "/ns/mnt");
      return;
    }
    Map<String, String> kv = keyValues(runIn(env, b, "joinmnt"));
    assertThat(kv.get("mnt")).as(kv.toString()).isEqualTo(wanted);
    assertThat(kv.get("procs")).isEqualTo("yes");
  }
}
