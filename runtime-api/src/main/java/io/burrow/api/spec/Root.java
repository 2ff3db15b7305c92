package io.burrow.api.spec;

/** {@code root}: the container's root filesystem, relative to the bundle unless absolute. */
public final class Root extends SpecObject {
  public String path;
  public Boolean readonly;
}
