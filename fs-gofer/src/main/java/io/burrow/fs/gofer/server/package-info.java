/**
 * The gofer's file server: host file operations on confined fds. {@code FileOps} is the
 * {@link io.burrow.p9.server.Session} of one connection (its fid table and one method per
 * request), {@code Node} and {@code Fid} the fds it holds, {@link
 * io.burrow.fs.gofer.server.ServedMount} one served directory or file, and {@link
 * io.burrow.fs.gofer.server.Confinement} the chroot/capability drop the gofer process makes before
 * it serves. The policy that keeps a client inside its mount (single-component names, openat2
 * RESOLVE_BENEATH lookups, no dangerous device nodes, EROFS on read-only mounts) lives here.
 */
package io.burrow.fs.gofer.server;
