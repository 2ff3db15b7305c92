/**
 * The one native layer. {@link io.burrow.linux.sys.LibC} binds every libc call burrow makes that
 * jnr-posix lacks, once; {@link io.burrow.linux.sys.Sys} wraps the file and socket calls, checking
 * results and turning errno into {@link io.burrow.linux.sys.Errno} (an IOException naming the call
 * and what it was made on); {@link io.burrow.linux.sys.Native} holds the process-wide handles
 * (the same LibC, jnr-posix) and errno-to-message helpers for callers that report IOExceptions;
 * {@link io.burrow.linux.sys.Fd} is an owned fd (closed once, idempotently);
 * {@link io.burrow.linux.sys.LibSeccomp} and {@link io.burrow.linux.sys.SeccompFilter} build the
 * filters the gofer and the sandbox install on themselves; {@link io.burrow.linux.sys.ThreadCapabilities}
 * limits a thread's capabilities; and
 * {@link io.burrow.linux.sys.Spin} is the bounded poll-before-block used on the file-access paths.
 *
 * <p>namespace-linux, fs-gofer and fuse-bridge call the kernel only through this package. It holds
 * no policy: what to open, mount or confine is decided by its callers.
 */
package io.burrow.linux.sys;
