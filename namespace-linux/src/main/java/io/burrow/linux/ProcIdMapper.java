package io.burrow.linux;

import io.burrow.api.spec.IdMapping;
import io.burrow.api.spi.IdMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Writes {@code /proc/PID/uid_map} and {@code gid_map} directly, which a runtime running as root
 * may do for any mapping (no newuidmap needed). Each file takes one write(2). Thread-safe.
 */
public final class ProcIdMapper implements IdMapper {
  @Override
  public void writeMappings(int pid, List<IdMapping> uidMappings, List<IdMapping> gidMappings) throws IOException {
    write(pid, "uid_map", uidMappings);
    write(pid, "gid_map", gidMappings);
  }

  private static void write(int pid, String file, List<IdMapping> mappings) throws IOException {
    if (mappings == null || mappings.isEmpty()) {
      return;
    }
    String content = mappings.stream().map(IdMapping::toProcLine).collect(Collectors.joining("\n", "", "\n"));
    Path path = Path.of("/proc", Integer.toString(pid), file);
    try {
      Files.writeString(path, content);
    } catch (IOException e) {
      throw new IOException("cannot write " + path + " (" + content.trim().replace('\n', ';') + "): " + e.getMessage(), e);
    }
  }
}
