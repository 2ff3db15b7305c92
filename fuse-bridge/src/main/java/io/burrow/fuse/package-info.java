/**
 * The sandbox side of gofer mode: a FUSE file system served on raw {@code /dev/fuse}
 * ({@link io.burrow.fuse.FuseMount} mounts it, {@link io.burrow.fuse.FuseBridge} runs its request
 * loop) whose every request is answered over a {@link io.burrow.p9.client.NinePClient}.
 * {@code FuseOps} translates FUSE opcodes to 9P requests, {@code Nodes} keeps the FUSE node ids
 * and the 9P fids behind them, {@code Fuse} holds the kernel ABI constants.
 *
 * <p>This module owns the FUSE protocol and the node table, nothing on the host side: it never
 * opens a host file (the gofer does, in fs-gofer) and calls the kernel only through linux-sys.
 */
package io.burrow.fuse;
