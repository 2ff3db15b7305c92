package io.burrow.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * burrow commands killed with SIGKILL at random points, as a client's timeout or the OOM killer
 * would: after each kill, {@code state} answers, {@code delete --force} cleans up, the id can be
 * used again, and no process, mount or state directory is left. The seed is printed, so a failing
 * sequence can be replayed with {@code -Dburrow.it.killSeed=N}.
 */
@ExtendWith(BurrowExtension.class)
class KilledCommandTest {
  private static final int KILLS = Integer.getInteger("burrow.it.kills", 8);
  /** A guard against hangs and spins only; never asserted as a duration. */
  private static final Duration BOUND = Duration.ofSeconds(20);

  private static Random random() {
    long seed = Long.getLong("burrow.it.killSeed", System.nanoTime());
    System.out.println("KilledCommandTest seed " + seed);
    return new Random(seed);
  }

  /** A delay spread over how long {@code full} took, a little past it too. */
  private static Duration somewhereIn(Duration full, Random r) {
    return Duration.ofNanos((long) (r.nextDouble() * full.toNanos() * 1.1));
  }

  /** How long each {@code delete --force} after a kill took: reported, never asserted. */
  private final List<Long> deleteMillis = new ArrayList<>();

  @AfterEach
  void report() {
    List<Long> sorted = deleteMillis.stream().sorted().toList();
    if (!sorted.isEmpty()) {
      System.out.printf("KilledCommandTest: %d kills; delete --force after them took median %d ms, max %d ms%n",
          sorted.size(), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1));
    }
  }

  private void recover(TestEnv env, Burrow burrow, String id, String what) {
    Burrow.Result state = burrow.run("state", id);
    assertThat(state.exitCode() == 0 || state.errorMessage().contains("does not exist"))
        .as("state after %s\n%s", what, state.outputs()).isTrue();
    Burrow.Result del = burrow.run("delete", "--force", id);
    deleteMillis.add(del.elapsed().toMillis());
    assertThat(del.exitCode() == 0 || del.errorMessage().contains("does not exist"))
        .as("delete --force after %s\n%s", what, del.outputs()).isTrue();
    assertThat(env.stateDir(id)).as("state dir after %s and delete --force", what).doesNotExist();
    assertThat(env.leaks()).as("left behind after %s", what).isEmpty();
  }

  @Test
  void createKilledAnywhere(TestEnv env) {
    Bundle b = env.bundle().args("sleep", "600");
    Burrow burrow = env.burrow().withTimeout(BOUND);
    Duration full = burrow.run("create", "--bundle", b.dir().toString(), "kc0").ok().elapsed();
    burrow.run("delete", "--force", "kc0").ok();
    Random r = random();
    for (int i = 1; i <= KILLS; i++) {
      String id = "kc" + i;
      Duration at = somewhereIn(full, r);
      burrow.runKilledAfter(at, "create", "--bundle", b.dir().toString(), id);
      recover(env, burrow, id, "create killed after " + at.toMillis() + " ms");
      // The id is free again.
      burrow.run("create", "--bundle", b.dir().toString(), id).ok();
      burrow.run("delete", "--force", id).ok();
    }
  }

  /** {@code start}, {@code kill KILL} or {@code delete --force} of {@code id}, by turns. */
  private static String[] command(int i, String id) {
    return switch (i % 3) {
      case 0 -> new String[] {"start", id};
      case 1 -> new String[] {"kill", id, "KILL"};
      default -> new String[] {"delete", "--force", id};
    };
  }

  /** A container ready for {@code command}: created, and started unless the command is start. */
  private static void prepare(Burrow burrow, Bundle b, String id, String[] command) {
    burrow.run("create", "--bundle", b.dir().toString(), id).ok();
    if (!command[0].equals("start")) {
      burrow.run("start", id).ok();
    }
  }

  @Test
  void startKillAndDeleteKilledAnywhere(TestEnv env) {
    Bundle b = env.bundle().args("sleep", "600");
    Burrow burrow = env.burrow().withTimeout(BOUND);
    Random r = random();
    for (int i = 0; i < KILLS; i++) {
      String id = "kk" + i;
      // How long the command takes here, measured on a twin container, so kills land anywhere in it.
      String twin = id + "t";
      prepare(burrow, b, twin, command(i, twin));
      Duration full = burrow.run(command(i, twin)).ok().elapsed();
      if (!command(i, twin)[0].equals("delete")) {
        burrow.run("delete", "--force", twin).ok();
      }

      String[] command = command(i, id);
      prepare(burrow, b, id, command);
      Duration at = somewhereIn(full, r);
      burrow.runKilledAfter(at, command);
      recover(env, burrow, id, String.join(" ", command) + " killed after " + at.toMillis() + " ms");
    }
  }
}
