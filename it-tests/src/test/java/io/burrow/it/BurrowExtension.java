package io.burrow.it;

import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives each test a fresh {@link TestEnv} (parameter injection), and after each test checks for
 * leaks (failing the test if any) and cleans up, even when the test failed. Before the first
 * test it insists on root (these tests fail rather than skip without it), on the executable, and
 * builds the rootfs template.
 */
public final class BurrowExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(BurrowExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    if (!Host.isRoot()) {
      throw new AssertionError("the burrow integration tests need root (uid 0): they create namespaces and mounts");
    }
    Rootfs.template();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    String name = context.getRequiredTestClass().getSimpleName() + "." + context.getDisplayName();
    context.getStore(NS).put(TestEnv.class, new TestEnv(name));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    TestEnv env = context.getStore(NS).remove(TestEnv.class, TestEnv.class);
    if (env == null) {
      return;
    }
    List<String> leaks;
    try {
      leaks = env.leaks();
    } finally {
      List<String> problems = env.cleanup();
      if (!problems.isEmpty()) {
        System.err.println("[burrow-it] cleanup problems after " + context.getDisplayName() + ": " + problems);
      }
    }
    if (!leaks.isEmpty()) {
      throw new AssertionError("LEAKS after " + context.getRequiredTestClass().getSimpleName() + "." + context.getDisplayName()
          + " (base " + env.base() + "):\n  " + String.join("\n  ", leaks));
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
    return p.getParameter().getType() == TestEnv.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext e) {
    return e.getStore(NS).get(TestEnv.class, TestEnv.class);
  }
}
