package io.burrow.core.bundle;

import io.burrow.api.spec.Spec;
import java.nio.file.Path;

/**
 * A loaded and validated OCI bundle. Immutable by convention: nobody modifies the spec after
 * {@link BundleLoader} returned it.
 *
 * @param dir the absolute bundle directory
 * @param spec its config.json
 * @param rootfs the absolute, existing root filesystem directory
 */
public record Bundle(Path dir, Spec spec, Path rootfs) {}
