package io.burrow.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.burrow.api.spec.NamespaceType;
import io.burrow.api.spec.SpecIo;
import io.burrow.api.state.ContainerState;
import io.burrow.core.plan.CapabilityNames;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code burrow features}: what this runtime implements, in the runtime-spec's features.md format. */
@Command(name = "features", description = "Print the features this runtime implements, as JSON.")
final class FeaturesCommand implements Callable<Integer> {
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
    linux.putObject("cgroup").put("v1", false).put("v2", false).put("systemd", false).put("systemdUser", false);
    linux.putObject("seccomp").put("enabled", false);
    linux.putObject("apparmor").put("enabled", false);
    linux.putObject("selinux").put("enabled", false);
    root.putObject("annotations").put("dev.burrow.version", VersionProvider.version());
    System.out.println(SpecIo.MAPPER.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root));
    return 0;
  }
}
