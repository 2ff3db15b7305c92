package io.burrow.core.plan;

import static io.burrow.api.launch.Opcode.CAPS;
import static io.burrow.api.launch.Opcode.CAPS_BOUNDING;
import static io.burrow.api.launch.Opcode.CHDIR;
import static io.burrow.api.launch.Opcode.CHROOT;
import static io.burrow.api.launch.Opcode.CONSOLE;
import static io.burrow.api.launch.Opcode.ENV;
import static io.burrow.api.launch.Opcode.EXEC;
import static io.burrow.api.launch.Opcode.FORK;
import static io.burrow.api.launch.Opcode.MAP_IDS;
import static io.burrow.api.launch.Opcode.MASK;
import static io.burrow.api.launch.Opcode.MKDIRS;
import static io.burrow.api.launch.Opcode.MKFILE;
import static io.burrow.api.launch.Opcode.MKNOD;
import static io.burrow.api.launch.Opcode.MOUNT;
import static io.burrow.api.launch.Opcode.NO_NEW_PRIVS;
import static io.burrow.api.launch.Opcode.OPEN_FIFO;
import static io.burrow.api.launch.Opcode.PIVOT_ROOT;
import static io.burrow.api.launch.Opcode.PRIVATE_PARENT;
import static io.burrow.api.launch.Opcode.READONLY;
import static io.burrow.api.launch.Opcode.READY;
import static io.burrow.api.launch.Opcode.REMOUNT_RO;
import static io.burrow.api.launch.Opcode.RESOLVE_EXEC;
import static io.burrow.api.launch.Opcode.RLIMIT;
import static io.burrow.api.launch.Opcode.SETGID;
import static io.burrow.api.launch.Opcode.SETGROUPS;
import static io.burrow.api.launch.Opcode.SETHOSTNAME;
import static io.burrow.api.launch.Opcode.SETNS;
import static io.burrow.api.launch.Opcode.SETSID;
import static io.burrow.api.launch.Opcode.SETUID;
import static io.burrow.api.launch.Opcode.SYMLINK;
import static io.burrow.api.launch.Opcode.UMASK;
import static io.burrow.api.launch.Opcode.UNSHARE;
import static io.burrow.api.launch.Opcode.WAIT_START;
import static io.burrow.api.launch.Opcode.WRITE_FILE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.burrow.api.launch.InitPlan;
import io.burrow.api.launch.InitPlan.Op;
import io.burrow.api.launch.Opcode;
import io.burrow.api.spec.Mount;
import io.burrow.api.spec.Spec;
import io.burrow.api.spec.SpecIo;
import io.burrow.api.spi.CgroupManager.Hierarchies;
import io.burrow.api.spi.CgroupManager.V1Hierarchy;
import io.burrow.api.spi.MountSources;
import io.burrow.api.spi.SeccompProgram;
import io.burrow.core.ContainerException;
import io.burrow.core.bundle.Bundle;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves the init plan burrow derives from a spec, on docker's real config.json and on small
 * specs: namespace ops (joins, the user namespace created and mapped before the others, FORK
 * after), the rootfs bind and spec mounts with their flags and data, bind remounts, devices
 * (mknod without a user namespace, bind with one), the start fifo opened before pivot_root,
 * sysctls, masked and read-only paths, a read-only root, capability masks, the credential order,
 * and that EXEC comes last. The cgroup mount shows the container's own cgroup as runc mounts it:
 * binds or fresh mounts per v1 hierarchy on a tmpfs, cgroup2 on a v2 host, nothing without a cgroup. Unknown capabilities and rlimits are errors naming the field.
 */
class InitPlannerTest {
  private static final long MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_REMOUNT = 32;
  private static final long MS_BIND = 4096, MS_REC = 16384, MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19, MS_SHARED = 1 << 20;
  private static final long MS_STRICTATIME = 1 << 24;
  private static final int CLONE_NEWNS = 0x00020000, CLONE_NEWUSER = 0x10000000, CLONE_NEWPID = 0x20000000;
  private static final int CLONE_NEWNET = 0x40000000, CLONE_NEWIPC = 0x08000000, CLONE_NEWUTS = 0x04000000;

  @TempDir Path tmp;
  private Path bundleDir;
  private Path rootfs;
  private Path gate;
  private Path stateDir;

  @BeforeEach
  void dirs() throws IOException {
    bundleDir = Files.createDirectories(tmp.resolve("bundle"));
    rootfs = Files.createDirectories(bundleDir.resolve("rootfs"));
    stateDir = tmp.resolve("state");
    gate = stateDir.resolve("start");
  }

  private Spec spec(String json) throws Exception {
    return SpecIo.read(Files.writeString(bundleDir.resolve("config.json"), json), Spec.class);
  }

  private Spec dockerSpec() throws Exception {
    Path file = bundleDir.resolve("config.json");
    try (InputStream in = InitPlannerTest.class.getResourceAsStream("/fixtures/docker-config.json")) {
      Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return SpecIo.read(file, Spec.class);
  }

  private static final String MINIMAL = """
      {"ociVersion": "1.2.0", "root": {"path": "rootfs"},
       "process": {"args": ["sh", "-c", "true"], "cwd": "/", "user": {"uid": 0, "gid": 0}},
       "linux": {"namespaces": [{"type": "mount"}, {"type": "pid"}]}}
      """;

  /**
   * MINIMAL with {@code extraTop} spliced into the root object and {@code extraLinux} into linux;
   * {@code extraLinux} may replace the default namespaces by giving its own.
   */
  private Spec minimalWith(String extraTop, String extraLinux) throws Exception {
    String json = MINIMAL;
    if (!extraLinux.isEmpty()) {
      String linux = extraLinux.contains("\"namespaces\"") ? extraLinux
          : extraLinux + ", \"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"pid\"}]";
      json = json.replace("\"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"pid\"}]}",
          "\"linux\": {" + linux + "}");
      assertThat(json).isNotEqualTo(MINIMAL);
    }
    if (!extraTop.isEmpty()) {
      json = json.replaceFirst("\\{", "{" + extraTop.replace("$", "\\$") + ", ");
    }
    return spec(json);
  }

  private InitPlan plan(Spec spec) throws ContainerException {
    return plan(spec, new IdentityHashMap<>());
  }

  private InitPlan plan(Spec spec, SeccompProgram seccomp) throws ContainerException {
    return InitPlanner.plan(new Bundle(bundleDir, spec, rootfs), new MountSources(rootfs.toString(), new IdentityHashMap<>()),
        stateDir, gate, false, java.util.Optional.of(seccomp), Hierarchies.NONE);
  }

  private InitPlan plan(Spec spec, Map<Mount, String> binds) throws ContainerException {
    return InitPlanner.plan(new Bundle(bundleDir, spec, rootfs), new MountSources(rootfs.toString(), binds), stateDir, gate, false,
        java.util.Optional.empty(), Hierarchies.NONE);
  }

  private InitPlan plan(Spec spec, Hierarchies cgroup) throws ContainerException {
    return InitPlanner.plan(new Bundle(bundleDir, spec, rootfs), new MountSources(rootfs.toString(), new IdentityHashMap<>()),
        stateDir, gate, false, java.util.Optional.empty(), cgroup);
  }

  private static Op op(Opcode opcode, Object... args) {
    return new Op(opcode, Arrays.stream(args).map(String::valueOf).toList());
  }

  private static Op mount(String source, String target, String type, long flags, String data) {
    return op(MOUNT, source, target, type, Long.toUnsignedString(flags), data);
  }

  private String r(String path) {
    return rootfs + path;
  }

  private static int index(InitPlan plan, Op op) {
    int i = plan.ops().indexOf(op);
    assertThat(i).as("plan contains %s:%n%s", op, plan).isNotNegative();
    return i;
  }

  private static int first(InitPlan plan, Opcode opcode) {
    return firstMatching(plan, o -> o.opcode() == opcode, opcode.name());
  }

  private static int last(InitPlan plan, Opcode opcode) {
    List<Op> ops = plan.ops();
    for (int i = ops.size() - 1; i >= 0; i--) {
      if (ops.get(i).opcode() == opcode) {
        return i;
      }
    }
    throw new AssertionError("no " + opcode + " in\n" + plan);
  }

  private static int firstMatching(InitPlan plan, Predicate<Op> p, String what) {
    List<Op> ops = plan.ops();
    for (int i = 0; i < ops.size(); i++) {
      if (p.test(ops.get(i))) {
        return i;
      }
    }
    throw new AssertionError("no " + what + " in\n" + plan);
  }

  private static List<Op> all(InitPlan plan, Opcode opcode) {
    return plan.ops().stream().filter(o -> o.opcode() == opcode).toList();
  }

  // --- the whole plan of a minimal spec ---

  @Test
  void minimalSpecPlanIsExactlyThis() throws Exception {
    InitPlan plan = plan(spec(MINIMAL));
    assertThat(plan.ops()).containsExactly(
        op(UNSHARE, CLONE_NEWNS | CLONE_NEWPID),
        op(FORK),
        mount("", "/", "", MS_SLAVE | MS_REC, ""),
        op(PRIVATE_PARENT, rootfs),
        mount(rootfs.toString(), rootfs.toString(), "", MS_BIND | MS_REC, ""),
        op(OPEN_FIFO, gate),
        op(PIVOT_ROOT, rootfs),
        op(SETSID),
        op(CHDIR, "/"),
        op(SETGROUPS),
        op(SETGID, 0),
        op(SETUID, 0),
        op(UMASK, 18),
        op(RESOLVE_EXEC, "sh"),
        op(READY),
        op(WAIT_START),
        op(EXEC, "sh", "-c", "true"));
  }

  @Test
  void cgroupNamespaceIsUnsharedAfterTheForkSoThatTheLauncherCanMoveTheInitFirst() throws Exception {
    InitPlan plan = plan(minimalWith("", "\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"pid\"}, {\"type\": \"cgroup\"}]"));
    assertThat(plan.ops().subList(0, 3)).containsExactly(
        op(UNSHARE, CLONE_NEWNS | CLONE_NEWPID), op(FORK), op(UNSHARE, 0x02000000));
  }

  // --- docker's config.json ---

  @Test
  void dockerSpecNamespacesAreCreatedThenForked() throws Exception {
    InitPlan plan = plan(dockerSpec());
    assertThat(plan.ops().subList(0, 2)).containsExactly(
        op(UNSHARE, CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWIPC), op(FORK));
    assertThat(all(plan, SETNS)).isEmpty();
    assertThat(all(plan, MAP_IDS)).isEmpty();
  }

  @Test
  void dockerSpecMountsHaveTheirFlagsAndData() throws Exception {
    InitPlan plan = plan(dockerSpec());
    int rootBind = index(plan, mount(rootfs.toString(), rootfs.toString(), "", MS_BIND | MS_REC, ""));
    assertThat(index(plan, mount("", "/", "", MS_SLAVE | MS_REC, ""))).isLessThan(rootBind);

    int proc = index(plan, mount("proc", r("/proc"), "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, ""));
    int dev = index(plan, mount("tmpfs", r("/dev"), "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"));
    int pts = index(plan, mount("devpts", r("/dev/pts"), "devpts", MS_NOSUID | MS_NOEXEC,
        "newinstance,ptmxmode=0666,mode=0620,gid=5"));
    int sys = index(plan, mount("sysfs", r("/sys"), "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, ""));
    int shm = index(plan, mount("shm", r("/dev/shm"), "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=1777,size=67108864"));
    // Spec order, after the root bind; each mount point made first.
    assertThat(List.of(rootBind, proc, dev, pts, sys, shm)).isSorted();
    assertThat(plan.ops().get(dev - 1)).isEqualTo(op(MKDIRS, r("/dev"), 493));
  }

  // --- the cgroup mount: the container's own cgroup, as runc mounts it ---

  /** This host's kind: v1 hierarchies (one comounted, one named) and the unified one beside them. */
  private static Hierarchies hybrid(String path) {
    return new Hierarchies(List.of(
        new V1Hierarchy("cpu,cpuacct", "cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct" + path),
        new V1Hierarchy("memory", "memory", "/sys/fs/cgroup/memory" + path),
        new V1Hierarchy("systemd", "name=systemd", "/sys/fs/cgroup/systemd" + path)),
        java.util.Optional.of("/sys/fs/cgroup/unified" + path));
  }

  private static final String CGROUP_MOUNT = "\"mounts\": [{\"destination\": \"/sys/fs/cgroup\", \"type\": \"%s\","
      + " \"source\": \"cgroup\", \"options\": [%s]}]";

  /** The ops from the cgroup mount's MKDIRS up to the last op on a path under it. */
  private List<Op> cgroupOps(InitPlan plan) {
    String dest = r("/sys/fs/cgroup");
    int from = index(plan, op(MKDIRS, dest, 493));
    int to = from;
    for (int i = from; i < plan.ops().size(); i++) {
      if (plan.ops().get(i).args().stream().anyMatch(a -> a.equals(dest) || a.startsWith(dest + "/"))) {
        to = i;
      }
    }
    return plan.ops().subList(from, to + 1);
  }

  @Test
  void dockerSpecCgroupMountOnAV1HostBindsTheContainersOwnDirectoryOfEachHierarchyReadOnly() throws Exception {
    // Docker on v1 gives no cgroup namespace: binds, with the mount's ro,nosuid,noexec,nodev.
    String path = "/docker/e41b84efdc3e3953e1d7afbb003b370ed7b9ab790ab0bada1310486480903343";
    InitPlan plan = plan(dockerSpec(), hybrid(path));
    String dest = r("/sys/fs/cgroup");
    long flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    assertThat(cgroupOps(plan)).containsExactly(
        op(MKDIRS, dest, 493),
        mount("tmpfs", dest, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755"),
        op(MKDIRS, dest + "/cpu,cpuacct", 493),
        mount("/sys/fs/cgroup/cpu,cpuacct" + path, dest + "/cpu,cpuacct", "", MS_BIND | MS_REC, ""),
        mount("", dest + "/cpu,cpuacct", "", MS_REMOUNT | MS_BIND | flags, ""),
        op(MKDIRS, dest + "/memory", 493),
        mount("/sys/fs/cgroup/memory" + path, dest + "/memory", "", MS_BIND | MS_REC, ""),
        mount("", dest + "/memory", "", MS_REMOUNT | MS_BIND | flags, ""),
        op(MKDIRS, dest + "/systemd", 493),
        mount("/sys/fs/cgroup/systemd" + path, dest + "/systemd", "", MS_BIND | MS_REC, ""),
        mount("", dest + "/systemd", "", MS_REMOUNT | MS_BIND | flags, ""),
        // Comounted controllers are found under their own names too.
        op(SYMLINK, "cpu,cpuacct", dest + "/cpu"),
        op(SYMLINK, "cpu,cpuacct", dest + "/cpuacct"),
        // The tmpfs read-only once it is filled.
        op(REMOUNT_RO, dest));
    // As runc, the unified hierarchy of a hybrid host is not shown, and nothing of the host's root.
    assertThat(plan.toString()).doesNotContain("unified");
    assertThat(all(plan, MOUNT)).extracting(o -> o.args().get(0)).doesNotContain("/sys/fs/cgroup");
  }

  @Test
  void cgroupMountInACgroupNamespaceMountsEachV1HierarchyAfreshAfterTheNamespaceIsMade() throws Exception {
    Spec spec = minimalWith(String.format(CGROUP_MOUNT, "cgroup", "\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\""),
        "\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"pid\"}, {\"type\": \"cgroup\"}]");
    InitPlan plan = plan(spec, hybrid("/burrow/c1"));
    String dest = r("/sys/fs/cgroup");
    long flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    assertThat(cgroupOps(plan)).containsExactly(
        op(MKDIRS, dest, 493),
        mount("tmpfs", dest, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755"),
        op(MKDIRS, dest + "/cpu,cpuacct", 493),
        mount("cgroup", dest + "/cpu,cpuacct", "cgroup", flags, "cpu,cpuacct"),
        op(MKDIRS, dest + "/memory", 493),
        mount("cgroup", dest + "/memory", "cgroup", flags, "memory"),
        op(MKDIRS, dest + "/systemd", 493),
        mount("systemd", dest + "/systemd", "cgroup", flags, "name=systemd"),
        op(SYMLINK, "cpu,cpuacct", dest + "/cpu"),
        op(SYMLINK, "cpu,cpuacct", dest + "/cpuacct"),
        op(REMOUNT_RO, dest));
    // A fresh mount's root is the namespace's: the namespace must exist (after the move) first.
    assertThat(plan.ops().indexOf(op(UNSHARE, 0x02000000))).isLessThan(index(plan, op(MKDIRS, dest, 493)))
        .isGreaterThan(index(plan, op(FORK)));
    assertThat(plan.toString()).doesNotContain("/burrow/c1");
  }

  @Test
  void readWriteCgroupMountStaysWritable() throws Exception {
    InitPlan plan = plan(minimalWith(String.format(CGROUP_MOUNT, "cgroup", "\"nosuid\""), ""),
        new Hierarchies(List.of(new V1Hierarchy("memory", "memory", "/sys/fs/cgroup/memory/burrow/c1")),
            java.util.Optional.empty()));
    String dest = r("/sys/fs/cgroup");
    assertThat(cgroupOps(plan)).containsExactly(
        op(MKDIRS, dest, 493),
        mount("tmpfs", dest, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755"),
        op(MKDIRS, dest + "/memory", 493),
        mount("/sys/fs/cgroup/memory/burrow/c1", dest + "/memory", "", MS_BIND | MS_REC, ""),
        mount("", dest + "/memory", "", MS_REMOUNT | MS_BIND | MS_NOSUID, ""));
  }

  @Test
  void cgroupMountOnAV2HostIsACgroup2MountInTheNamespaceOrABindOfTheContainersDirectory() throws Exception {
    Hierarchies v2 = new Hierarchies(List.of(), java.util.Optional.of("/sys/fs/cgroup/burrow/c1"));
    String options = "\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"";
    String dest = r("/sys/fs/cgroup");
    long flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | (1 << 21);
    InitPlan inNamespace = plan(minimalWith(String.format(CGROUP_MOUNT, "cgroup", options),
        "\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"pid\"}, {\"type\": \"cgroup\"}]"), v2);
    assertThat(cgroupOps(inNamespace)).containsExactly(
        op(MKDIRS, dest, 493),
        mount("cgroup", dest, "cgroup2", flags, ""));
    InitPlan bound = plan(minimalWith(String.format(CGROUP_MOUNT, "cgroup", options), ""), v2);
    assertThat(cgroupOps(bound)).containsExactly(
        op(MKDIRS, dest, 493),
        mount("/sys/fs/cgroup/burrow/c1", dest, "", MS_BIND | MS_REC, ""),
        mount("", dest, "", MS_REMOUNT | MS_BIND | flags, ""));
  }

  @Test
  void cgroup2MountOnAHybridHostShowsTheContainersUnifiedDirectory() throws Exception {
    InitPlan plan = plan(minimalWith(String.format(CGROUP_MOUNT, "cgroup2", "\"ro\""), ""), hybrid("/burrow/c1"));
    String dest = r("/sys/fs/cgroup");
    assertThat(cgroupOps(plan)).containsExactly(
        op(MKDIRS, dest, 493),
        mount("/sys/fs/cgroup/unified/burrow/c1", dest, "", MS_BIND | MS_REC, ""),
        op(REMOUNT_RO, dest));
  }

  @Test
  void cgroupMountOfAContainerWithoutACgroupIsAnEmptyTmpfs() throws Exception {
    // Nothing of the host's tree: a program finds no limits, which is the truth for such a container.
    InitPlan plan = plan(dockerSpec(), Hierarchies.NONE);
    String dest = r("/sys/fs/cgroup");
    assertThat(cgroupOps(plan)).containsExactly(
        op(MKDIRS, dest, 493),
        mount("tmpfs", dest, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755"));
  }

  @Test
  void dockerSpecBindMountsComeFromTheMountSourcesByIdentity() throws Exception {
    Spec spec = dockerSpec();
    Map<Mount, String> binds = new IdentityHashMap<>();
    binds.put(spec.mounts.get(7), "/served/0");
    binds.put(spec.mounts.get(8), "/served/1");
    binds.put(spec.mounts.get(9), "/served/2");
    InitPlan plan = plan(spec, binds);

    int resolv = index(plan, mount("/served/0", r("/etc/resolv.conf"), "", MS_BIND | MS_REC, ""));
    assertThat(plan.ops().get(resolv - 1)).isEqualTo(op(MKFILE, r("/etc/resolv.conf")));
    assertThat(plan.ops().get(resolv + 1)).isEqualTo(mount("", r("/etc/resolv.conf"), "", MS_PRIVATE | MS_REC, ""));
    index(plan, mount("/served/1", r("/etc/hostname"), "", MS_BIND | MS_REC, ""));
    index(plan, mount("/served/2", r("/etc/hosts"), "", MS_BIND | MS_REC, ""));
  }

  @Test
  void dockerSpecDevicesAreMknodedWithoutAUserNamespace() throws Exception {
    InitPlan plan = plan(dockerSpec());
    List<Op> nodes = all(plan, MKNOD);
    int chr0666 = 0020000 | 0666;
    assertThat(nodes).containsExactly(
        op(MKNOD, r("/dev/null"), chr0666, 1, 3, 0, 0), op(MKNOD, r("/dev/zero"), chr0666, 1, 5, 0, 0),
        op(MKNOD, r("/dev/full"), chr0666, 1, 7, 0, 0), op(MKNOD, r("/dev/random"), chr0666, 1, 8, 0, 0),
        op(MKNOD, r("/dev/urandom"), chr0666, 1, 9, 0, 0), op(MKNOD, r("/dev/tty"), chr0666, 5, 0, 0, 0));
    assertThat(all(plan, SYMLINK)).contains(op(SYMLINK, "/proc/self/fd", r("/dev/fd")), op(SYMLINK, "pts/ptmx", r("/dev/ptmx")));
    // Devices go into the /dev tmpfs, so after every mount under /dev.
    assertThat(first(plan, MKNOD)).isGreaterThan(last(plan, MOUNT) - 0)
        .isGreaterThan(index(plan, mount("shm", r("/dev/shm"), "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=1777,size=67108864")));
  }

  @Test
  void dockerSpecRootfsThenFifoThenPivotThenSysctlMaskReadonly() throws Exception {
    InitPlan plan = plan(dockerSpec());
    int hostname = index(plan, op(SETHOSTNAME, "e41b84efdc3e"));
    int fifo = index(plan, op(OPEN_FIFO, gate));
    int pivot = index(plan, op(PIVOT_ROOT, rootfs));
    assertThat(last(plan, MKNOD)).isLessThan(fifo);
    assertThat(last(plan, SYMLINK)).isLessThan(fifo);
    assertThat(hostname).isLessThan(fifo);
    assertThat(fifo).isLessThan(pivot);
    assertThat(last(plan, MOUNT)).isLessThan(pivot);

    int sysctl1 = index(plan, op(WRITE_FILE, "/proc/sys/net/ipv4/ip_unprivileged_port_start", "0"));
    int sysctl2 = index(plan, op(WRITE_FILE, "/proc/sys/net/ipv4/ping_group_range", "0 2147483647"));
    assertThat(sysctl1).isGreaterThan(pivot);
    assertThat(sysctl2).isGreaterThan(pivot);
    assertThat(all(plan, MASK)).hasSize(10).startsWith(op(MASK, "/proc/asound")).endsWith(op(MASK, "/sys/firmware"));
    assertThat(all(plan, READONLY)).containsExactly(op(READONLY, "/proc/bus"), op(READONLY, "/proc/fs"),
        op(READONLY, "/proc/irq"), op(READONLY, "/proc/sys"), op(READONLY, "/proc/sysrq-trigger"));
    // /proc/sys is made read-only only after the sysctls were written.
    assertThat(first(plan, MASK)).isGreaterThan(Math.max(sysctl1, sysctl2));
    assertThat(first(plan, READONLY)).isGreaterThan(last(plan, MASK));
    assertThat(plan.ops()).doesNotContain(op(REMOUNT_RO, "/"));
  }

  @Test
  void dockerSpecProcessCredentialsCapsAndExec() throws Exception {
    InitPlan plan = plan(dockerSpec());
    long dockerCaps = 0;
    for (int bit : new int[] {0, 1, 4, 3, 27, 13, 6, 7, 31, 8, 10, 18, 5, 29}) {
      dockerCaps |= 1L << bit;
    }
    int bounding = index(plan, op(CAPS_BOUNDING, dockerCaps));
    int groups = index(plan, op(SETGROUPS, 0));
    int gid = index(plan, op(SETGID, 0));
    int uid = index(plan, op(SETUID, 0));
    int caps = index(plan, op(CAPS, dockerCaps, dockerCaps, 0, 0));
    assertThat(List.of(bounding, groups, gid, uid, caps)).isSorted();
    assertThat(index(plan, op(WRITE_FILE, "/proc/self/oom_score_adj", "0"))).isGreaterThan(index(plan, op(PIVOT_ROOT, rootfs)));
    assertThat(all(plan, ENV)).containsExactly(op(ENV, "PATH=/bin"), op(ENV, "HOSTNAME=e41b84efdc3e"));
    assertThat(all(plan, NO_NEW_PRIVS)).isEmpty();
    int n = plan.ops().size();
    assertThat(plan.ops().subList(n - 4, n)).containsExactly(
        op(RESOLVE_EXEC, "echo"), op(READY), op(WAIT_START), op(EXEC, "echo", "hi"));
    assertThat(last(plan, ENV)).isLessThan(n - 4);
  }

  // --- seccomp ---

  private static final SeccompProgram FILTER = new SeccompProgram(
      new byte[] {6, 0, 0, 0, 0, 0, (byte) 0xff, 0x7f}, SeccompProgram.FLAG_LOG, java.util.Optional.empty(), "");

  @Test
  void withNoNewPrivsSeccompIsTheLastStepBeforeReadyAfterCredentialsAndCapabilities() throws Exception {
    Spec spec = dockerSpec();
    spec.process.noNewPrivileges = true;
    InitPlan plan = plan(spec, FILTER);
    Op seccomp = op(Opcode.SECCOMP, "060000000000ff7f", SeccompProgram.FLAG_LOG);
    assertThat(all(plan, Opcode.SECCOMP)).containsExactly(seccomp);
    int n = plan.ops().size();
    assertThat(plan.ops().subList(n - 5, n)).containsExactly(
        op(RESOLVE_EXEC, "echo"), seccomp, op(READY), op(WAIT_START), op(EXEC, "echo", "hi"));
    assertThat(List.of(first(plan, SETUID), first(plan, CAPS), first(plan, NO_NEW_PRIVS), first(plan, UMASK),
        last(plan, ENV), n - 4)).isSorted();
  }

  @Test
  void withoutNoNewPrivsSeccompGoesBeforeTheCapabilitiesAndTheUidChangeDropCapSysAdmin() throws Exception {
    InitPlan plan = plan(dockerSpec(), FILTER);
    int seccomp = first(plan, Opcode.SECCOMP);
    assertThat(all(plan, Opcode.SECCOMP)).hasSize(1);
    assertThat(List.of(first(plan, SETSID), first(plan, CHDIR), seccomp, first(plan, CAPS_BOUNDING),
        first(plan, SETGROUPS), first(plan, SETUID), first(plan, CAPS))).isSorted();
    assertThat(seccomp).isGreaterThan(first(plan, PIVOT_ROOT));
  }

  @Test
  void noSeccompNoOp() throws Exception {
    assertThat(all(plan(dockerSpec()), Opcode.SECCOMP)).isEmpty();
  }

  // --- namespaces ---

  @Test
  void joinsComeFirstAndTheUserNamespaceIsJoinedLast() throws Exception {
    Spec spec = minimalWith("", """
        "namespaces": [{"type": "network", "path": "/proc/self/ns/net"}, {"type": "user", "path": "/proc/self/ns/user"},
                       {"type": "mount"}, {"type": "ipc", "path": "/proc/self/ns/ipc"}, {"type": "pid"}]""");
    InitPlan plan = plan(spec);
    assertThat(plan.ops().subList(0, 6)).containsExactly(
        op(SETNS, "/proc/self/ns/net", CLONE_NEWNET),
        op(SETNS, "/proc/self/ns/ipc", CLONE_NEWIPC),
        op(SETNS, "/proc/self/ns/user", CLONE_NEWUSER),
        op(UNSHARE, CLONE_NEWNS | CLONE_NEWPID),
        op(FORK),
        mount("", "/", "", MS_SLAVE | MS_REC, ""));
    assertThat(all(plan, MAP_IDS)).isEmpty();
  }

  @Test
  void aNewUserNamespaceIsCreatedAndMappedBeforeTheOthers() throws Exception {
    Spec spec = minimalWith("", """
        "namespaces": [{"type": "pid"}, {"type": "uts", "path": "/proc/self/ns/uts"}, {"type": "mount"}, {"type": "user"}],
        "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
        "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}]""");
    InitPlan plan = plan(spec);
    assertThat(plan.ops().subList(0, 5)).containsExactly(
        op(SETNS, "/proc/self/ns/uts", CLONE_NEWUTS),
        op(UNSHARE, CLONE_NEWUSER),
        op(MAP_IDS),
        op(UNSHARE, CLONE_NEWNS | CLONE_NEWPID),
        op(FORK));
  }

  @Test
  void devicesAreBoundFromTheHostInAUserNamespace() throws Exception {
    Spec spec = minimalWith("""
        "mounts": [{"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]}]""", """
        "namespaces": [{"type": "mount"}, {"type": "user"}],
        "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
        "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
        "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438}]""");
    InitPlan plan = plan(spec);
    assertThat(all(plan, MKNOD)).isEmpty();
    int fuse = index(plan, mount("/dev/fuse", r("/dev/fuse"), "", MS_BIND, ""));
    assertThat(plan.ops().get(fuse - 1)).isEqualTo(op(MKFILE, r("/dev/fuse")));
    index(plan, mount("/dev/null", r("/dev/null"), "", MS_BIND, ""));
    index(plan, mount("/dev/tty", r("/dev/tty"), "", MS_BIND, ""));
  }

  @Test
  void specDevicesAreMknodedWithTypeModeAndOwner() throws Exception {
    Spec spec = minimalWith("""
        "mounts": [{"destination": "/dev", "type": "tmpfs", "source": "tmpfs"}]""", """
        "devices": [{"path": "/dev/sda", "type": "b", "major": 8, "minor": 0, "fileMode": 432, "uid": 0, "gid": 6},
                    {"path": "/dev/fifo", "type": "p", "major": 0, "minor": 0}]""");
    InitPlan plan = plan(spec);
    assertThat(all(plan, MKNOD)).contains(op(MKNOD, r("/dev/sda"), 0060000 | 0660, 8, 0, 0, 6),
        op(MKNOD, r("/dev/fifo"), 0010000 | 0666, 0, 0, 0, 0));
  }

  @Test
  void nothingIsCreatedInsideABindMountedDev() throws Exception {
    // docker run -v /dev:/dev: runc sets up no devices, since they would land in the host's /dev.
    Spec spec = minimalWith("""
        "mounts": [{"destination": "/dev", "type": "bind", "source": "/dev", "options": ["rbind"]}]""", "");
    InitPlan plan = plan(spec);
    assertThat(all(plan, MKNOD)).isEmpty();
    assertThat(all(plan, SYMLINK)).isEmpty();
    index(plan, mount("/dev", r("/dev"), "", MS_BIND | MS_REC, ""));
  }

  // --- mounts ---

  @Test
  void readOnlyBindIsRemountedReadOnlyKeepingOtherFlags() throws Exception {
    Files.createDirectories(bundleDir.resolve("data"));
    Spec spec = minimalWith("""
        "mounts": [{"destination": "/data", "type": "bind", "source": "data", "options": ["rbind", "ro"]},
                   {"destination": "/etc/x.conf", "source": "/etc/hostname", "options": ["bind", "ro", "nosuid", "rslave"]}]""", "");
    InitPlan plan = plan(spec);
    String data = bundleDir.resolve("data").toString();
    int bind = index(plan, mount(data, r("/data"), "", MS_BIND | MS_REC, ""));
    assertThat(plan.ops().get(bind - 1)).isEqualTo(op(MKDIRS, r("/data"), 493));
    assertThat(plan.ops().get(bind + 1)).isEqualTo(op(REMOUNT_RO, r("/data")));

    int file = index(plan, mount("/etc/hostname", r("/etc/x.conf"), "", MS_BIND, ""));
    assertThat(plan.ops().get(file - 1)).isEqualTo(op(MKFILE, r("/etc/x.conf")));
    assertThat(plan.ops().subList(file + 1, file + 3)).containsExactly(
        mount("", r("/etc/x.conf"), "", MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID, ""),
        mount("", r("/etc/x.conf"), "", MS_SLAVE | MS_REC, ""));
  }

  @Test
  void mountDestinationsAreResolvedInsideTheRootfs() throws Exception {
    Files.createDirectories(rootfs.resolve("real"));
    Files.createSymbolicLink(rootfs.resolve("link"), Path.of("/../../real"));
    Spec spec = minimalWith("""
        "mounts": [{"destination": "/link/sub", "type": "tmpfs", "source": "tmpfs"}]""", "");
    InitPlan plan = plan(spec);
    index(plan, mount("tmpfs", r("/real/sub"), "tmpfs", 0, ""));
  }

  @Test
  void rootfsPropagationIsApplied() throws Exception {
    InitPlan plan = plan(minimalWith("", "\"rootfsPropagation\": \"rprivate\""));
    assertThat(plan.ops().get(2)).isEqualTo(mount("", "/", "", MS_PRIVATE | MS_REC, ""));
    // As runc: again on the new root once it is the root.
    assertThat(plan.ops().get(index(plan, op(PIVOT_ROOT, rootfs)) + 1)).isEqualTo(mount("", "/", "", MS_PRIVATE | MS_REC, ""));
  }

  /** As runc without a mount namespace: mounts in the runtime's namespace, then chroot; here under the state directory. */
  @Test
  void withoutAMountNamespaceTheRootIsAssembledUnderTheStateDirectoryAndChrooted() throws Exception {
    InitPlan plan = plan(minimalWith("\"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"}]",
        "\"namespaces\": [{\"type\": \"pid\"}], \"rootfsPropagation\": \"shared\""));
    String root = stateDir.resolve("rootfs").toString();
    assertThat(plan.ops()).contains(op(UNSHARE, CLONE_NEWPID), op(MKDIRS, root, 448),
        mount(rootfs.toString(), root, "", MS_BIND | MS_REC, ""), mount("proc", root + "/proc", "proc", 0, ""),
        op(CHROOT, root));
    assertThat(plan.ops()).as("the runtime's namespace keeps its propagation and its root")
        .noneMatch(o -> o.opcode() == PIVOT_ROOT || o.opcode() == PRIVATE_PARENT)
        .noneMatch(o -> o.opcode() == MOUNT && o.args().get(1).equals("/"));
    assertThat(index(plan, op(CHROOT, root))).isGreaterThan(index(plan, mount("proc", root + "/proc", "proc", 0, "")));
  }

  /** As runc with a joined mount namespace: pivot_root in it. */
  @Test
  void aJoinedMountNamespaceIsEnteredAndPivotedIn() throws Exception {
    InitPlan plan = plan(minimalWith("", "\"namespaces\": [{\"type\": \"mount\", \"path\": \"/proc/self/ns/mnt\"}]"));
    assertThat(index(plan, op(SETNS, "/proc/self/ns/mnt", CLONE_NEWNS))).isLessThan(index(plan, op(PIVOT_ROOT, rootfs)));
    assertThat(plan.ops()).contains(op(UNSHARE, 0));
  }

  @Test
  void aSharedRootPropagationPivotsFromPrivateMountsAndIsAppliedAfterThePivot() throws Exception {
    InitPlan plan = plan(minimalWith("", "\"rootfsPropagation\": \"shared\""));
    int pivot = index(plan, op(PIVOT_ROOT, rootfs));
    // pivot_root refuses a shared parent of the new root and a shared current root.
    assertThat(index(plan, op(PRIVATE_PARENT, rootfs)))
        .isLessThan(index(plan, mount(rootfs.toString(), rootfs.toString(), "", MS_BIND | MS_REC, "")));
    assertThat(plan.ops().get(pivot - 1)).isEqualTo(mount("", "/", "", MS_PRIVATE, ""));
    assertThat(plan.ops().get(pivot + 1)).isEqualTo(mount("", "/", "", MS_SHARED, ""));
  }

  @Test
  void readOnlyRootIsRemountedAfterEverythingElseOnTheFilesystem() throws Exception {
    Spec spec = minimalWith("", "\"maskedPaths\": [\"/proc/kcore\"], \"readonlyPaths\": [\"/proc/sys\"]");
    spec.root.readonly = true;
    InitPlan plan = plan(spec);
    int remount = index(plan, op(REMOUNT_RO, "/"));
    assertThat(remount).isGreaterThan(index(plan, op(PIVOT_ROOT, rootfs)))
        .isGreaterThan(index(plan, op(MASK, "/proc/kcore")))
        .isGreaterThan(index(plan, op(READONLY, "/proc/sys")))
        .isLessThan(first(plan, SETUID));
  }

  // --- process ---

  @Test
  void capabilityMasksAndAmbientTrimmedToPermittedAndInheritable() throws Exception {
    Spec spec = spec(MINIMAL.replace("\"cwd\": \"/\",", """
        "cwd": "/", "noNewPrivileges": true,
        "user": {"uid": 1000, "gid": 100, "additionalGids": [10, 20], "umask": 63},
        "env": ["A=1", "B=2"],
        "capabilities": {"bounding": ["CAP_CHOWN", "CAP_KILL"], "effective": ["CAP_CHOWN"],
                         "permitted": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
                         "inheritable": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
                         "ambient": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SYS_ADMIN"]},""")
        .replace("\"user\": {\"uid\": 0, \"gid\": 0}", "\"terminal\": false"));
    InitPlan plan = plan(spec);
    long chown = 1L, kill = 1L << 5, bind = 1L << 10;
    int bounding = index(plan, op(CAPS_BOUNDING, chown | kill));
    int groups = index(plan, op(SETGROUPS, 10, 20));
    int gid = index(plan, op(SETGID, 100));
    int uid = index(plan, op(SETUID, 1000));
    int caps = index(plan, op(CAPS, chown, chown | kill | bind, kill | bind, kill | bind));
    int nnp = index(plan, op(NO_NEW_PRIVS));
    int umask = index(plan, op(UMASK, 63));
    int env = index(plan, op(ENV, "A=1"));
    assertThat(List.of(index(plan, op(SETSID)), index(plan, op(CHDIR, "/")), bounding, groups, gid, uid, caps, nnp,
        umask, env, index(plan, op(ENV, "B=2")), first(plan, RESOLVE_EXEC), first(plan, READY),
        first(plan, WAIT_START), first(plan, EXEC))).isSorted();
    assertThat(last(plan, EXEC)).isEqualTo(plan.ops().size() - 1);
  }

  @Test
  void capabilityBitsMatchTheKernel() {
    assertThat(CapabilityNames.mask(List.of("CAP_SYS_ADMIN"), "f")).isEqualTo(1L << 21);
    assertThat(CapabilityNames.mask(List.of("CAP_SETFCAP"), "f")).isEqualTo(1L << 31);
    assertThat(CapabilityNames.mask(List.of("CAP_AUDIT_READ"), "f")).isEqualTo(1L << 37);
    assertThat(CapabilityNames.mask(List.of("CAP_CHECKPOINT_RESTORE"), "f")).isEqualTo(1L << 40);
    assertThat(CapabilityNames.mask(null, "f")).isZero();
    assertThat(CapabilityNames.all()).hasSize(41).doesNotHaveDuplicates();
  }

  @Test
  void unknownCapabilityIsAnErrorNamingTheField() throws Exception {
    Spec spec = spec(MINIMAL.replace("\"cwd\": \"/\",",
        "\"cwd\": \"/\", \"capabilities\": {\"bounding\": [\"CAP_KILL\"], \"permitted\": [\"CAP_KILL\", \"CAP_FLY\"]},"));
    assertThatThrownBy(() -> plan(spec))
        .isInstanceOf(ContainerException.class)
        .hasMessageStartingWith(bundleDir.resolve("config.json").toString())
        .hasMessageContaining("process.capabilities.permitted")
        .hasMessageContaining("CAP_FLY");
  }

  @Test
  void rlimitsIncludingUnlimited() throws Exception {
    Spec spec = spec(MINIMAL.replace("\"cwd\": \"/\",", """
        "cwd": "/", "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 4096},
                                {"type": "RLIMIT_MEMLOCK", "soft": 18446744073709551615, "hard": 18446744073709551615},
                                {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}],"""));
    InitPlan plan = plan(spec);
    assertThat(all(plan, RLIMIT)).containsExactly(op(RLIMIT, 7, 1024, 4096), op(RLIMIT, 8, -1, -1), op(RLIMIT, 4, 0, 0));
    assertThat(first(plan, RLIMIT)).isGreaterThan(index(plan, op(PIVOT_ROOT, rootfs))).isLessThan(first(plan, SETUID));
  }

  @Test
  void unknownRlimitIsAnErrorNamingTheField() throws Exception {
    Spec spec = spec(MINIMAL.replace("\"cwd\": \"/\",",
        "\"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 1}, {\"type\": \"RLIMIT_FUN\", \"soft\": 1, \"hard\": 1}],"));
    assertThatThrownBy(() -> plan(spec))
        .isInstanceOf(ContainerException.class)
        .hasMessageContaining("process.rlimits[1].type")
        .hasMessageContaining("RLIMIT_FUN");
  }

  @Test
  void planEncodesForTheHelper() throws Exception {
    // Every op the planner emits has the helper's arity and no NUL: the whole plan encodes.
    assertThat(plan(dockerSpec()).encode().length).isGreaterThan(100);
    List<Opcode> seen = new ArrayList<>();
    plan(dockerSpec()).ops().forEach(o -> seen.add(o.opcode()));
    assertThat(seen).contains(MKDIRS, MKFILE, MKNOD, SYMLINK, MOUNT);
  }

  // --- terminals ---

  @Test
  void withoutATerminalTheInitOnlyGetsASession() throws Exception {
    InitPlan plan = plan(dockerSpec());
    assertThat(index(plan, op(SETSID))).isEqualTo(index(plan, op(PIVOT_ROOT, rootfs)) + 1);
    assertThat(all(plan, CONSOLE)).isEmpty();
  }

  @Test
  void aTerminalIsSetUpAfterPivotRootInItsOwnSessionBeforeTheRootIsFinalized() throws Exception {
    Spec spec = dockerSpec();
    spec.process.terminal = true;
    spec.process.consoleSize = new io.burrow.api.spec.Process.ConsoleSize();
    spec.process.consoleSize.height = 31;
    spec.process.consoleSize.width = 97;
    spec.process.user.uid = 1000L;
    spec.root.readonly = true;
    InitPlan plan = plan(spec);
    int pivot = index(plan, op(PIVOT_ROOT, rootfs));
    // As runc: the pty comes from the container's /dev/ptmx (its own devpts), the slave is bound
    // on /dev/console, and it is owned by the process's user.
    assertThat(plan.ops().subList(pivot + 1, pivot + 4)).containsExactly(
        op(SETSID), op(MKFILE, "/dev/console"), op(CONSOLE, "/dev/ptmx", 31, 97, "/dev/console", 1000));
    int console = index(plan, op(CONSOLE, "/dev/ptmx", 31, 97, "/dev/console", 1000));
    assertThat(console).isLessThan(first(plan, MASK)).isLessThan(first(plan, READONLY))
        .isLessThan(index(plan, op(REMOUNT_RO, "/"))).isLessThan(first(plan, SETUID));
    assertThat(all(plan, CONSOLE)).hasSize(1);
    assertThat(plan.encode().length).isGreaterThan(100);
  }

  @Test
  void aTerminalWithoutSizeOrDevMountKeepsTheKernelsSizeAndBindsNoConsole() throws Exception {
    Spec spec = spec(MINIMAL.replace("\"cwd\": \"/\",", "\"cwd\": \"/\", \"terminal\": true,"));
    InitPlan plan = plan(spec);
    // No /dev of the runtime's making: a bind-mounted /dev is the host's, where nothing is created.
    assertThat(all(plan, MKFILE)).isEmpty();
    assertThat(all(plan, CONSOLE)).containsExactly(op(CONSOLE, "/dev/ptmx", 0, 0, "", 0));
    assertThat(index(plan, op(CONSOLE, "/dev/ptmx", 0, 0, "", 0))).isEqualTo(index(plan, op(SETSID)) + 1);
  }

  @Test
  void sessionIsTheEntryPointForOtherProcessesToo() throws Exception {
    // What exec's plan appends once it is in the container's namespaces: no /dev/console for it.
    io.burrow.api.spec.Process process = dockerSpec().process;
    process.terminal = true;
    InitPlan.Builder tty = InitPlan.builder();
    InitPlanner.session(process, null, tty);
    assertThat(tty.build().ops()).containsExactly(op(SETSID), op(CONSOLE, "/dev/ptmx", 0, 0, "", 0));
    process.terminal = false;
    InitPlan.Builder none = InitPlan.builder();
    InitPlanner.session(process, null, none);
    assertThat(none.build().ops()).containsExactly(op(SETSID));
  }
}
