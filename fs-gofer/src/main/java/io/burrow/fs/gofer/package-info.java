/**
 * Gofer mode: {@link io.burrow.fs.gofer.GoferFileAccess}, the {@code gofer} file-access plugin
 * (the host side starts the gofer process, the sandbox side starts one FUSE bridge per io fd),
 * {@link io.burrow.fs.gofer.GoferMain}, the gofer process itself ({@code burrow gofer}: it opens
 * the served mounts, confines itself and serves 9P2000.L on its io fds), {@code MountPoints}
 * (which spec mounts are served), and {@link io.burrow.fs.gofer.FdTransport}, the tuned raw-fd
 * 9P transport. {@link io.burrow.fs.gofer.FuseServeMain} is a stand-alone bridge-and-gofer tool
 * for benchmarks.
 *
 * <p>The 9P protocol is the p9 module's, the FUSE side fuse-bridge's, native calls linux-sys's.
 */
package io.burrow.fs.gofer;
