package io.burrow.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.burrow.api.spec.Mount;
import io.burrow.api.spec.Spec;
import io.burrow.api.spec.SpecException;
import io.burrow.api.spec.SpecIo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * An OCI bundle for one test: {@code DIR/rootfs} copied from the busybox template and
 * {@code DIR/config.json} as {@code burrow spec} writes it (generated once per run), then edited: {@code process.terminal}
 * false, {@code root.readonly} false, {@code process.args} {@code ["true"]}. Tests edit it further
 * through the {@link Spec} model or, for deliberately wrong documents, as a JSON tree or text.
 */
public final class Bundle {
  private final Path dir;

  private Bundle(Path dir) {
    this.dir = dir;
  }

  /**
   * The config.json {@code burrow spec} writes, generated once per test JVM (a JVM start per
   * bundle would add up) and reused as the starting point of every bundle.
   */
  private static byte[] specTemplate;

  private static synchronized byte[] specTemplate(Burrow burrow, Path scratch) {
    if (specTemplate == null) {
      try {
        Path dir = Files.createDirectories(scratch.resolve("spec-template"));
        burrow.run("spec", "--bundle", dir.toString()).ok();
        Path config = dir.resolve("config.json");
        if (!Files.isRegularFile(config)) {
          throw new AssertionError("`burrow spec --bundle " + dir + "` exited 0 but wrote no " + config);
        }
        specTemplate = Files.readAllBytes(config);
      } catch (IOException e) {
        throw new AssertionError("cannot run burrow spec", e);
      }
    }
    return specTemplate;
  }

  static Bundle create(Burrow burrow, Path dir) {
    try {
      Files.createDirectories(dir);
      Files.write(dir.resolve("config.json"), specTemplate(burrow, dir.getParent()));
    } catch (IOException e) {
      throw new AssertionError("cannot create bundle dir " + dir, e);
    }
    Rootfs.copyTo(dir.resolve("rootfs"));
    Bundle b = new Bundle(dir);
    b.edit(s -> {
      if (s.process == null) {
        throw new AssertionError("`burrow spec` wrote a config.json with no process: " + b.configText());
      }
      s.process.terminal = false;
      s.process.args = List.of("true");
      if (s.root == null) {
        throw new AssertionError("`burrow spec` wrote a config.json with no root: " + b.configText());
      }
      s.root.readonly = false;
    });
    return b;
  }

  /** A copy of this bundle (rootfs and config.json) at {@code dest}, without running {@code burrow spec} again. */
  public Bundle copyTo(Path dest) {
    Host.sh("cp", "-a", dir.toString(), dest.toString()).ok();
    return new Bundle(dest);
  }

  public Path dir() {
    return dir;
  }

  public Path rootfs() {
    return dir.resolve("rootfs");
  }

  public Path config() {
    return dir.resolve("config.json");
  }

  public String configText() {
    try {
      return Files.readString(config());
    } catch (IOException e) {
      return "<cannot read " + config() + ": " + e + ">";
    }
  }

  /** The current config.json through the runtime-api model. */
  public Spec spec() {
    try {
      return SpecIo.read(config(), Spec.class);
    } catch (SpecException e) {
      throw new AssertionError("cannot read " + config() + ": " + e.getMessage(), e);
    }
  }

  /** Reads config.json, applies {@code change}, writes it back (pretty-printed). */
  public Bundle edit(Consumer<Spec> change) {
    Spec s = spec();
    change.accept(s);
    write(s);
    return this;
  }

  /** Edits config.json as a JSON tree, for documents the model cannot express (wrong types). */
  public Bundle editJson(Consumer<ObjectNode> change) {
    try {
      JsonNode tree = SpecIo.MAPPER.readTree(config().toFile());
      change.accept((ObjectNode) tree);
      write(tree);
    } catch (IOException e) {
      throw new AssertionError("cannot edit " + config(), e);
    }
    return this;
  }

  /** Adds a new namespace of {@code type} to linux.namespaces unless the spec has one. */
  public Bundle withNamespace(String type) {
    return editJson(c -> {
      ArrayNode namespaces = (ArrayNode) c.get("linux").get("namespaces");
      for (JsonNode ns : namespaces) {
        if (ns.path("type").asText().equals(type)) {
          return;
        }
      }
      namespaces.addObject().put("type", type);
    });
  }

  /** Removes every namespace of {@code type} from linux.namespaces. */
  public Bundle withoutNamespace(String type) {
    return editJson(c -> {
      ArrayNode namespaces = (ArrayNode) c.get("linux").get("namespaces");
      for (int i = namespaces.size() - 1; i >= 0; i--) {
        if (namespaces.get(i).path("type").asText().equals(type)) {
          namespaces.remove(i);
        }
      }
    });
  }

  public Bundle args(String... args) {
    return edit(s -> s.process.args = new ArrayList<>(List.of(args)));
  }

  /** {@code process.args = ["sh", "-c", script]}. */
  public Bundle shell(String script) {
    return args("sh", "-c", script);
  }

  /** Appends a bind mount {@code source -> destination} with {@code rbind} and the given extra options. */
  public Bundle bind(String destination, Path source, String... options) {
    List<String> opts = new ArrayList<>();
    opts.add("rbind");
    opts.addAll(List.of(options));
    return edit(s -> {
      if (s.mounts == null) {
        s.mounts = new ArrayList<>();
      }
      s.mounts.add(new Mount(destination, "bind", source.toString(), opts));
    });
  }

  public Bundle writeConfig(String text) {
    try {
      Files.writeString(config(), text);
    } catch (IOException e) {
      throw new AssertionError("cannot write " + config(), e);
    }
    return this;
  }

  /** Pretty JSON text of the current config, one field per line. */
  public String prettyConfig() {
    try {
      return SpecIo.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(SpecIo.MAPPER.readTree(config().toFile()));
    } catch (IOException e) {
      throw new AssertionError("cannot read " + config(), e);
    }
  }

  private void write(Object value) {
    try {
      SpecIo.MAPPER.writerWithDefaultPrettyPrinter().writeValue(config().toFile(), value);
    } catch (IOException e) {
      throw new AssertionError("cannot write " + config(), e);
    }
  }

  @Override
  public String toString() {
    return dir.toString();
  }
}
