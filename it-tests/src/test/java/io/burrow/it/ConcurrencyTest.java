package io.burrow.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.databind.JsonNode;
import io.burrow.api.spec.SpecIo;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Many containers on one --root at once, and racing commands on one container id. */
@ExtendWith(BurrowExtension.class)
class ConcurrencyTest {
  private static final int N = 20;

  /** Runs the tasks at once (released together) and returns their results in order. */
  static List<Burrow.Result> parallel(List<Callable<Burrow.Result>> tasks) {
    ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<Burrow.Result>> futures = new ArrayList<>();
      for (Callable<Burrow.Result> t : tasks) {
        futures.add(pool.submit(() -> {
          go.await();
          return t.call();
        }));
      }
      go.countDown();
      List<Burrow.Result> results = new ArrayList<>();
      List<String> errors = new ArrayList<>();
      for (Future<Burrow.Result> f : futures) {
        try {
          results.add(f.get());
        } catch (ExecutionException e) {
          errors.add(String.valueOf(e.getCause().getMessage()));
          results.add(null);
        }
      }
      if (!errors.isEmpty()) {
        throw new AssertionError(errors.size() + " concurrent invocations did not complete:\n" + String.join("\n", errors));
      }
      return results;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } finally {
      pool.shutdownNow();
    }
  }

  /** {@code list --format json} as id -> entry. */
  static Map<String, JsonNode> listJson(TestEnv env) {
    Burrow.Result r = env.burrow().run("list", "--format", "json").ok();
    Map<String, JsonNode> out = new LinkedHashMap<>();
    try {
      for (JsonNode n : SpecIo.MAPPER.readTree(r.stdout())) {
        out.put(n.path("id").asText(), n);
      }
    } catch (java.io.IOException e) {
      throw new AssertionError("list --format json printed no JSON\n" + r.outputs(), e);
    }
    return out;
  }

  static String failures(List<Burrow.Result> results) {
    return results.stream().filter(r -> r.exitCode() != 0).map(Burrow.Result::outputs).collect(Collectors.joining("\n"));
  }

  @Test
  void twoHundredRunsTwentyAtATimeOfAProgramThatExitsAtOnceAllStartOnALoadedMachine(TestEnv env) throws Exception {
    // A program that exits at once races `start`'s look at the start gate: under load, start once
    // called such an init "died before it could start" although its output was there (about one
    // run in twenty). A busy loop per core keeps the machine loaded as a parallel build would.
    // Gofer mode costs three JVMs a run, so it gets one round within the timeout.
    int runs = System.getProperty("burrow.it.globalFlags", "").contains("direct") ? 10 * N : N;
    Bundle b = env.bundle().shell("echo ok");
    Burrow burrow = env.burrow().withTimeout(Duration.ofSeconds(180));
    List<Process> load = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(N);
    try {
      for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
        load.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
      }
      List<Future<Burrow.Result>> started = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        String id = "r" + i;
        started.add(pool.submit(() -> burrow.run("run", "--bundle", b.dir().toString(), id)));
      }
      List<String> failed = new ArrayList<>();
      for (Future<Burrow.Result> f : started) {
        Burrow.Result r = f.get();
        if (r.exitCode() != 0 || !r.stdout().startsWith("ok")) {
          failed.add(r.outputs());
        }
      }
      assertThat(failed).as("runs of " + runs + " that failed").isEmpty();
    } finally {
      pool.shutdownNow();
      for (Process p : load) {
        p.destroyForcibly().waitFor();
      }
    }
    assertThat(env.burrow().run("list", "--quiet").ok().stdout().trim()).as("run deletes what it made").isEmpty();
  }

  @Test
  void twentyContainersCreatedStartedAndDeletedConcurrentlyOnOneRoot(TestEnv env) {
    Burrow burrow = env.burrow().withTimeout(Duration.ofSeconds(180));
    Bundle template = env.bundle("template").args("sleep", "1000");
    List<Bundle> bundles = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      bundles.add(template.copyTo(env.base().resolve("b" + i)));
      ids.add("cc-" + i);
    }

    List<Callable<Burrow.Result>> creates = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      Bundle b = bundles.get(i);
      String id = ids.get(i);
      creates.add(() -> burrow.run("create", "--bundle", b.dir().toString(), "--pid-file", b.dir().resolve("pid").toString(), id));
    }
    List<Burrow.Result> created = parallel(creates);
    assertThat(created).as("concurrent creates\n%s", failures(created)).allMatch(r -> r.exitCode() == 0);

    // One `list --format json` instead of twenty `state` calls (each is a JVM start).
    Map<String, JsonNode> listed = listJson(env);
    assertThat(listed.keySet()).containsExactlyInAnyOrderElementsOf(ids);
    Set<Long> pids = new HashSet<>();
    for (int i = 0; i < N; i++) {
      long pidFromFile = TestEnv.readPidFile(bundles.get(i).dir().resolve("pid"), created.get(i));
      env.trackPid(pidFromFile);
      JsonNode st = listed.get(ids.get(i));
      assertThat(st.path("status").asText()).as(ids.get(i)).isEqualTo("created");
      // The pid file names what a shim waits for: the init (direct mode) or the sandbox that is its parent.
      long statePid = st.path("pid").asLong();
      assertThat(statePid == pidFromFile || Host.ppid(statePid).orElse(-1L) == pidFromFile)
          .as("pid file of %s (%d) names the init %d or its sandbox", ids.get(i), pidFromFile, statePid).isTrue();
      assertThat(Path.of(st.path("bundle").asText())).isEqualTo(bundles.get(i).dir());
      assertThat(Host.alive(pidFromFile)).isTrue();
      pids.add(pidFromFile);
    }
    assertThat(pids).as("distinct init pids").hasSize(N);
    // The single-container view agrees with the list.
    assertThat(env.state(ids.get(N - 1)).path("pid").asLong()).isEqualTo(listed.get(ids.get(N - 1)).path("pid").asLong());

    // Start every other one, concurrently.
    List<Callable<Burrow.Result>> starts = new ArrayList<>();
    for (int i = 0; i < N; i += 2) {
      String id = ids.get(i);
      starts.add(() -> burrow.run("start", id));
    }
    List<Burrow.Result> started = parallel(starts);
    assertThat(started).as("concurrent starts\n%s", failures(started)).allMatch(r -> r.exitCode() == 0);
    Map<String, JsonNode> afterStart = listJson(env);
    for (int i = 0; i < N; i++) {
      assertThat(afterStart.get(ids.get(i)).path("status").asText()).as(ids.get(i)).isEqualTo(i % 2 == 0 ? "running" : "created");
    }

    // Delete all at once: the running ones with --force, the created ones without.
    List<Callable<Burrow.Result>> deletes = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      String id = ids.get(i);
      boolean force = i % 2 == 0;
      deletes.add(() -> force ? burrow.run("delete", "--force", id) : burrow.run("delete", id));
    }
    List<Burrow.Result> deleted = parallel(deletes);
    assertThat(deleted).as("concurrent deletes\n%s", failures(deleted)).allMatch(r -> r.exitCode() == 0);

    for (String id : ids) {
      assertThat(env.stateDir(id)).doesNotExist();
    }
    for (long pid : pids) {
      assertThat(TestEnv.awaitDead(pid)).as("init %d dead after delete", pid).isTrue();
    }
    assertThat(env.burrow().run("list", "--quiet").ok().stdout().trim()).isEmpty();
  }

  @Test
  void concurrentCreatesOfOneIdOneWinsAndTheLoserLeavesNothing(TestEnv env) throws Exception {
    Burrow burrow = env.burrow().withTimeout(Duration.ofSeconds(120));
    Bundle a = env.bundle("a").args("sleep", "1000");
    Bundle b = a.copyTo(env.base().resolve("b"));
    for (int round = 0; round < 2; round++) {
      String id = "same-" + round;
      Path pa = env.base().resolve("a-" + round + ".pid");
      Path pb = env.base().resolve("b-" + round + ".pid");
      List<Burrow.Result> rs = parallel(List.of(
          () -> burrow.run("create", "--bundle", a.dir().toString(), "--pid-file", pa.toString(), id),
          () -> burrow.run("create", "--bundle", b.dir().toString(), "--pid-file", pb.toString(), id)));
      long wins = rs.stream().filter(r -> r.exitCode() == 0).count();
      assertThat(wins).as("exactly one create of %s succeeds\n%s\n%s", id, rs.get(0).outputs(), rs.get(1).outputs()).isEqualTo(1);
      int winner = rs.get(0).exitCode() == 0 ? 0 : 1;
      Burrow.Result loser = rs.get(1 - winner).failed();
      assertThat(loser.errorMessage()).contains(id);
      Path winnerPid = winner == 0 ? pa : pb;
      Path loserPid = winner == 0 ? pb : pa;
      long pidFilePid = TestEnv.readPidFile(winnerPid, rs.get(winner));
      env.trackPid(pidFilePid);
      long pid = TestEnv.initOf(pidFilePid);
      var st = env.state(id);
      assertThat(st.path("status").asText()).isEqualTo("created");
      assertThat(st.path("pid").asLong()).as("the winner's init is the container").isEqualTo(pid);
      assertThat(Path.of(st.path("bundle").asText())).isEqualTo((winner == 0 ? a : b).dir());
      assertThat(Host.alive(pid)).isTrue();
      if (Files.exists(loserPid) && !Files.readString(loserPid).isBlank()) {
        long lp = Long.parseLong(Files.readString(loserPid).trim());
        if (lp != pid) {
          assertThat(TestEnv.awaitDead(lp)).as("the losing create's init %d is gone", lp).isTrue();
        }
      }
      env.burrow().run("delete", id).ok();
      assertThat(TestEnv.awaitDead(pid)).isTrue();
      assertThat(env.stateDir(id)).doesNotExist();
    }
  }

  @Test
  void startRacingDeleteResolvesToExactlyOne(TestEnv env) {
    Burrow burrow = env.burrow().withTimeout(Duration.ofSeconds(120));
    Bundle b = env.bundle().args("sleep", "1000");
    for (int round = 0; round < 3; round++) {
      String id = "race-" + round;
      TestEnv.Container c = env.create(b, id);
      List<Burrow.Result> rs = parallel(List.of(() -> burrow.run("start", id), () -> burrow.run("delete", id)));
      Burrow.Result start = rs.get(0);
      Burrow.Result delete = rs.get(1);
      assertThat(start.exitCode() == 0 ^ delete.exitCode() == 0)
          .as("exactly one of start and delete succeeds\n%s\n%s", start.outputs(), delete.outputs()).isTrue();
      if (start.exitCode() == 0) {
        assertThat(delete.failed().errorMessage()).contains(id);
        assertThat(env.status(id)).isEqualTo("running");
        assertThat(Host.alive(c.pid())).isTrue();
        env.burrow().run("delete", "--force", id).ok();
      } else {
        assertThat(start.failed().errorMessage()).contains(id);
        assertThat(env.burrow().run("state", id).failed().errorMessage()).contains(id);
      }
      assertThat(TestEnv.awaitDead(c.pid())).as("init of %s dead", id).isTrue();
      assertThat(env.stateDir(id)).doesNotExist();
    }
  }

  @Test
  void concurrentForcedDeletesOfOneRunningContainer(TestEnv env) {
    Burrow burrow = env.burrow().withTimeout(Duration.ofSeconds(120));
    Bundle b = env.bundle().args("sleep", "1000");
    for (int round = 0; round < 2; round++) {
      String id = "dd-" + round;
      TestEnv.Container c = env.create(b, id);
      env.burrow().run("start", id).ok();
      List<Burrow.Result> rs = parallel(List.of(
          () -> burrow.run("delete", "--force", id), () -> burrow.run("delete", "--force", id), () -> burrow.run("kill", id, "KILL")));
      assertThat(rs.subList(0, 2)).as("at least one forced delete succeeds\n%s", failures(rs)).anyMatch(r -> r.exitCode() == 0);
      for (Burrow.Result r : rs) {
        if (r.exitCode() != 0) {
          assertThat(r.failed().errorMessage()).as(r.outputs()).contains(id);
        }
      }
      assertThat(TestEnv.awaitDead(c.pid())).isTrue();
      assertThat(env.stateDir(id)).doesNotExist();
      assertThat(env.burrow().run("state", id).failed().errorMessage()).contains(id);
    }
  }
}
