package io.burrow.core.bundle;

import io.burrow.api.spec.IdMapping;
import io.burrow.api.spec.Linux;
import io.burrow.api.spec.Mount;
import io.burrow.api.spec.NamespaceType;
import io.burrow.api.spec.Spec;
import io.burrow.api.spec.SpecException;
import io.burrow.api.spec.SpecIo;
import io.burrow.core.ContainerException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads {@code BUNDLE/config.json} and checks everything burrow relies on before anything is
 * created, so that a bad bundle fails with a message naming the field and leaves nothing behind.
 * Stateless and thread-safe.
 */
public final class BundleLoader {
  private BundleLoader() {}

  public static Bundle load(Path bundleDir) throws ContainerException {
    Path dir = bundleDir.toAbsolutePath().normalize();
    if (!Files.isDirectory(dir)) {
      throw new ContainerException("bundle " + dir + " is not a directory");
    }
    Path config = dir.resolve("config.json");
    Spec spec;
    try {
      spec = SpecIo.read(config, Spec.class);
    } catch (SpecException e) {
      throw new ContainerException(e.getMessage(), e);
    }
    String where = config.toString();
    validate(spec, where);
    Path rootfs = dir.resolve(spec.root.path).normalize();
    if (!Files.isDirectory(rootfs)) {
      throw new ContainerException(where + ": root.path: rootfs " + rootfs + " does not exist or is not a directory");
    }
    if (spec.mounts != null) {
      for (int i = 0; i < spec.mounts.size(); i++) {
        Mount m = spec.mounts.get(i);
        if (m.isBind() && !Files.exists(dir.resolve(m.source))) {
          throw new ContainerException(where + ": mounts[" + i + "].source: " + dir.resolve(m.source)
              + " does not exist");
        }
      }
    }
    return new Bundle(dir, spec, rootfs);
  }

  static void validate(Spec spec, String where) throws ContainerException {
    require(spec.ociVersion != null, where, "ociVersion", "is required");
    require(spec.root != null && spec.root.path != null && !spec.root.path.isEmpty(), where, "root.path", "is required");
    require(spec.process != null, where, "process", "is required");
    require(spec.process.args != null && !spec.process.args.isEmpty(), where, "process.args", "must name the program to run");
    require(spec.process.cwd != null && spec.process.cwd.startsWith("/"), where, "process.cwd", "must be an absolute path");
    require(spec.process.user != null && spec.process.user.uid != null && spec.process.user.gid != null,
        where, "process.user", "must give uid and gid");
    require(spec.linux != null, where, "linux", "is required on Linux");
    if (spec.mounts != null) {
      for (int i = 0; i < spec.mounts.size(); i++) {
        Mount m = spec.mounts.get(i);
        require(m.destination != null && m.destination.startsWith("/"), where, "mounts[" + i + "].destination",
            "must be an absolute path");
        require(m.isBind() ? m.source != null : m.type != null, where, "mounts[" + i + "]",
            m.isBind() ? "a bind mount needs a source" : "needs a type");
      }
    }
    Set<NamespaceType> seen = EnumSet.noneOf(NamespaceType.class);
    List<Linux.Namespace> namespaces = spec.linux.namespaces == null ? List.of() : spec.linux.namespaces;
    for (int i = 0; i < namespaces.size(); i++) {
      Linux.Namespace ns = namespaces.get(i);
      String field = "linux.namespaces[" + i + "].type";
      Optional<NamespaceType> type = NamespaceType.fromSpec(ns.type);
      require(type.isPresent(), where, field, "unsupported namespace type '" + ns.type + "'");
      require(seen.add(type.get()), where, field, "namespace type '" + ns.type + "' appears twice");
      if (ns.path != null) {
        require(Files.exists(Path.of(ns.path)), where, "linux.namespaces[" + i + "].path",
            "namespace " + ns.path + " does not exist");
      }
    }
    require(seen.contains(NamespaceType.MOUNT) && pathOf(namespaces, NamespaceType.MOUNT) == null, where,
        "linux.namespaces", "burrow needs a new mount namespace (type mount, no path)");
    if (spec.hostname != null && !spec.hostname.isEmpty()) {
      require(seen.contains(NamespaceType.UTS), where, "hostname", "needs a private uts namespace");
    }
    if (seen.contains(NamespaceType.USER) && pathOf(namespaces, NamespaceType.USER) == null) {
      require(!isEmpty(spec.linux.uidMappings), where, "linux.uidMappings", "are required with a new user namespace");
      require(!isEmpty(spec.linux.gidMappings), where, "linux.gidMappings", "are required with a new user namespace");
    } else {
      require(isEmpty(spec.linux.uidMappings) && isEmpty(spec.linux.gidMappings), where, "linux.uidMappings",
          "need a new user namespace (type user, no path)");
    }
    if (spec.process.consoleSize != null) {
      // The kernel's struct winsize holds unsigned shorts.
      Integer height = spec.process.consoleSize.height;
      Integer width = spec.process.consoleSize.width;
      require(height == null || (height >= 0 && height <= 0xffff), where, "process.consoleSize.height",
          "must be 0..65535, not " + height);
      require(width == null || (width >= 0 && width <= 0xffff), where, "process.consoleSize.width",
          "must be 0..65535, not " + width);
    }
  }

  static String pathOf(List<Linux.Namespace> namespaces, NamespaceType type) {
    for (Linux.Namespace ns : namespaces) {
      if (type.specName().equals(ns.type)) {
        return ns.path == null || ns.path.isEmpty() ? null : ns.path;
      }
    }
    return null;
  }

  private static boolean isEmpty(List<IdMapping> mappings) {
    return mappings == null || mappings.isEmpty();
  }

  private static void require(boolean ok, String where, String field, String problem) throws ContainerException {
    if (!ok) {
      throw new ContainerException(where + ": " + field + ": " + problem);
    }
  }
}
