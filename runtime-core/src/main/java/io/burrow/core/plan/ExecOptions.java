package io.burrow.core.plan;

import java.util.List;

/**
 * What {@code burrow exec} was told on its command line about the process, in runc's terms; a
 * null or empty value means "not given", so the container's own process setting stays.
 * Immutable.
 *
 * @param args the program and its arguments (after the container id)
 * @param user {@code uid[:gid]}, numeric, as runc's {@code --user}
 * @param capabilities names added to the bounding, effective, permitted and ambient sets
 * @param noNewPrivileges {@code --no-new-privs}; null when not given
 * @param apparmorProfile accepted and recorded only: this host has neither AppArmor nor SELinux
 * @param processLabel accepted and recorded only, as {@code apparmorProfile}
 */
public record ExecOptions(
    List<String> args,
    String cwd,
    List<String> env,
    boolean tty,
    String user,
    List<Long> additionalGids,
    List<String> capabilities,
    Boolean noNewPrivileges,
    String apparmorProfile,
    String processLabel) {

  public ExecOptions {
    args = args == null ? List.of() : List.copyOf(args);
    env = env == null ? List.of() : List.copyOf(env);
    additionalGids = additionalGids == null ? List.of() : List.copyOf(additionalGids);
    capabilities = capabilities == null ? List.of() : List.copyOf(capabilities);
  }

  /** Only a program, everything else from the container. */
  public static ExecOptions of(List<String> args) {
    return new ExecOptions(args, null, null, false, null, null, null, null, null, null);
  }
}
