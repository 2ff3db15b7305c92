/**
 * The Linux implementations of the runtime's process and namespace SPIs, bound by the
 * {@link io.burrow.linux.LinuxNamespacesPlugin} ({@code linux}) and
 * {@link io.burrow.linux.ProcfsIdMappingPlugin} ({@code procfs}) plugins: the exec-helper launcher and
 * {@code burrow-init} (the static C helper that carries out an init plan), procfs process
 * control (with the sandbox's confinement and its seccomp allowlist), the id mapper, the hook runner, AF_UNIX sockets with fd passing
 * ({@link io.burrow.linux.UnixSockets}) and the control channel over them, and the libseccomp
 * compiler; cgroups are in {@code io.burrow.linux.cgroup}.
 *
 * <p>Native calls go through linux-sys ({@code io.burrow.linux.sys}), the one place libc and
 * libseccomp are bound.
 */
package io.burrow.linux;
