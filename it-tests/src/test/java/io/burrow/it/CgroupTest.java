package io.burrow.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.burrow.api.spec.SpecIo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code linux.resources} enforced through the container's cgroup, the commands that work on it
 * (pause, resume, update, events), and the container's view of it at /sys/fs/cgroup, with real
 * containers. Each test puts its containers under
 * a cgroup parent of its own ({@code /burrow-it-NNNN}), removed afterwards. The host paths are
 * the v1 ones where the controller is mounted as v1 (this host), the v2 ones otherwise.
 */
@ExtendWith(BurrowExtension.class)
class CgroupTest {
  private static final Path CGROUP = Path.of("/sys/fs/cgroup");
  private final List<String> parents = new ArrayList<>();

  @AfterEach
  void removeParents() throws IOException {
    for (String parent : parents) {
      for (Path dir : allHierarchies(parent)) {
        if (Files.isDirectory(dir)) {
          Files.delete(dir);
        }
      }
    }
  }

  private String path(TestEnv env, String id) {
    String parent = "/burrow-it-" + env.base().getFileName();
    if (!parents.contains(parent)) {
      parents.add(parent);
    }
    return parent + "/" + id;
  }

  private Bundle limited(TestEnv env, String id, String script, Consumer<ObjectNode> resources) {
    return limited(env.bundle(), env, id, script, resources);
  }

  /** {@code bundle} with {@code script}, cgroup parent {@link #path} and {@code resources}. */
  private Bundle limited(Bundle bundle, TestEnv env, String id, String script, Consumer<ObjectNode> resources) {
    return bundle.shell(script).editJson(c -> {
      ObjectNode linux = (ObjectNode) c.get("linux");
      linux.put("cgroupsPath", path(env, id));
      resources.accept(linux.putObject("resources"));
    });
  }

  /** The unified hierarchy: /sys/fs/cgroup/unified on a hybrid host, /sys/fs/cgroup on a pure v2 one. */
  private static Path unified() {
    return Files.isDirectory(CGROUP.resolve("unified")) ? CGROUP.resolve("unified") : CGROUP;
  }

  private static boolean v1(String controller) {
    return Files.isRegularFile(CGROUP.resolve(controller).resolve("cgroup.procs"));
  }

  /** A controller file of cgroup {@code path}: the v1 name in the v1 hierarchy, else the v2 name. */
  private static Path file(String controller, String path, String v1File, String v2File) {
    return v1(controller) ? CGROUP.resolve(controller + path).resolve(v1File) : Path.of(unified() + path).resolve(v2File);
  }

  private static List<Path> allHierarchies(String path) throws IOException {
    List<Path> dirs = new ArrayList<>();
    try (Stream<Path> s = Files.list(CGROUP)) {
      s.filter(Files::isDirectory).forEach(h -> dirs.add(Path.of(h + path)));
    }
    if (!v1("memory")) {
      dirs.add(Path.of(CGROUP + path));
    }
    return dirs;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file).trim();
    } catch (IOException e) {
      throw new AssertionError("cannot read " + file, e);
    }
  }

  private static void assertNoCgroup(String path) throws IOException {
    for (Path dir : allHierarchies(path)) {
      assertThat(dir).as("cgroup directory of the container").doesNotExist();
    }
  }

  @Test
  void memoryLimitOomKillsAnAllocationAndAContainerStartsWithin32Megabytes(TestEnv env) throws IOException {
    long limit = 32L << 20;
    // Under 32 MB the program itself runs (in gofer mode too: the gofer and sandbox JVMs are not charged to it).
    Bundle small = limited(env, "small", "echo small-ok", r -> r.putObject("memory").put("limit", limit));
    Burrow.Result ok = env.burrow().run("run", "--bundle", small.dir().toString(), "small");
    assertThat(ok.exitCode()).as("run under 32 MB: %s", ok).isZero();
    assertThat(ok.stdout()).contains("small-ok");

    // A shell variable of 60 MB lives in the shell's own memory.
    Bundle big = limited(env, "big", "x=$(head -c 60000000 /dev/zero | tr '\\0' a); echo survived ${#x}",
        r -> r.putObject("memory").put("limit", limit).put("swap", limit));
    Burrow.Result killed = env.burrow().run("run", "--bundle", big.dir().toString(), "big");
    assertThat(killed.stdout()).as("the allocation must not survive: %s", killed).doesNotContain("survived");
    assertThat(killed.exitCode()).as("killed by SIGKILL (the OOM killer): %s", killed).isEqualTo(137);
    assertNoCgroup(path(env, "big"));
    assertNoCgroup(path(env, "small"));
  }

  @Test
  void initIsInTheContainerCgroupBeforeItRunsAndItsCgroupNamespaceRootIsThere(TestEnv env) throws IOException {
    Bundle b = limited(env, "ns", "cat /proc/self/cgroup", r -> r.putObject("pids").put("limit", 100))
        .withNamespace("cgroup");
    TestEnv.Container c = env.create(b, "ns");
    String hostView = read(Path.of("/proc/" + c.pid() + "/cgroup"));
    assertThat(hostView).as("/proc/%d/cgroup of the created init", c.pid()).contains(path(env, "ns"));
    assertThat(Host.ns(c.pid(), "cgroup")).as("the init's cgroup namespace").isNotEqualTo(Host.ns(ProcessHandle.current().pid(), "cgroup"));
    env.burrow().run("start", "ns").ok();
    env.awaitStatus("ns", "stopped");
    String inside = c.create().stdout();
    assertThat(inside).as("/proc/self/cgroup inside").contains("0::/\n").doesNotContain("burrow-it");
    for (String line : inside.split("\n")) {
      assertThat(line).as("every hierarchy's root is the container cgroup").endsWith(":/");
    }
    env.burrow().run("delete", "ns").ok();
    assertNoCgroup(path(env, "ns"));
  }

  /**
   * What a program in the container sees at /sys/fs/cgroup, as a JVM or Go runtime looks: its
   * memory limit, its own cgroup.procs, every /proc/self/cgroup line resolved through the
   * mountinfo root of that hierarchy's mount (skipped: the unified line of a hybrid host, which
   * runc does not mount either), and writes refused.
   */
  private static final String CGROUP_VIEW = String.join("\n",
      "if [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then echo limit $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes);"
          + " else echo limit $(cat /sys/fs/cgroup/memory.max); fi",
      "procs=$(cat /sys/fs/cgroup/pids/cgroup.procs 2>/dev/null || cat /sys/fs/cgroup/cgroup.procs)",
      "for p in $procs; do [ $p = $$ ] && echo own-procs-list-the-shell; done",
      "sed 's/^/cgroup-line /' /proc/self/cgroup",
      "while IFS=: read id ctrls path; do",
      "  if [ -z \"$ctrls\" ]; then m=$(awk '$0 ~ / - cgroup2 / { print $4, $5; exit }' /proc/self/mountinfo)",
      "  else m=$(awk -v c=\"${ctrls%%,*}\" '{ for (i = 1; i <= NF; i++) if ($i == \"-\" && $(i+1) == \"cgroup\") {"
          + " n = split($(i+3), o, \",\"); for (j = 1; j <= n; j++) if (o[j] == c) { print $4, $5; exit } } }' /proc/self/mountinfo); fi",
      "  if [ -z \"$m\" ]; then echo unshown \"$id:$ctrls:$path\"; continue; fi",
      "  root=${m% *}; mnt=${m#* }",
      "  if [ \"$root\" = / ]; then rel=$path; else rel=${path#$root}; fi",
      "  if [ -d \"$mnt$rel\" ]; then echo found \"$id:$ctrls\" \"$mnt$rel\"; else echo missing \"$id:$ctrls:$path\" root $root mount $mnt; fi",
      "done < /proc/self/cgroup",
      "touch /sys/fs/cgroup/x 2>&1",
      "echo 1 2>&1 > $(ls /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max 2>/dev/null | head -1)",
      "echo done");

  @Test
  void cgroupMountShowsTheContainersOwnCgroupReadOnlyWithAndWithoutACgroupNamespace(TestEnv env) throws IOException {
    long limit = 64L << 20;
    // Two bundle directories: both containers are made before either runs.
    Bundle withNs = limited(env.bundle("own"), env, "own", CGROUP_VIEW, r -> r.putObject("memory").put("limit", limit))
        .withNamespace("cgroup");
    // Docker's default on v1: no cgroup namespace, so /proc/self/cgroup names host paths.
    Bundle withoutNs = limited(env.bundle("ownhost"), env, "ownhost", CGROUP_VIEW, r -> r.putObject("memory").put("limit", limit))
        .withoutNamespace("cgroup");
    for (Bundle b : List.of(withNs, withoutNs)) {
      String id = b == withNs ? "own" : "ownhost";
      Burrow.Result r = env.burrow().run("run", "--bundle", b.dir().toString(), id);
      assertOwnCgroupView(r, id, limit);
      List<String> lines = r.stdout().lines().filter(l -> l.startsWith("cgroup-line ")).toList();
      if (b == withNs) {
        assertThat(lines).as("/proc/self/cgroup in a cgroup namespace").isNotEmpty().allMatch(l -> l.endsWith(":/"));
      } else {
        assertThat(lines).as("/proc/self/cgroup without a cgroup namespace").isNotEmpty()
            .allMatch(l -> l.endsWith(path(env, id)));
      }
      assertNoCgroup(path(env, id));
    }
  }

  /**
   * {@link #CGROUP_VIEW}'s output: the container's own limit and cgroup.procs, every hierarchy's
   * line resolved to the hierarchy's mount point itself (the host's tree bound there would
   * resolve to a directory below it), and writes refused.
   */
  private static void assertOwnCgroupView(Burrow.Result r, String id, long limit) {
    assertThat(r.exitCode()).as("%s", r).isZero();
    String out = r.stdout();
    assertThat(out).as("%s: the container's memory limit, not the host root's: %s", id, r).contains("limit " + limit + "\n");
    assertThat(out).as("%s: cgroup.procs of its own cgroup: %s", id, r).contains("own-procs-list-the-shell");
    assertThat(out).as("%s: %s", id, r).contains("done").doesNotContain("missing");
    List<String> found = out.lines().filter(l -> l.startsWith("found ")).toList();
    assertThat(found).as("%s: %s", id, r).allMatch(l -> l.matches("found \\S+ /sys/fs/cgroup(/[^/]+)?/?"));
    // One per v1 hierarchy on a v1 host (this one), the single unified line on a v2 host.
    long v1Lines = read(Path.of("/proc/self/cgroup")).lines().filter(l -> !l.startsWith("0::")).count();
    assertThat(found).as("%s: every hierarchy resolved inside: %s", id, r).hasSize((int) (v1("memory") ? v1Lines : 1));
    assertThat(out.lines().filter(l -> l.startsWith("unshown "))).as("%s: only the unified line of a hybrid host", id)
        .allMatch(l -> l.startsWith("unshown 0::") && v1("memory"));
    // The tmpfs and each hierarchy are read-only (the default spec's "ro").
    assertThat(out + r.stderr()).as("%s: %s", id, r).contains("Read-only file system");
  }

  @Test
  void cgroupMountWorksInAUserNamespace(TestEnv env) throws IOException {
    long limit = 48L << 20;
    Bundle b = limited(env, "userns", CGROUP_VIEW, r -> r.putObject("memory").put("limit", limit)).edit(s -> {
      s.linux.uidMappings = new ArrayList<>(List.of(new io.burrow.api.spec.IdMapping(0, 100000, 65536)));
      s.linux.gidMappings = new ArrayList<>(List.of(new io.burrow.api.spec.IdMapping(0, 100000, 65536)));
    }).withNamespace("user");
    Host.sh("chown", "-R", "100000:100000", b.rootfs().toString()).ok();
    Burrow.Result r = env.burrow().run("run", "--bundle", b.dir().toString(), "userns");
    assertOwnCgroupView(r, "userns", limit);
    assertNoCgroup(path(env, "userns"));
  }

  @Test
  void pidsLimitOfTenMakesTheEleventhProcessFail(TestEnv env) throws IOException {
    // The shell is process 1 of 10; nine sleeps fit, the tenth fork (the 11th process) fails, and
    // busybox's sh gives up there. Each started sleep is counted with a builtin echo (no fork).
    Path out = env.dir("out");
    Bundle b = limited(env, "pids", "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 100 & echo $i >> /out/started; done",
        r -> r.putObject("pids").put("limit", 10)).bind("/out", out, "rw");
    Burrow.Result r = env.burrow().run("run", "--bundle", b.dir().toString(), "pids");
    assertThat(r.stderr()).as("%s", r).contains("can't fork");
    List<String> started = Files.readAllLines(out.resolve("started"));
    assertThat(started).as("sleeps started besides the shell").hasSize(9);
  }

  @Test
  void cpuQuotaOfOneFifthThrottlesABusyLoop(TestEnv env) {
    Bundle b = limited(env, "cpu", "while :; do :; done",
        r -> r.putObject("cpu").put("quota", 20000).put("period", 100000));
    env.create(b, "cpu");
    env.burrow().run("start", "cpu").ok();
    String p = path(env, "cpu");
    Path stat = file("cpu", p, "cpu.stat", "cpu.stat");
    assertThat(read(file("cpu", p, "cpu.cfs_quota_us", "cpu.max"))).startsWith("20000");
    boolean throttled = Host.eventually(Duration.ofSeconds(30),
        () -> read(stat).lines().anyMatch(l -> l.matches("nr_throttled [1-9][0-9]*")));
    assertThat(throttled).as("cpu.stat of the busy loop: %s", read(stat)).isTrue();
    JsonNode events = stats(env, "cpu");
    assertThat(events.path("data").path("cpu").path("throttling").path("throttledPeriods").asLong())
        .as("events --stats: %s", events).isPositive();
    env.burrow().run("delete", "--force", "cpu").ok();
  }

  private static JsonNode stats(TestEnv env, String id) {
    Burrow.Result r = env.burrow().run("events", "--stats", id).ok();
    try {
      JsonNode event = SpecIo.MAPPER.readTree(r.stdout());
      assertThat(event.path("type").asText()).isEqualTo("stats");
      assertThat(event.path("id").asText()).isEqualTo(id);
      return event;
    } catch (IOException e) {
      throw new AssertionError("events --stats printed no JSON: " + r, e);
    }
  }

  @Test
  void eventsStreamsStatsEveryIntervalAndAnOomEventPerKill(TestEnv env) throws Exception {
    long limit = 32L << 20;
    // A subshell holding 60 MB is OOM-killed every round. It raises its own oom_score_adj (no
    // privilege needed) so that the killer never picks the small loop, even while a victim is dying.
    Bundle b = limited(env, "ev", "while :; do (echo 1000 > /proc/self/oom_score_adj;"
        + " x=$(head -c 60000000 /dev/zero | tr '\\0' a)); sleep 0.3; done",
        r -> r.putObject("memory").put("limit", limit).put("swap", limit));
    env.create(b, "ev");
    env.burrow().run("start", "ev").ok();
    Path oomControl = file("memory", path(env, "ev"), "memory.oom_control", "memory.events");
    java.util.concurrent.CompletableFuture<Burrow.Result> events = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> env.burrow().run("events", "--interval", "1s", "ev"));
    long started = System.nanoTime();
    // The stream reports kills after its first look: let several happen while it runs.
    assertThat(Host.eventually(Duration.ofSeconds(60), () -> oomKills(read(oomControl)) >= 4
        && System.nanoTime() - started > Duration.ofSeconds(8).toNanos()))
        .as("OOM kills in %s: %s", oomControl, read(oomControl)).isTrue();
    env.burrow().run("kill", "ev", "KILL").ok();
    Burrow.Result r = events.get(60, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(r.exitCode()).as("events ends when the container stops: %s", r).isZero();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : r.stdout().split("\n")) {
      JsonNode e = SpecIo.MAPPER.readTree(line);
      assertThat(e.path("id").asText()).as(line).isEqualTo("ev");
      lines.add(e);
    }
    assertThat(lines).as("%s", r).filteredOn(e -> e.path("type").asText().equals("oom")).isNotEmpty();
    List<JsonNode> stats = lines.stream().filter(e -> e.path("type").asText().equals("stats")).toList();
    assertThat(stats).as("a stats event a second over 8 s: %s", r).hasSizeGreaterThanOrEqualTo(4);
    assertThat(stats.get(0).path("data").path("memory").path("usage").path("limit").asLong()).isEqualTo(limit);
    env.burrow().run("delete", "ev").ok();
    assertNoCgroup(path(env, "ev"));
  }

  private static long oomKills(String oomControlOrEvents) {
    return oomControlOrEvents.lines().filter(l -> l.startsWith("oom_kill ")).mapToLong(l -> Long.parseLong(l.substring(9)))
        .findFirst().orElse(0);
  }

  @Test
  void pauseFreezesACounterAndResumeThawsIt(TestEnv env) throws Exception {
    Path out = env.dir("out");
    Bundle b = limited(env, "frz", "i=0; while :; do i=$((i+1)); echo $i > /out/count; done", r -> r.putObject("pids").put("limit", 50))
        .bind("/out", out, "rw");
    env.create(b, "frz");
    env.burrow().run("start", "frz").ok();
    Path count = out.resolve("count");
    assertThat(Host.eventually(Duration.ofSeconds(30), () -> Files.exists(count) && !read(count).isEmpty())).isTrue();
    env.burrow().run("pause", "frz").ok();
    assertThat(env.status("frz")).isEqualTo("paused");
    Burrow.Result list = env.burrow().run("list").ok();
    assertThat(list.stdout()).contains("paused");
    assertThat(env.burrow().run("start", "frz").failed().errorMessage()).contains("paused");
    String frozen = read(count);
    // A frozen loop cannot write: the count stays while the container is paused.
    Thread.sleep(1000);
    assertThat(read(count)).as("count while paused").isEqualTo(frozen);
    env.burrow().run("resume", "frz").ok();
    assertThat(env.status("frz")).isEqualTo("running");
    assertThat(Host.eventually(Duration.ofSeconds(30), () -> {
      String now = read(count);
      return !now.isEmpty() && !now.equals(frozen);
    })).as("the count moves again after resume").isTrue();
    // delete --force of a paused container thaws, then kills, as runc's.
    env.burrow().run("pause", "frz").ok();
    env.burrow().run("delete", "--force", "frz").ok();
    assertNoCgroup(path(env, "frz"));
  }

  @Test
  void updateChangesLimitsLive(TestEnv env) throws IOException {
    Bundle b = limited(env, "upd", "sleep 1000", r -> r.putObject("memory").put("limit", 32L << 20));
    env.create(b, "upd");
    env.burrow().run("start", "upd").ok();
    String p = path(env, "upd");
    Path memLimit = file("memory", p, "memory.limit_in_bytes", "memory.max");
    assertThat(read(memLimit)).isEqualTo(Long.toString(32L << 20));
    env.burrow().run("update", "--memory", "64m", "upd").ok();
    assertThat(read(memLimit)).isEqualTo(Long.toString(64L << 20));
    Path resources = env.dir("res").resolve("r.json");
    Files.writeString(resources, "{\"pids\":{\"limit\":42},\"cpu\":{\"quota\":50000,\"period\":100000}}");
    env.burrow().runWithStdin(resources, "update", "--resources", "-", "upd").ok();
    assertThat(read(file("pids", p, "pids.max", "pids.max"))).isEqualTo("42");
    assertThat(read(file("cpu", p, "cpu.cfs_quota_us", "cpu.max"))).startsWith("50000");
    JsonNode event = stats(env, "upd");
    assertThat(event.path("data").path("memory").path("usage").path("limit").asLong()).as("%s", event).isEqualTo(64L << 20);
    assertThat(event.path("data").path("pids").path("current").asLong()).as("%s", event).isPositive();
    String bad = env.burrow().run("update", "--resources", resources.toString(), "--pids-limit", "-7", "upd").failed().errorMessage();
    assertThat(bad).contains("linux.resources.pids.limit");
    env.burrow().run("delete", "--force", "upd").ok();
    assertNoCgroup(p);
  }

  @Test
  void badCgroupInputNamesTheFieldAndLeavesNothing(TestEnv env) throws IOException {
    String[][] cases = {
      {"linux.cgroupsPath", "{\"cgroupsPath\":\"/burrow-it-x/../../etc\"}"},
      {"linux.resources.memory.limit", "{\"resources\":{\"memory\":{\"limit\":-5}}}"},
      {"linux.resources.memory.limit", "{\"resources\":{\"memory\":{\"limit\":\"lots\"}}}"},
      {"linux.resources.pids.limit", "{\"resources\":{\"pids\":{\"limit\":1.5}}}"},
      {"linux.resources.cpu.cpus", "{\"resources\":{\"cpu\":{\"cpus\":\"0-9999\"}}}"},
    };
    int i = 0;
    for (String[] c : cases) {
      String id = "bad" + i++;
      String p = path(env, id);
      Bundle b = env.bundle().shell("true").editJson(cfg -> {
        ObjectNode linux = (ObjectNode) cfg.get("linux");
        linux.put("cgroupsPath", p);
        try {
          linux.setAll((ObjectNode) SpecIo.MAPPER.readTree(c[1]));
        } catch (IOException e) {
          throw new AssertionError(e);
        }
      });
      Burrow.Result r = env.burrow().run("create", "--bundle", b.dir().toString(), id).failed();
      assertThat(r.errorMessage()).as("%s", c[1]).contains(c[0]);
      assertThat(env.stateDir(id)).doesNotExist();
      assertNoCgroup(p);
    }
    Bundle b = env.bundle().shell("true");
    Burrow.Result r = env.burrow().withGlobalFlags("--systemd-cgroup").run("create", "--bundle", b.dir().toString(), "sd").failed();
    assertThat(r.errorMessage()).contains("--systemd-cgroup").contains("systemd is not running");
    assertThat(env.stateDir("sd")).doesNotExist();
  }

  /** mknod needs CAP_MKNOD, which runc's default spec leaves out; the cgroup must allow it too. */
  private static void withMknod(ObjectNode config) {
    ObjectNode caps = (ObjectNode) config.get("process").get("capabilities");
    for (String set : List.of("bounding", "effective", "permitted")) {
      ((ArrayNode) caps.get(set)).add("CAP_MKNOD");
    }
  }

  @Test
  void deviceRulesDenyWhatTheSpecDoesNotAllow(TestEnv env) {
    // v1's devices.allow/deny where the devices controller is v1 (this host), the eBPF program on v2.
    // runc's defaults come after the spec's deny-all: mknod of anything, and the standard nodes.
    Bundle b = limited(env, "dev", "echo x > /dev/null && echo null-ok; mknod /dev/disk b 8 0 && echo mknod-ok;"
        + " head -c1 /dev/disk; echo read-$?", r -> r.putArray("devices").addObject().put("allow", false).put("access", "rwm"))
        .editJson(CgroupTest::withMknod);
    Burrow.Result r = env.burrow().run("run", "--bundle", b.dir().toString(), "dev");
    assertThat(r.stdout()).as("%s", r).contains("null-ok").contains("mknod-ok").contains("read-1");
    assertThat(r.stderr()).as("%s", r).contains("Operation not permitted");
  }

  @Test
  void updateAllowsADeviceAndKeepsTheDefaults(TestEnv env) throws IOException {
    Bundle b = limited(env, "devupd", "mknod /dev/fz c 10 229 && exec sleep 1000",
        r -> r.putArray("devices").addObject().put("allow", false).put("access", "rwm")).editJson(CgroupTest::withMknod);
    env.create(b, "devupd");
    env.burrow().run("start", "devupd").ok();
    assertThat(Host.eventually(Duration.ofSeconds(30), () -> env.burrow().run("exec", "devupd", "test", "-c", "/dev/fz")
        .exitCode() == 0)).as("the container made /dev/fz").isTrue();
    String open = ": < /dev/fz && echo opened";
    Burrow.Result before = env.burrow().run("exec", "devupd", "sh", "-c", open);
    assertThat(before.stdout()).as("%s", before).doesNotContain("opened");
    assertThat(before.stderr()).as("%s", before).contains("Operation not permitted");
    Path resources = env.dir("devres").resolve("r.json");
    Files.writeString(resources, "{\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":10,\"minor\":229,\"access\":\"rw\"}]}");
    env.burrow().run("update", "--resources", resources.toString(), "devupd").ok();
    Burrow.Result after = env.burrow().run("exec", "devupd", "sh", "-c", open + "; echo x > /dev/null && echo null-ok");
    // An update's device rules are a whole list, as at create: runc's defaults (/dev/null) stay allowed.
    assertThat(after.stdout()).as("%s", after).contains("opened").contains("null-ok");
    String p = path(env, "devupd");
    env.burrow().run("delete", "--force", "devupd").ok();
    assertNoCgroup(p);
  }

  @Test
  void execJoinsTheCgroupAndPsAndKillAllUseIt(TestEnv env) throws IOException {
    Bundle b = limited(env, "ps", "sleep 1000", r -> r.putObject("pids").put("limit", 20));
    TestEnv.Container c = env.create(b, "ps");
    env.burrow().run("start", "ps").ok();
    env.burrow().run("exec", "--detach", "ps", "sleep", "999").ok();
    String p = path(env, "ps");
    Path procs = Path.of((v1("pids") ? CGROUP.resolve("pids" + p) : Path.of(unified() + p)) + "/cgroup.procs");
    assertThat(Host.eventually(Duration.ofSeconds(30), () -> read(procs).lines().count() == 2))
        .as("the init and the exec'd sleep in %s: %s", procs, read(procs)).isTrue();
    JsonNode ps = SpecIo.MAPPER.readTree(env.burrow().run("ps", "--format", "json", "ps").ok().stdout());
    List<Long> listed = new ArrayList<>();
    ps.forEach(n -> listed.add(n.asLong()));
    assertThat(listed).as("ps --format json").containsExactlyInAnyOrderElementsOf(
        read(procs).lines().map(Long::parseLong).toList()).contains(c.pid());
    env.burrow().run("kill", "--all", "ps", "KILL").ok();
    env.awaitStatus("ps", "stopped");
    for (long pid : listed) {
      assertThat(TestEnv.awaitDead(pid)).as("pid %d after kill --all", pid).isTrue();
    }
    env.burrow().run("delete", "ps").ok();
    assertNoCgroup(p);
  }

  @Test
  void featuresReportTheCgroupVersion(TestEnv env) throws IOException {
    JsonNode features = SpecIo.MAPPER.readTree(env.burrow().run("features").ok().stdout());
    JsonNode cgroup = features.path("linux").path("cgroup");
    assertThat(cgroup.path("v1").asBoolean()).as("%s", cgroup).isEqualTo(v1("memory"));
    assertThat(cgroup.path("v2").asBoolean()).as("%s", cgroup).isEqualTo(!v1("memory"));
  }
}
