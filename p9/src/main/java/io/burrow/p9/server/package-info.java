/**
 * The 9P2000.L server framework: {@link io.burrow.p9.server.NinePServer} runs connections, each a
 * {@link io.burrow.p9.server.Connection} doing the protocol (framing, version negotiation, tags,
 * Tflush ordering, in-flight bounds, reply batching) over a {@link io.burrow.p9.Transport} and
 * calling a {@link io.burrow.p9.server.Session} for the file system behind it. What a session
 * serves (host files for the gofer, an in-memory tree in this module's tests) is not this
 * package's business.
 */
package io.burrow.p9.server;
