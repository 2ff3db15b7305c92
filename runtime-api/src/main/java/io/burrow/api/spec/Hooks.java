package io.burrow.api.spec;

import java.util.List;

/** {@code hooks}: lifecycle hooks, each list run in order. */
public final class Hooks extends SpecObject {
  public List<Hook> prestart;
  public List<Hook> createRuntime;
  public List<Hook> createContainer;
  public List<Hook> startContainer;
  public List<Hook> poststart;
  public List<Hook> poststop;

  /** One hook: an absolute path, its argv (argv[0] included), env and an optional timeout in seconds. */
  public static final class Hook extends SpecObject {
    public String path;
    public List<String> args;
    public List<String> env;
    public Integer timeout;
  }
}
