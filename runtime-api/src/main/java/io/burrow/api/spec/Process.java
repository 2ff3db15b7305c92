package io.burrow.api.spec;

import java.math.BigInteger;
import java.util.List;

/** The container process: {@code process} in config.json. */
public final class Process extends SpecObject {
  public Boolean terminal;
  public ConsoleSize consoleSize;
  public User user;
  public List<String> args;
  public String commandLine;
  public List<String> env;
  public String cwd;
  public Capabilities capabilities;
  public List<Rlimit> rlimits;
  public Boolean noNewPrivileges;
  public String apparmorProfile;
  public Integer oomScoreAdj;
  public String selinuxLabel;

  /** {@code process.consoleSize}. */
  public static final class ConsoleSize extends SpecObject {
    public Integer height;
    public Integer width;
  }

  /** {@code process.user}. */
  public static final class User extends SpecObject {
    public Long uid;
    public Long gid;
    public Integer umask;
    public List<Long> additionalGids;
    public String username;
  }

  /** {@code process.capabilities}: capability names such as {@code CAP_CHOWN} per set. */
  public static final class Capabilities extends SpecObject {
    public List<String> bounding;
    public List<String> effective;
    public List<String> inheritable;
    public List<String> permitted;
    public List<String> ambient;
  }

  /**
   * One {@code process.rlimits} entry, e.g. {@code RLIMIT_NOFILE}. The limits are uint64 in the
   * spec: docker writes RLIM_INFINITY as 18446744073709551615, which does not fit a long.
   */
  public static final class Rlimit extends SpecObject {
    public String type;
    public BigInteger hard;
    public BigInteger soft;
  }
}
