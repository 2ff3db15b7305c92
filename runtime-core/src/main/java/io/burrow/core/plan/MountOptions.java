package io.burrow.core.plan;

import java.util.List;
import java.util.Map;

/**
 * A mount's {@code options} split the way mount(8) and runc split them: flags for mount(2), a
 * propagation change applied afterwards, and the rest joined as the filesystem's data string.
 * Immutable.
 */
public record MountOptions(long flags, long clearedFlags, long propagation, String data) {
  public static final long MS_RDONLY = 1;
  public static final long MS_NOSUID = 2;
  public static final long MS_NODEV = 4;
  public static final long MS_NOEXEC = 8;
  public static final long MS_SYNCHRONOUS = 16;
  public static final long MS_REMOUNT = 32;
  public static final long MS_MANDLOCK = 64;
  public static final long MS_DIRSYNC = 128;
  public static final long MS_NOATIME = 1024;
  public static final long MS_NODIRATIME = 2048;
  public static final long MS_BIND = 4096;
  public static final long MS_REC = 16384;
  public static final long MS_UNBINDABLE = 1 << 17;
  public static final long MS_PRIVATE = 1 << 18;
  public static final long MS_SLAVE = 1 << 19;
  public static final long MS_SHARED = 1 << 20;
  public static final long MS_RELATIME = 1 << 21;
  public static final long MS_STRICTATIME = 1 << 24;
  public static final long MS_LAZYTIME = 1 << 25;

  private record Flag(boolean clear, long value) {}

  private static final Map<String, Flag> FLAGS = Map.ofEntries(
      Map.entry("ro", new Flag(false, MS_RDONLY)), Map.entry("rw", new Flag(true, MS_RDONLY)),
      Map.entry("nosuid", new Flag(false, MS_NOSUID)), Map.entry("suid", new Flag(true, MS_NOSUID)),
      Map.entry("nodev", new Flag(false, MS_NODEV)), Map.entry("dev", new Flag(true, MS_NODEV)),
      Map.entry("noexec", new Flag(false, MS_NOEXEC)), Map.entry("exec", new Flag(true, MS_NOEXEC)),
      Map.entry("sync", new Flag(false, MS_SYNCHRONOUS)), Map.entry("async", new Flag(true, MS_SYNCHRONOUS)),
      Map.entry("dirsync", new Flag(false, MS_DIRSYNC)), Map.entry("remount", new Flag(false, MS_REMOUNT)),
      Map.entry("mand", new Flag(false, MS_MANDLOCK)), Map.entry("nomand", new Flag(true, MS_MANDLOCK)),
      Map.entry("atime", new Flag(true, MS_NOATIME)), Map.entry("noatime", new Flag(false, MS_NOATIME)),
      Map.entry("diratime", new Flag(true, MS_NODIRATIME)), Map.entry("nodiratime", new Flag(false, MS_NODIRATIME)),
      Map.entry("relatime", new Flag(false, MS_RELATIME)), Map.entry("norelatime", new Flag(true, MS_RELATIME)),
      Map.entry("strictatime", new Flag(false, MS_STRICTATIME)),
      Map.entry("nostrictatime", new Flag(true, MS_STRICTATIME)),
      Map.entry("lazytime", new Flag(false, MS_LAZYTIME)), Map.entry("nolazytime", new Flag(true, MS_LAZYTIME)),
      Map.entry("bind", new Flag(false, MS_BIND)), Map.entry("rbind", new Flag(false, MS_BIND | MS_REC)));

  private static final Map<String, Long> PROPAGATION = Map.of(
      "private", MS_PRIVATE, "rprivate", MS_PRIVATE | MS_REC,
      "shared", MS_SHARED, "rshared", MS_SHARED | MS_REC,
      "slave", MS_SLAVE, "rslave", MS_SLAVE | MS_REC,
      "unbindable", MS_UNBINDABLE, "runbindable", MS_UNBINDABLE | MS_REC);

  public static MountOptions parse(List<String> options) {
    long flags = 0;
    long cleared = 0;
    long propagation = 0;
    StringBuilder data = new StringBuilder();
    for (String option : options == null ? List.<String>of() : options) {
      Flag flag = FLAGS.get(option);
      Long prop = PROPAGATION.get(option);
      if (flag != null) {
        if (flag.clear()) {
          flags &= ~flag.value();
          cleared |= flag.value();
        } else {
          flags |= flag.value();
          cleared &= ~flag.value();
        }
      } else if (prop != null) {
        propagation = prop;
      } else {
        if (data.length() > 0) {
          data.append(',');
        }
        data.append(option);
      }
    }
    return new MountOptions(flags, cleared, propagation, data.toString());
  }

  /** True when a bind mount needs a second, remounting mount(2) call for these flags to apply. */
  public boolean needsRemount() {
    return (flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME
        | MS_STRICTATIME)) != 0;
  }
}
