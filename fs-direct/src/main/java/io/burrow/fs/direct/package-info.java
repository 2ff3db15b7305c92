/**
 * The {@code direct} file-access plugin: no gofer and no sandbox process; the container's init
 * bind-mounts the host paths itself, as runc does.
 */
package io.burrow.fs.direct;
