package io.burrow.linux;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.burrow.api.spi.CgroupManager;
import io.burrow.api.spi.ControlChannel;
import io.burrow.api.spi.HookRunner;
import io.burrow.api.spi.IdMapper;
import io.burrow.api.spi.NamespaceLauncher;
import io.burrow.api.spi.ProcessControl;
import io.burrow.api.spi.SeccompCompiler;
import io.burrow.linux.cgroup.FsCgroupManager;

/**
 * The Guice wiring of this module: the Linux namespace launcher, process control, id mapper, hook
 * runner, control channel, seccomp compiler and cgroup manager.
 */
public final class LinuxNamespaceModule extends AbstractModule {
  @Override
  protected void configure() {
    bind(NamespaceLauncher.class).to(ExecHelperLauncher.class).in(Singleton.class);
    bind(ProcessControl.class).to(ProcfsProcessControl.class).in(Singleton.class);
    bind(IdMapper.class).to(ProcIdMapper.class).in(Singleton.class);
    bind(HookRunner.class).to(SpawningHookRunner.class).in(Singleton.class);
    bind(ControlChannel.class).to(UnixControlChannel.class).in(Singleton.class);
    bind(SeccompCompiler.class).to(LibSeccompCompiler.class).in(Singleton.class);
    bind(CgroupManager.class).to(FsCgroupManager.class).in(Singleton.class);
  }

  @Provides
  @Singleton
  ExecHelper execHelper() {
    return ExecHelper.fromSystemProperty();
  }
}
