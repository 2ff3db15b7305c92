package io.burrow.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.burrow.api.spec.NamespaceType;
import io.burrow.api.spec.SpecIo;
import io.burrow.api.state.ContainerState;
import io.burrow.api.spi.SeccompCompiler;
import io.burrow.core.plan.CapabilityNames;
import io.burrow.linux.LibSeccompCompiler;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code burrow features}: what this runtime implements, in the runtime-spec's features.md format. */
@Command(name = "features", description = "Print the features this runtime implements, as JSON.")
final class FeaturesCommand implements Callable<Integer> {
  @picocli.CommandLine.ParentCommand BurrowCommand burrow;

  @Override
  public Integer call() throws Exception {
    ObjectNode root = SpecIo.MAPPER.createObjectNode();
    root.put("ociVersionMin", "1.0.0");
    root.put("ociVersionMax", ContainerState.OCI_VERSION);
    root.putArray("hooks").add("prestart").add("createRuntime").add("createContainer").add("startContainer")
        .add("poststart").add("poststop");
    ArrayNode options = root.putArray("mountOptions");
    for (String o : new String[] {"ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec", "sync", "async",
        "dirsync", "remount", "mand", "nomand", "atime", "noatime", "diratime", "nodiratime", "relatime", "norelatime",
        "strictatime", "nostrictatime", "lazytime", "nolazytime", "bind", "rbind", "private", "rprivate", "shared",
        "rshared", "slave", "rslave", "unbindable", "runbindable"}) {
      options.add(o);
    }
    ObjectNode linux = root.putObject("linux");
    ArrayNode namespaces = linux.putArray("namespaces");
    for (NamespaceType t : NamespaceType.values()) {
      namespaces.add(t.specName());
    }
    ArrayNode caps = linux.putArray("capabilities");
    CapabilityNames.all().forEach(caps::add);
    // What is not enforced yet is reported as such, so that a client does not rely on it.
    // The version this host's containers get: v1 (hybrid included) or v2. No systemd driver over D-Bus.
    java.util.List<String> cgroups = burrow == null ? java.util.List.of() : burrow.containers().cgroupVersions();
    linux.putObject("cgroup").put("v1", cgroups.contains("v1")).put("v2", cgroups.contains("v2")).put("systemd", false)
        .put("systemdUser", false);
    seccomp(linux.putObject("seccomp"));
    linux.putObject("apparmor").put("enabled", false);
    linux.putObject("selinux").put("enabled", false);
    root.putObject("annotations").put("dev.burrow.version", VersionProvider.version());
    System.out.println(SpecIo.MAPPER.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root));
    return 0;
  }

  /** features.md's seccomp object, from what libseccomp and the kernel here actually take. */
  private static void seccomp(ObjectNode seccomp) {
    SeccompCompiler.Support support;
    try {
      support = new LibSeccompCompiler().support();
    } catch (IllegalStateException e) {
      seccomp.put("enabled", false); // no libseccomp on this host: a profile would be refused
      return;
    }
    seccomp.put("enabled", true);
    support.actions().forEach(seccomp.putArray("actions")::add);
    support.operators().forEach(seccomp.putArray("operators")::add);
    support.architectures().forEach(seccomp.putArray("archs")::add);
    support.flags().forEach(seccomp.putArray("knownFlags")::add);
    LibSeccompCompiler.kernelFlags().forEach(seccomp.putArray("supportedFlags")::add);
  }
}
