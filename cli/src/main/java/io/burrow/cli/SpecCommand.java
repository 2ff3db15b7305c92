package io.burrow.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import io.burrow.api.spec.IdMapping;
import io.burrow.api.spec.Linux;
import io.burrow.api.spec.Mount;
import io.burrow.api.spec.Spec;
import io.burrow.api.spec.SpecIo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code burrow spec}: writes a starting config.json, the one {@code runc spec} writes. */
@Command(name = "spec", description = "Write a default config.json into the bundle.")
final class SpecCommand implements Callable<Integer> {
  @ParentCommand BurrowCommand burrow;

  @Option(names = {"--bundle", "-b"}, description = "bundle directory (default: current directory)", defaultValue = ".")
  Path bundle;

  @Option(names = "--rootless", description = "a spec for an unprivileged user: own user namespace, no network or cgroup namespace")
  boolean rootless;

  @Override
  public Integer call() throws Exception {
    Path config = bundle.resolve("config.json");
    if (Files.exists(config)) {
      throw new IllegalStateException("file " + config + " exists; remove it first");
    }
    Spec spec = SpecIo.defaultSpec();
    if (rootless) {
      makeRootless(spec);
    }
    Files.write(config, SpecIo.MAPPER.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(spec));
    return 0;
  }

  /** runc's ToRootless: map root to the caller, drop the namespaces an unprivileged user cannot create. */
  private static void makeRootless(Spec spec) {
    com.sun.security.auth.module.UnixSystem me = new com.sun.security.auth.module.UnixSystem();
    long uid = me.getUid();
    long gid = me.getGid();
    List<Linux.Namespace> namespaces = new ArrayList<>();
    for (Linux.Namespace ns : spec.linux.namespaces) {
      if (!ns.type.equals("network") && !ns.type.equals("cgroup") && !ns.type.equals("user")) {
        namespaces.add(ns);
      }
    }
    namespaces.add(new Linux.Namespace("user", null));
    spec.linux.namespaces = namespaces;
    spec.linux.uidMappings = List.of(new IdMapping(0, uid, 1));
    spec.linux.gidMappings = List.of(new IdMapping(0, gid, 1));
    spec.linux.resources = null;
    List<Mount> mounts = new ArrayList<>();
    for (Mount m : spec.mounts) {
      if (m.destination.equals("/sys")) {
        mounts.add(new Mount("/sys", "none", "/sys", List.of("rbind", "nosuid", "noexec", "nodev", "ro")));
      } else if (!m.destination.equals("/sys/fs/cgroup")) {
        // As runc: uid= and gid= options (devpts gid=5) name ids the single mapping does not have.
        if (m.options != null) {
          m.options = m.options.stream().filter(o -> !o.startsWith("uid=") && !o.startsWith("gid=")).toList();
        }
        mounts.add(m);
      }
    }
    spec.mounts = mounts;
  }
}
