package io.burrow.linux;

import com.google.inject.AbstractModule;
import com.google.inject.Module;
import com.google.inject.Singleton;
import io.burrow.api.spi.IdMapper;
import io.burrow.plugin.BurrowPlugin;

/** The {@code procfs} id-mapping plugin: {@link ProcIdMapper} writes {@code /proc/PID/uid_map} and {@code gid_map}. Immutable. */
public final class ProcfsIdMappingPlugin implements BurrowPlugin {
  public static final String NAME = "procfs";

  @Override
  public Kind kind() {
    return Kind.ID_MAPPING;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Module module() {
    return new AbstractModule() {
      @Override
      protected void configure() {
        bind(IdMapper.class).to(ProcIdMapper.class).in(Singleton.class);
      }
    };
  }
}
