package io.burrow.it;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.burrow.api.spec.SpecIo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Builds an OCI image layout tarball (image-spec {@code image-layout.md}) from a root filesystem,
 * for {@code ctr images import}: {@code oci-layout}, {@code index.json} naming the image with the
 * {@code org.opencontainers.image.ref.name} annotation, and under {@code blobs/sha256/} one
 * uncompressed tar layer, the image config (with the layer's diff id) and the manifest, each
 * stored under its own sha256 digest. The tar files are written by the host's GNU tar (numeric
 * owners, sorted names, so the same rootfs gives the same digests). Not thread-safe: callers
 * use {@link #busybox()}, which builds once per JVM.
 */
final class OciLayout {
  static final String BUSYBOX_REF = "local/busybox:1";

  private static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final String CONFIG = "application/vnd.oci.image.config.v1+json";
  private static final String LAYER = "application/vnd.oci.image.layer.v1.tar";
  private static Image busybox;

  /** A built image: the layout tarball for {@code ctr images import}, and its single layer (a plain tar of the rootfs, for {@code podman import}). */
  record Image(Path layoutTarball, Path layer) {}

  private OciLayout() {}

  /** The busybox rootfs template as an OCI layout tarball named {@link #BUSYBOX_REF}, built once per JVM next to the template. */
  static synchronized Image busybox() {
    if (busybox == null) {
      Path rootfs = Rootfs.template();
      Path work = rootfs.resolveSibling("oci-busybox");
      busybox = build(rootfs, BUSYBOX_REF, work);
    }
    return busybox;
  }

  /** Writes {@code WORK/layout/...} and {@code WORK/image.tar}, the layout as one tarball. */
  static Image build(Path rootfs, String refName, Path work) {
    try {
      Host.sh("rm", "-rf", work.toString()).ok();
      Path layout = work.resolve("layout");
      Path blobs = Files.createDirectories(layout.resolve("blobs/sha256"));
      Path layerTar = work.resolve("layer.tar");
      Host.sh(Duration.ofSeconds(120), "tar", "--numeric-owner", "--sort=name", "-C", rootfs.toString(), "-cf",
          layerTar.toString(), ".").ok();
      Blob layer = store(blobs, layerTar);

      ObjectNode config = SpecIo.MAPPER.createObjectNode();
      config.put("architecture", "amd64");
      config.put("os", "linux");
      ObjectNode runConfig = config.putObject("config");
      runConfig.putArray("Env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
      runConfig.putArray("Cmd").add("sh");
      runConfig.put("WorkingDir", "/");
      ObjectNode rootfsNode = config.putObject("rootfs");
      rootfsNode.put("type", "layers");
      // An uncompressed layer's diff id is its own digest.
      rootfsNode.putArray("diff_ids").add(layer.digest());
      Blob configBlob = storeJson(blobs, work, config);

      ObjectNode manifest = SpecIo.MAPPER.createObjectNode();
      manifest.put("schemaVersion", 2);
      manifest.put("mediaType", MANIFEST);
      manifest.set("config", descriptor(CONFIG, configBlob));
      manifest.putArray("layers").add(descriptor(LAYER, layer));
      Blob manifestBlob = storeJson(blobs, work, manifest);

      ObjectNode index = SpecIo.MAPPER.createObjectNode();
      index.put("schemaVersion", 2);
      ArrayNode manifests = index.putArray("manifests");
      ObjectNode entry = descriptor(MANIFEST, manifestBlob);
      entry.putObject("annotations").put("org.opencontainers.image.ref.name", refName);
      manifests.add(entry);
      Files.writeString(layout.resolve("index.json"), SpecIo.MAPPER.writeValueAsString(index));
      Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");

      Path image = work.resolve("image.tar");
      Host.sh(Duration.ofSeconds(120), "tar", "--numeric-owner", "-C", layout.toString(), "-cf", image.toString(),
          "oci-layout", "index.json", "blobs").ok();
      return new Image(image, layout.resolve("blobs/sha256/" + layer.digest().substring("sha256:".length())));
    } catch (IOException e) {
      throw new AssertionError("cannot build the OCI layout of " + rootfs + " in " + work + ": " + e, e);
    }
  }

  private record Blob(String digest, long size) {}

  private static ObjectNode descriptor(String mediaType, Blob blob) {
    ObjectNode d = SpecIo.MAPPER.createObjectNode();
    d.put("mediaType", mediaType);
    d.put("digest", blob.digest());
    d.put("size", blob.size());
    return d;
  }

  private static Blob storeJson(Path blobs, Path work, ObjectNode json) throws IOException {
    Path tmp = work.resolve("blob.json");
    Files.write(tmp, SpecIo.MAPPER.writeValueAsBytes(json));
    return store(blobs, tmp);
  }

  /** Moves {@code file} to {@code blobs/HEX} and returns its descriptor fields. */
  private static Blob store(Path blobs, Path file) throws IOException {
    String hex = sha256(file);
    long size = Files.size(file);
    Files.move(file, blobs.resolve(hex), StandardCopyOption.REPLACE_EXISTING);
    return new Blob("sha256:" + hex, size);
  }

  private static String sha256(Path file) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
