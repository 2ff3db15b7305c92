package io.burrow.api.spi;

import java.nio.file.Path;
import java.util.function.IntFunction;

/**
 * Where the seccomp listener fd of a process with an {@code SCMP_ACT_NOTIFY} rule goes, as runc
 * sends it: the launcher connects to {@code socket} (the spec's {@code listenerPath}, the seccomp
 * agent's) and sends, in one message, {@code state} of the process's host pid (runc's container
 * process state JSON, {@code "fds": ["seccompFd"]}) with the listener fd attached by SCM_RIGHTS.
 * The launcher owns and closes its copy of the fd. Immutable.
 *
 * @param state the JSON for a pid; called on the launching thread
 */
public record SeccompListener(Path socket, IntFunction<String> state) {}
