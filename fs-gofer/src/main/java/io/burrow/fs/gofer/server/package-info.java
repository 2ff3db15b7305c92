/**
 * The gofer's file server: host file operations on confined fds. {@code HostFile} is the p9
 * {@link io.burrow.p9.server.File} of one fid (p9's {@link io.burrow.p9.server.FileServer} keeps
 * the fid table and the protocol's rules), {@code Node} the confined O_PATH fd it names, {@link
 * io.burrow.fs.gofer.server.ServedMount} one served directory or file, and {@link
 * io.burrow.fs.gofer.server.Confinement} the chroot/capability drop the gofer process makes before
 * it serves. The policy that keeps a client inside its mount (openat2 RESOLVE_BENEATH lookups from
 * pinned fds, no dangerous device nodes) lives here; single-component names and EROFS on
 * read-only mounts are the FileServer's.
 */
package io.burrow.fs.gofer.server;
