/**
 * 9P2000.L as a reusable library, with no native code: the messages ({@link io.burrow.p9.Message}),
 * their wire codec ({@link io.burrow.p9.Codec}), a buffered frame reader, the protocol constants,
 * the errno-carrying {@link io.burrow.p9.P9Error}, and the {@link io.burrow.p9.Transport} every
 * byte goes through ({@link io.burrow.p9.ChannelTransport} is a pure-JDK one). The client is in
 * {@code io.burrow.p9.client}, the server framework in {@code io.burrow.p9.server}.
 *
 * <p>This module owns the protocol and nothing else: no syscalls, no files, no FUSE. Production
 * fd transports live with the code that owns the fds (fs-gofer).
 */
package io.burrow.p9;
