package io.burrow.api.spi;

import io.burrow.api.spec.Hooks;
import java.io.IOException;

/**
 * Runs one OCI hook on the host: {@code execv(hook.path, hook.args)} with {@code hook.env}, the
 * container state JSON on stdin, killed after {@code hook.timeout} seconds. Thread-safe.
 */
public interface HookRunner {
  /**
   * @throws IOException when the hook cannot start, fails, or times out; the message names the
   *     hook and includes what it printed
   */
  void run(Hooks.Hook hook, byte[] stateJson) throws IOException;
}
