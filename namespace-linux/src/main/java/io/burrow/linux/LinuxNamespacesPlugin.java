package io.burrow.linux;

import com.google.inject.AbstractModule;
import com.google.inject.Module;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.burrow.api.config.Installation;
import io.burrow.api.spi.CgroupManager;
import io.burrow.api.spi.ControlChannel;
import io.burrow.api.spi.HookRunner;
import io.burrow.api.spi.NamespaceLauncher;
import io.burrow.api.spi.ProcessControl;
import io.burrow.api.spi.SeccompCompiler;
import io.burrow.linux.cgroup.FsCgroupManager;
import io.burrow.plugin.BurrowPlugin;
import java.util.Optional;

/**
 * The {@code linux} namespaces plugin and this module's one piece of Guice wiring: the exec-helper
 * launcher over {@code burrow-init}, procfs process control, the hook runner, the control channel,
 * the libseccomp compiler and the cgroupfs manager. Immutable.
 */
public final class LinuxNamespacesPlugin implements BurrowPlugin {
  public static final String NAME = "linux";

  @Override
  public Kind kind() {
    return Kind.NAMESPACES;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Optional<ProcessControl> processControl() {
    return Optional.of(new ProcfsProcessControl());
  }

  @Override
  public Module module() {
    return new AbstractModule() {
      @Override
      protected void configure() {
        bind(NamespaceLauncher.class).to(ExecHelperLauncher.class).in(Singleton.class);
        bind(ProcessControl.class).to(ProcfsProcessControl.class).in(Singleton.class);
        bind(HookRunner.class).to(SpawningHookRunner.class).in(Singleton.class);
        bind(ControlChannel.class).to(UnixControlChannel.class).in(Singleton.class);
        bind(SeccompCompiler.class).to(LibSeccompCompiler.class).in(Singleton.class);
        bind(CgroupManager.class).to(FsCgroupManager.class).in(Singleton.class);
      }

      @Provides
      @Singleton
      ExecHelper execHelper(Installation installation) {
        return ExecHelper.at(installation.requireExecHelper());
      }
    };
  }
}
