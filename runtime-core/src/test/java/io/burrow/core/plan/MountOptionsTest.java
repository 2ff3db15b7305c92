package io.burrow.core.plan;

import static io.burrow.core.plan.MountOptions.MS_BIND;
import static io.burrow.core.plan.MountOptions.MS_NODEV;
import static io.burrow.core.plan.MountOptions.MS_NOEXEC;
import static io.burrow.core.plan.MountOptions.MS_NOSUID;
import static io.burrow.core.plan.MountOptions.MS_PRIVATE;
import static io.burrow.core.plan.MountOptions.MS_RDONLY;
import static io.burrow.core.plan.MountOptions.MS_REC;
import static io.burrow.core.plan.MountOptions.MS_RELATIME;
import static io.burrow.core.plan.MountOptions.MS_SHARED;
import static io.burrow.core.plan.MountOptions.MS_SLAVE;
import static io.burrow.core.plan.MountOptions.MS_STRICTATIME;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Proves that mount options split as mount(8) and runc split them: known flags become mount(2)
 * flags (later options win, "rw" clears "ro"), propagation options are kept apart, everything else
 * is the filesystem's data string in order; and which bind mounts need a remount.
 */
class MountOptionsTest {
  @Test
  void flagsPropagationAndDataAreSeparated() {
    MountOptions o = MountOptions.parse(List.of("nosuid", "strictatime", "mode=755", "size=65536k", "rslave", "ro"));
    assertThat(o.flags()).isEqualTo(MS_NOSUID | MS_STRICTATIME | MS_RDONLY);
    assertThat(o.propagation()).isEqualTo(MS_SLAVE | MS_REC);
    assertThat(o.data()).isEqualTo("mode=755,size=65536k");
    assertThat(o.clearedFlags()).isZero();
  }

  @Test
  void laterOptionsWin() {
    MountOptions o = MountOptions.parse(List.of("ro", "rw", "noexec"));
    assertThat(o.flags()).isEqualTo(MS_NOEXEC);
    assertThat(o.clearedFlags()).isEqualTo(MS_RDONLY);
    MountOptions back = MountOptions.parse(List.of("rw", "ro"));
    assertThat(back.flags()).isEqualTo(MS_RDONLY);
    assertThat(back.clearedFlags()).isZero();
    assertThat(MountOptions.parse(List.of("shared", "private")).propagation()).isEqualTo(MS_PRIVATE);
  }

  @Test
  void bindAndRbind() {
    assertThat(MountOptions.parse(List.of("bind")).flags()).isEqualTo(MS_BIND);
    assertThat(MountOptions.parse(List.of("rbind", "rshared")).flags()).isEqualTo(MS_BIND | MS_REC);
    assertThat(MountOptions.parse(List.of("rbind", "rshared")).propagation()).isEqualTo(MS_SHARED | MS_REC);
  }

  @Test
  void nullAndEmptyOptionsAreNothing() {
    assertThat(MountOptions.parse(null)).isEqualTo(new MountOptions(0, 0, 0, ""));
    assertThat(MountOptions.parse(List.of())).isEqualTo(new MountOptions(0, 0, 0, ""));
  }

  @Test
  void unknownOptionsKeepTheirOrderInData() {
    assertThat(MountOptions.parse(List.of("newinstance", "nodev", "ptmxmode=0666", "gid=5")).data())
        .isEqualTo("newinstance,ptmxmode=0666,gid=5");
    assertThat(MountOptions.parse(List.of("nodev", "relatime")).flags()).isEqualTo(MS_NODEV | MS_RELATIME);
  }

  @Test
  void remountIsNeededOnlyForFlagsABindIgnores() {
    assertThat(MountOptions.parse(List.of("rbind", "rprivate")).needsRemount()).isFalse();
    assertThat(MountOptions.parse(List.of("rbind", "rw")).needsRemount()).isFalse();
    assertThat(MountOptions.parse(List.of("bind", "ro")).needsRemount()).isTrue();
    assertThat(MountOptions.parse(List.of("bind", "nosuid")).needsRemount()).isTrue();
    assertThat(MountOptions.parse(List.of("bind", "noatime")).needsRemount()).isTrue();
  }
}
