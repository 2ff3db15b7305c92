package io.burrow.api.spi;

/**
 * A process identity that survives pid reuse: the pid plus the kernel's start time of that
 * process (field 22 of {@code /proc/PID/stat}), as runc records it.
 */
public record ProcessId(int pid, long startTime) {}
