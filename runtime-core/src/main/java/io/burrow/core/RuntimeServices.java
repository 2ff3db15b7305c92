package io.burrow.core;

import io.burrow.api.config.Config;
import io.burrow.api.spi.CgroupManager;
import io.burrow.api.spi.ControlChannel;
import io.burrow.api.spi.HookRunner;
import io.burrow.api.spi.NamespaceLauncher;
import io.burrow.api.spi.ProcessControl;
import io.burrow.api.spi.SeccompCompiler;
import io.burrow.core.store.ContainerStore;
import io.burrow.api.config.Installation;
import jakarta.inject.Inject;
import java.util.List;

/**
 * Everything a {@link Container} works with, injected once per CLI invocation. Immutable and
 * thread-safe as long as its parts are.
 *
 * @param installation where burrow's executables are, for helper processes such as a gofer
 * @param cgroups the containers' cgroups
 */
public record RuntimeServices(
    Config config,
    ContainerStore store,
    FileAccessRegistry fileAccess,
    NamespaceLauncher launcher,
    ProcessControl processes,
    HookRunner hooks,
    ControlChannel control,
    SeccompCompiler seccomp,
    Installation installation,
    CgroupManager cgroups) {

  @Inject
  public RuntimeServices {}

  /** The argv prefix that runs burrow itself. */
  public List<String> burrowCommand() {
    return installation.burrowCommand();
  }
}
