package io.burrow.api.spec;

import java.util.List;
import java.util.Map;

/** The OCI runtime-spec {@code config.json}: the root object. See config.md of the runtime-spec. */
public final class Spec extends SpecObject {
  public String ociVersion;
  public Process process;
  public Root root;
  public String hostname;
  public String domainname;
  public List<Mount> mounts;
  public Hooks hooks;
  public Map<String, String> annotations;
  public Linux linux;
}
