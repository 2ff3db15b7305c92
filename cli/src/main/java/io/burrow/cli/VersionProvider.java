package io.burrow.cli;

import io.burrow.api.state.ContainerState;
import picocli.CommandLine.IVersionProvider;

/** {@code burrow --version}, in runc's layout (docker parses the first line). */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = BurrowCommand.class.getPackage().getImplementationVersion();
    return new String[] {
      "burrow version " + (version == null ? "dev" : version),
      "spec: " + ContainerState.OCI_VERSION,
      "java: " + System.getProperty("java.version"),
    };
  }
}
