package io.burrow.cli;

import io.burrow.api.state.ContainerState;
import picocli.CommandLine.IVersionProvider;

/** {@code burrow --version}, in runc's layout: dockerd's {@code docker info} reads the "version" and "commit:" lines. */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    return new String[] {
      "burrow version " + version(),
      "commit: " + version(),
      "spec: " + ContainerState.OCI_VERSION,
      "java: " + System.getProperty("java.version"),
    };
  }

  static String version() {
    String version = BurrowCommand.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }
}
