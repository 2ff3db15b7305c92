package io.burrow.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.burrow.api.spec.IdMapping;
import io.burrow.api.spec.Linux;
import io.burrow.api.spec.Mount;
import io.burrow.api.spec.Process;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What a busybox container gets: namespaces, /proc, /dev, /sys, the spec's mounts, identity and environment. */
@ExtendWith(BurrowExtension.class)
class ContainerTest {

  /** {@code run}s the bundle's program, asserts exit 0, removes the container, returns its stdout. */
  static String runIn(TestEnv env, Bundle b, String id) {
    Burrow.Result r = env.burrow().run("run", "--bundle", b.dir().toString(), id);
    if (r.exitCode() != 0) {
      throw new AssertionError("container program failed\nconfig.json:\n" + b.configText() + "\n" + r.outputs());
    }
    LifecycleTest.removeAfterRun(env, id);
    return r.stdout();
  }

  /** "key value" lines printed by a script, as a map. */
  static Map<String, String> keyValues(String out) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : out.split("\n")) {
      int sp = line.indexOf(' ');
      if (sp > 0) {
        m.put(line.substring(0, sp), line.substring(sp + 1).trim());
      }
    }
    return m;
  }

  static void namespaces(Bundle b, String... types) {
    b.edit(s -> {
      List<Linux.Namespace> ns = new ArrayList<>();
      for (String t : types) {
        ns.add(new Linux.Namespace(t, null));
      }
      s.linux.namespaces = ns;
    });
  }

  /** /proc/mounts lines inside the container as [source, target, type, options]. */
  static List<String[]> mounts(String procMounts) {
    return procMounts.lines().map(l -> l.split(" ")).filter(f -> f.length >= 4).collect(Collectors.toList());
  }

  @Test
  void ownMountPidUtsIpcAndNetworkNamespaces(TestEnv env) {
    Bundle b = env.bundle().shell("for n in mnt pid uts ipc net; do echo $n $(readlink /proc/self/ns/$n); done");
    namespaces(b, "pid", "mount", "uts", "ipc", "network");
    Map<String, String> inside = keyValues(runIn(env, b, "ns1"));
    for (String n : List.of("mnt", "pid", "uts", "ipc", "net")) {
      assertThat(inside.get(n)).as("/proc/self/ns/%s inside", n).startsWith(n + ":[");
      assertThat(inside.get(n)).as("the container's %s namespace differs from the host's", n).isNotEqualTo(Host.selfNs(n));
    }
  }

  @Test
  void withoutANetworkNamespaceTheHostNetworkIsShared(TestEnv env) {
    Bundle b = env.bundle().shell("readlink /proc/self/ns/net; readlink /proc/self/ns/pid");
    namespaces(b, "pid", "mount", "uts", "ipc");
    List<String> out = runIn(env, b, "ns2").lines().collect(Collectors.toList());
    assertThat(out).hasSize(2);
    assertThat(out.get(0)).isEqualTo(Host.selfNs("net"));
    assertThat(out.get(1)).isNotEqualTo(Host.selfNs("pid"));
  }

  @Test
  void aNetworkNamespaceHasOnlyLoopback(TestEnv env) {
    Bundle b = env.bundle().shell("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
    namespaces(b, "pid", "mount", "uts", "ipc", "network");
    assertThat(runIn(env, b, "net1").lines()).containsExactly("lo");
  }

  @Test
  void pidOneAndProcShowsOnlyTheContainersProcesses(TestEnv env) {
    Bundle b = env.bundle().shell("echo self $$; echo cmd1 $(tr '\\0' ' ' < /proc/1/cmdline); echo pids $(cd /proc && ls -d [0-9]*)");
    Map<String, String> out = keyValues(runIn(env, b, "pid1"));
    assertThat(out.get("self")).isEqualTo("1");
    assertThat(out.get("cmd1")).startsWith("sh -c");
    List<Long> pids = Arrays.stream(out.get("pids").split(" ")).map(Long::parseLong).collect(Collectors.toList());
    assertThat(pids).as("/proc inside is the container's pid namespace").contains(1L).allMatch(p -> p < 100);
  }

  @Test
  void theProgramGetsOnlyStdioAsOpenFiles(TestEnv env) {
    // Nothing of burrow (JVM jars, locks, state files, sockets) may leak into the container as an fd.
    // ls runs as a child, so it lists the fds of pid 1 (the shell) without adding any of its own there;
    // "; true" keeps the shell from exec'ing ls.
    Bundle b = env.bundle().shell("ls /proc/1/fd; true");
    String out = runIn(env, b, "fd1");
    List<String> fds = out.lines().map(String::trim).filter(l -> !l.isEmpty()).collect(Collectors.toList());
    assertThat(fds).as("open fds of the container's pid 1:\n%s", out).containsExactlyInAnyOrder("0", "1", "2");
  }

  @Test
  void hostnameFromTheSpec(TestEnv env) {
    String hostBefore = Host.sh("hostname").ok().output().trim();
    Bundle b = env.bundle().edit(s -> s.hostname = "burrow-it-host").shell("hostname; cat /proc/sys/kernel/hostname");
    assertThat(runIn(env, b, "h1").lines()).containsExactly("burrow-it-host", "burrow-it-host");
    assertThat(Host.sh("hostname").ok().output().trim()).as("the host's hostname is untouched").isEqualTo(hostBefore);
  }

  @Test
  void envFromTheSpec(TestEnv env) {
    Bundle b = env.bundle().edit(s -> s.process.env = new ArrayList<>(List.of(
        "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "FOO=bar baz", "EMPTY=", "TERM=xterm")))
        .args("env");
    List<String> lines = runIn(env, b, "e1").lines().collect(Collectors.toList());
    assertThat(lines).contains("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "FOO=bar baz", "EMPTY=", "TERM=xterm");
    assertThat(lines).noneMatch(l -> l.startsWith(Burrow.MARK_ENV + "="));
  }

  @Test
  void cwdFromTheSpec(TestEnv env) {
    Bundle b = env.bundle().edit(s -> s.process.cwd = "/var/log").args("pwd");
    assertThat(runIn(env, b, "cwd1")).isEqualTo("/var/log\n");
  }

  @Test
  void uidGidAndAdditionalGids(TestEnv env) {
    Bundle b = env.bundle().edit(s -> {
      s.process.user = new Process.User();
      s.process.user.uid = 1000L;
      s.process.user.gid = 1000L;
      s.process.user.additionalGids = new ArrayList<>(List.of(10L, 20L));
    }).shell("echo uid $(id -u); echo gid $(id -g); echo groups $(grep '^Groups:' /proc/self/status | cut -f2); id");
    String out = runIn(env, b, "u1");
    Map<String, String> kv = keyValues(out);
    assertThat(kv.get("uid")).as(out).isEqualTo("1000");
    assertThat(kv.get("gid")).as(out).isEqualTo("1000");
    assertThat(kv.get("groups").split(" +")).as(out).containsExactlyInAnyOrder("10", "20");
    assertThat(out).contains("uid=1000(user) gid=1000(user)");
  }

  @Test
  void defaultUserIsRoot(TestEnv env) {
    Bundle b = env.bundle().shell("id -u; id -g");
    assertThat(runIn(env, b, "u0").lines()).containsExactly("0", "0");
  }

  @Test
  void procIsMounted(TestEnv env) {
    Bundle b = env.bundle().shell("cat /proc/mounts");
    List<String[]> m = mounts(runIn(env, b, "proc1"));
    assertThat(m).as("a proc mount on /proc").anyMatch(f -> f[1].equals("/proc") && f[2].equals("proc"));
  }

  @Test
  void devIsATmpfsWithTheStandardNodesAndPts(TestEnv env) {
    Bundle b = env.bundle().shell(
        "for d in null zero full random urandom tty; do echo $d $(stat -c '%F %t %T' /dev/$d); done; "
            + "echo x > /dev/null && echo null-write ok; "
            + "echo zeros $(head -c 3 /dev/zero | od -An -tx1); "
            + "echo urandom-bytes $(head -c 16 /dev/urandom | wc -c); "
            + "if echo x > /dev/full; then echo full-write accepted; else echo full-write refused; fi 2>/dev/null; "
            + "echo kmsg $(test -e /dev/kmsg && echo present || echo absent); "
            + "echo mounts; cat /proc/mounts");
    String out = runIn(env, b, "dev1");
    Map<String, String> kv = keyValues(out);
    assertThat(kv.get("null")).as(out).isEqualTo("character special file 1 3");
    assertThat(kv.get("zero")).as(out).isEqualTo("character special file 1 5");
    assertThat(kv.get("full")).as(out).isEqualTo("character special file 1 7");
    assertThat(kv.get("random")).as(out).isEqualTo("character special file 1 8");
    assertThat(kv.get("urandom")).as(out).isEqualTo("character special file 1 9");
    assertThat(kv.get("tty")).as(out).isEqualTo("character special file 5 0");
    assertThat(kv.get("null-write")).isEqualTo("ok");
    assertThat(kv.get("zeros")).isEqualTo("00 00 00");
    assertThat(kv.get("urandom-bytes")).isEqualTo("16");
    assertThat(kv.get("full-write")).isEqualTo("refused");
    assertThat(kv.get("kmsg")).as("the host's devtmpfs must not show through").isEqualTo("absent");
    List<String[]> m = mounts(out.substring(out.indexOf("mounts\n")));
    assertThat(m).as("/dev is a tmpfs\n%s", out).anyMatch(f -> f[1].equals("/dev") && f[2].equals("tmpfs"));
    assertThat(m).as("/dev/pts is a devpts\n%s", out).anyMatch(f -> f[1].equals("/dev/pts") && f[2].equals("devpts"));
  }

  @Test
  void sysIsMounted(TestEnv env) {
    Bundle b = env.bundle().shell("cat /proc/mounts; echo kernel $(test -d /sys/kernel && echo yes)");
    String out = runIn(env, b, "sys1");
    assertThat(mounts(out)).as(out).anyMatch(f -> f[1].equals("/sys") && (f[2].equals("sysfs") || f[2].equals("bind")));
    assertThat(out).contains("kernel yes");
  }

  @Test
  void tmpfsMountFromTheSpecAtANewMountPoint(TestEnv env) {
    Bundle b = env.bundle().edit(s -> s.mounts.add(new Mount("/mnt/scratch", "tmpfs", "tmpfs", new ArrayList<>(List.of("nosuid", "size=1m")))))
        .shell("echo hi > /mnt/scratch/f && cat /mnt/scratch/f; cat /proc/mounts");
    String out = runIn(env, b, "tmp1");
    assertThat(out).startsWith("hi\n");
    assertThat(mounts(out)).as(out).anyMatch(f -> f[1].equals("/mnt/scratch") && f[2].equals("tmpfs"));
    assertThat(b.rootfs().resolve("mnt/scratch/f")).as("the tmpfs file must not reach the rootfs").doesNotExist();
  }

  @Test
  void bindMountReadAndWrite(TestEnv env) throws Exception {
    Path data = env.dir("data");
    Files.writeString(data.resolve("in.txt"), "hello from host\n");
    Bundle b = env.bundle().bind("/data", data, "rw").shell("cat /data/in.txt; echo from-container > /data/out.txt");
    assertThat(runIn(env, b, "bind1")).isEqualTo("hello from host\n");
    assertThat(data.resolve("out.txt")).hasContent("from-container");
  }

  @Test
  void readOnlyBindMountRefusesWrites(TestEnv env) throws Exception {
    Path data = env.dir("data");
    Files.writeString(data.resolve("in.txt"), "read me\n");
    Bundle b = env.bundle().bind("/data", data, "ro")
        .shell("cat /data/in.txt; if echo x > /data/new.txt; then echo WROTE; else echo REFUSED; fi 2>/dev/null; "
            + "if rm /data/in.txt; then echo REMOVED; fi 2>/dev/null; true");
    assertThat(runIn(env, b, "bind2")).isEqualTo("read me\nREFUSED\n");
    assertThat(data.resolve("new.txt")).doesNotExist();
    assertThat(data.resolve("in.txt")).hasContent("read me");
  }

  @Test
  void readOnlyRoot(TestEnv env) {
    Bundle b = env.bundle().edit(s -> s.root.readonly = true)
        .shell("if touch /newfile; then echo WROTE; else echo REFUSED; fi 2>/dev/null; "
            + "if touch /tmp/newfile; then echo TMP-WROTE; else echo TMP-REFUSED; fi 2>/dev/null; "
            + "echo x > /dev/null && echo dev-ok");
    String out = runIn(env, b, "ro1");
    assertThat(out.lines()).containsExactly("REFUSED", "TMP-REFUSED", "dev-ok");
    assertThat(b.rootfs().resolve("newfile")).doesNotExist();
    assertThat(b.rootfs().resolve("tmp/newfile")).doesNotExist();
  }

  @Test
  void writableRootByDefaultInTheFixture(TestEnv env) {
    Bundle b = env.bundle().shell("echo written > /newfile && echo ok");
    assertThat(runIn(env, b, "rw1")).isEqualTo("ok\n");
    assertThat(b.rootfs().resolve("newfile")).hasContent("written");
  }

  @Test
  void joinsNamespacesGivenByPath(TestEnv env) {
    java.lang.Process holder = env.startHelper("unshare", "--net", "--ipc", "sleep", "1000");
    long hp = holder.pid();
    assertThat(Host.eventually(Duration.ofSeconds(10),
        () -> Host.ns(hp, "net").isPresent() && !Host.ns(hp, "net").get().equals(Host.selfNs("net"))
            && Host.cmdline(hp).startsWith("sleep")))
        .as("helper %d entered its own namespaces", hp).isTrue();
    String wantNet = Host.ns(hp, "net").orElseThrow();
    String wantIpc = Host.ns(hp, "ipc").orElseThrow();

    Bundle b = env.bundle().shell("readlink /proc/self/ns/net; readlink /proc/self/ns/ipc; readlink /proc/self/ns/uts");
    b.edit(s -> s.linux.namespaces = new ArrayList<>(List.of(
        new Linux.Namespace("pid", null),
        new Linux.Namespace("mount", null),
        new Linux.Namespace("uts", null),
        new Linux.Namespace("ipc", "/proc/" + hp + "/ns/ipc"),
        new Linux.Namespace("network", "/proc/" + hp + "/ns/net"))));
    List<String> out = runIn(env, b, "join1").lines().collect(Collectors.toList());
    assertThat(out).hasSize(3);
    assertThat(out.get(0)).as("joined network namespace").isEqualTo(wantNet);
    assertThat(out.get(1)).as("joined ipc namespace").isEqualTo(wantIpc);
    assertThat(out.get(2)).as("a fresh uts namespace").isNotEqualTo(Host.selfNs("uts"));
    assertThat(Host.alive(hp)).as("the namespace holder survives the container").isTrue();
  }

  @Test
  void joinsTheNetworkNamespaceOfAnotherContainer(TestEnv env) {
    Bundle first = env.bundle("first").args("sleep", "1000");
    namespaces(first, "pid", "mount", "uts", "ipc", "network");
    TestEnv.Container a = env.create(first, "pod-a");
    String netA = Host.ns(a.pid(), "net").orElseThrow();
    assertThat(netA).isNotEqualTo(Host.selfNs("net"));

    Bundle second = env.bundle("second").shell("readlink /proc/self/ns/net");
    second.edit(s -> s.linux.namespaces = new ArrayList<>(List.of(
        new Linux.Namespace("pid", null), new Linux.Namespace("mount", null), new Linux.Namespace("uts", null),
        new Linux.Namespace("ipc", null), new Linux.Namespace("network", "/proc/" + a.pid() + "/ns/net"))));
    assertThat(runIn(env, second, "pod-b")).isEqualTo(netA + "\n");

    env.burrow().run("delete", "--force", "pod-a").ok();
  }

  @Test
  void joinsThePidNamespaceOfAnotherContainer(TestEnv env) {
    // Kubernetes pods with shareProcessNamespace: the second container sees the first's processes.
    Bundle first = env.bundle("first").args("sleep", "1000");
    namespaces(first, "pid", "mount", "uts", "ipc", "network");
    TestEnv.Container a = env.create(first, "pid-a");
    env.burrow().run("start", "pid-a").ok();
    String pidA = Host.ns(a.pid(), "pid").orElseThrow();

    Bundle second = env.bundle("second").shell("readlink /proc/self/ns/pid; cat /proc/1/comm");
    second.edit(s -> s.linux.namespaces = new ArrayList<>(List.of(
        new Linux.Namespace("pid", "/proc/" + a.pid() + "/ns/pid"), new Linux.Namespace("mount", null),
        new Linux.Namespace("uts", null), new Linux.Namespace("ipc", null), new Linux.Namespace("network", null))));
    assertThat(runIn(env, second, "pid-b")).isEqualTo(pidA + "\nsleep\n");

    env.burrow().run("delete", "--force", "pid-a").ok();
  }

  @Test
  void userNamespaceWithUidMapping(TestEnv env) throws Exception {
    Path data = env.dir("data");
    Bundle b = env.bundle().bind("/data", data, "rw");
    // As with runc: the mapped root must own the files it writes to.
    Host.sh("chown", "-R", "100000:100000", b.rootfs().toString(), data.toString()).ok();
    b.edit(s -> {
      s.linux.namespaces = new ArrayList<>(List.of(
          new Linux.Namespace("pid", null), new Linux.Namespace("mount", null), new Linux.Namespace("uts", null),
          new Linux.Namespace("ipc", null), new Linux.Namespace("network", null), new Linux.Namespace("user", null)));
      s.linux.uidMappings = new ArrayList<>(List.of(new IdMapping(0, 100000, 65536)));
      s.linux.gidMappings = new ArrayList<>(List.of(new IdMapping(0, 100000, 65536)));
    }).shell("echo uid $(id -u); echo gid $(id -g); echo uidmap $(cat /proc/self/uid_map); "
        + "echo gidmap $(cat /proc/self/gid_map); touch /data/owned && mkdir /data/dir && echo wrote yes");
    String out = runIn(env, b, "user1");
    Map<String, String> kv = keyValues(out);
    assertThat(kv.get("uid")).as(out).isEqualTo("0");
    assertThat(kv.get("gid")).as(out).isEqualTo("0");
    assertThat(kv.get("uidmap")).as(out).isEqualTo("0 100000 65536");
    assertThat(kv.get("gidmap")).as(out).isEqualTo("0 100000 65536");
    assertThat(kv.get("wrote")).as(out).isEqualTo("yes");
    assertThat(Files.getAttribute(data.resolve("owned"), "unix:uid")).as("host owner of a file created by container root").isEqualTo(100000);
    assertThat(Files.getAttribute(data.resolve("owned"), "unix:gid")).isEqualTo(100000);
    assertThat(Files.getAttribute(data.resolve("dir"), "unix:uid")).isEqualTo(100000);
  }
}
