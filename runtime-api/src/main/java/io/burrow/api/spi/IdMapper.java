package io.burrow.api.spi;

import io.burrow.api.spec.IdMapping;
import java.io.IOException;
import java.util.List;

/**
 * Writes the uid/gid mappings of a process that has just created a user namespace. Called on the
 * launcher's thread while that process waits; must return only when the maps are in place.
 */
public interface IdMapper {
  void writeMappings(int pid, List<IdMapping> uidMappings, List<IdMapping> gidMappings) throws IOException;
}
