package io.burrow.core.plan;

import io.burrow.api.launch.InitPlan;
import io.burrow.api.launch.Opcode;
import io.burrow.api.spec.Linux;
import io.burrow.api.spec.NamespaceType;
import io.burrow.api.spec.Process;
import io.burrow.api.spec.Spec;
import io.burrow.api.spec.SpecIo;
import io.burrow.core.ContainerException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The runtime's policy for a process started in a running container ({@code burrow exec}),
 * written down as an {@link InitPlan} for the same helper that starts inits: join the init's
 * namespaces, fork (a pid namespace takes effect for children only), then become the process
 * exactly as an init does ({@link ProcessSetup}) and execute it at once. Which process: runc's
 * rules, either a process.json (fields it leaves out come from the container, as runc's
 * {@code newInitConfig}) or the container's own process with the command-line overrides of
 * runc's {@code getProcess}. Stateless and thread-safe.
 */
public final class ExecPlanner {
  /** The order runc joins a container's namespaces in, after the ones it joined by path. */
  private static final List<NamespaceType> JOIN_ORDER = List.of(NamespaceType.USER, NamespaceType.MOUNT,
      NamespaceType.PID, NamespaceType.NETWORK, NamespaceType.IPC, NamespaceType.UTS, NamespaceType.CGROUP,
      NamespaceType.TIME);

  private ExecPlanner() {}

  /**
   * The namespaces of the container's init an exec joins, in the order it joins them: the ones
   * the spec joins by path first (the init joined them too before it entered its user namespace,
   * while it still had host privileges, so they may belong to the host's user namespace), then
   * the user namespace, then the rest (mount, pid, network, ipc, uts, cgroup, time). Namespaces
   * the spec does not list are shared with the host, where {@code burrow exec} already is.
   */
  public static List<NamespaceType> namespacesToJoin(Spec spec) {
    List<Linux.Namespace> listed = spec.linux == null || spec.linux.namespaces == null ? List.of() : spec.linux.namespaces;
    List<NamespaceType> order = new ArrayList<>();
    for (Linux.Namespace ns : listed) {
      NamespaceType type = NamespaceType.fromSpec(ns.type).orElseThrow();
      if (ns.path != null && !ns.path.isEmpty() && type != NamespaceType.USER) {
        order.add(type);
      }
    }
    for (NamespaceType type : JOIN_ORDER) {
      boolean isListed = listed.stream().anyMatch(ns -> type.specName().equals(ns.type));
      if (isListed && !order.contains(type)) {
        order.add(type);
      }
    }
    return order;
  }

  /**
   * The plan of an exec: SETNS_FD on the inherited fds {@code firstNamespaceFd},
   * {@code firstNamespaceFd + 1}, ... (the init's namespaces of {@link #namespacesToJoin}, in that
   * order), FORK, the session (with {@code process.terminal} a CONSOLE op: launch it with a console
   * socket), the process, READY, EXEC. Nothing waits for a start: the program runs as soon
   * as the runtime has its pid.
   *
   * @param process the exec process, from {@link #fromFile} or {@link #inline}
   * @param where names the process's source in errors (the process.json, or the command line)
   */
  public static InitPlan plan(Spec spec, Process process, int firstNamespaceFd, String where) throws ContainerException {
    InitPlan.Builder plan = InitPlan.builder();
    List<NamespaceType> namespaces = namespacesToJoin(spec);
    for (int i = 0; i < namespaces.size(); i++) {
      plan.op(Opcode.SETNS_FD, Integer.toString(firstNamespaceFd + i), Integer.toString(namespaces.get(i).cloneFlag()));
    }
    // No PDEATHSIG: a detached exec outlives `burrow exec`; it dies with the container's pid namespace.
    plan.op(Opcode.FORK);
    // The session and, with a terminal, the pty from the container's devpts, bound nowhere (as runc's exec).
    InitPlanner.session(process, null, plan);
    try {
      ProcessSetup.apply(process, plan);
    } catch (IllegalArgumentException e) {
      throw new ContainerException(where + ": " + e.getMessage(), e);
    }
    plan.op(Opcode.READY);
    plan.op(Opcode.EXEC, process.args);
    return plan.build();
  }

  /**
   * The exec process given by a process.json ({@code --process}, what containerd and dockerd
   * send). As runc: capabilities and rlimits it does not give are the container's; everything
   * else is the file's (an absent user is uid 0, gid 0, an absent no_new_privs is off).
   */
  public static Process fromFile(Spec spec, Process file, String where) throws ContainerException {
    Process p = copy(file);
    if (p.user == null) {
      p.user = new Process.User();
    }
    if (p.user.uid == null) {
      p.user.uid = 0L;
    }
    if (p.user.gid == null) {
      p.user.gid = 0L;
    }
    if (p.capabilities == null && spec.process != null && spec.process.capabilities != null) {
      p.capabilities = copy(spec.process).capabilities;
    }
    if ((p.rlimits == null || p.rlimits.isEmpty()) && spec.process != null) {
      p.rlimits = copy(spec.process).rlimits;
    }
    validate(p, where);
    return p;
  }

  /**
   * The exec process given on the command line: the container's {@code process} with runc's
   * overrides: the program, {@code --cwd}, {@code --env} appended, {@code --user uid[:gid]},
   * {@code --additional-gids} appended, {@code --cap} added to the bounding, effective, permitted
   * and ambient sets, {@code --no-new-privs}, {@code --tty}. AppArmor profiles and SELinux labels
   * are kept in the process but not applied: this host has neither (as the container's).
   */
  public static Process inline(Spec spec, ExecOptions options, String where) throws ContainerException {
    if (options.args().isEmpty()) {
      throw new ContainerException("process args cannot be empty: give a command after the container id, or --process FILE");
    }
    Process p = copy(spec.process);
    p.args = new ArrayList<>(options.args());
    p.commandLine = null;
    if (options.cwd() != null && !options.cwd().isEmpty()) {
      p.cwd = options.cwd();
    }
    if (options.apparmorProfile() != null && !options.apparmorProfile().isEmpty()) {
      p.apparmorProfile = options.apparmorProfile();
    }
    if (options.processLabel() != null && !options.processLabel().isEmpty()) {
      p.selinuxLabel = options.processLabel();
    }
    if (!options.capabilities().isEmpty()) {
      if (p.capabilities == null) {
        p.capabilities = new Process.Capabilities();
      }
      Process.Capabilities caps = p.capabilities;
      for (String name : options.capabilities()) {
        String cap = capabilityName(name);
        caps.bounding = added(caps.bounding, cap);
        caps.effective = added(caps.effective, cap);
        caps.permitted = added(caps.permitted, cap);
        caps.ambient = added(caps.ambient, cap);
      }
    }
    List<String> env = p.env == null ? new ArrayList<>() : new ArrayList<>(p.env);
    env.addAll(options.env());
    p.env = env;
    p.terminal = options.tty();
    if (options.noNewPrivileges() != null) {
      p.noNewPrivileges = options.noNewPrivileges();
    }
    if (p.user == null) {
      p.user = new Process.User();
      p.user.uid = 0L;
      p.user.gid = 0L;
    }
    if (options.user() != null && !options.user().isEmpty()) {
      String[] ids = options.user().split(":", 2);
      p.user.uid = parseId(ids[0], "uid", options.user());
      if (ids.length > 1) {
        p.user.gid = parseId(ids[1], "gid", options.user());
      }
    }
    if (!options.additionalGids().isEmpty()) {
      List<Long> gids = p.user.additionalGids == null ? new ArrayList<>() : new ArrayList<>(p.user.additionalGids);
      for (long gid : options.additionalGids()) {
        if (gid < 0) {
          throw new ContainerException("--additional-gids " + gid + ": must be a positive number");
        }
        gids.add(gid);
      }
      p.user.additionalGids = gids;
    }
    validate(p, where);
    return p;
  }

  /** runc's validateProcessSpec. */
  private static void validate(Process p, String where) throws ContainerException {
    if (p.cwd == null || p.cwd.isEmpty()) {
      throw new ContainerException(where + ": cwd must not be empty");
    }
    if (!p.cwd.startsWith("/")) {
      throw new ContainerException(where + ": cwd '" + p.cwd + "' must be an absolute path");
    }
    if (p.args == null || p.args.isEmpty()) {
      throw new ContainerException(where + ": args must not be empty");
    }
  }

  private static long parseId(String text, String what, String flag) throws ContainerException {
    try {
      long id = Long.parseLong(text);
      if (id < 0 || id > 0xFFFFFFFFL) {
        throw new NumberFormatException();
      }
      return id;
    } catch (NumberFormatException e) {
      throw new ContainerException("--user " + flag + ": parsing " + text + " as int for " + what + " failed");
    }
  }

  /** {@code net_admin}, {@code NET_ADMIN} and {@code CAP_NET_ADMIN} all name CAP_NET_ADMIN. */
  private static String capabilityName(String name) throws ContainerException {
    String upper = name.toUpperCase(Locale.ROOT);
    String cap = upper.startsWith("CAP_") ? upper : "CAP_" + upper;
    if (!CapabilityNames.all().contains(cap)) {
      throw new ContainerException("--cap " + name + ": unknown capability");
    }
    return cap;
  }

  private static List<String> added(List<String> set, String cap) {
    List<String> out = set == null ? new ArrayList<>() : new ArrayList<>(set);
    if (!out.contains(cap)) {
      out.add(cap);
    }
    return out;
  }

  /** A deep copy, so that the container's spec is never changed by an exec's overrides. */
  private static Process copy(Process p) {
    return SpecIo.MAPPER.convertValue(p, Process.class);
  }
}
