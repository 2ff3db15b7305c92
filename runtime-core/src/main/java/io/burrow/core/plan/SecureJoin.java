package io.burrow.core.plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Resolves a path inside a container's root filesystem as the container would see it: symlinks
 * are followed, but absolute links and {@code ..} are taken relative to the root, so the result
 * never leaves it (filepath-securejoin's rule). Paths that do not exist yet resolve lexically.
 * Stateless.
 */
public final class SecureJoin {
  private static final int MAX_LINKS = 255;

  private SecureJoin() {}

  public static Path join(Path root, String unsafe) throws IOException {
    Deque<String> todo = new ArrayDeque<>();
    push(todo, unsafe);
    Deque<String> done = new ArrayDeque<>();
    int links = 0;
    while (!todo.isEmpty()) {
      String part = todo.pop();
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        done.pollLast();
        continue;
      }
      Path candidate = build(root, done).resolve(part);
      if (Files.isSymbolicLink(candidate)) {
        if (++links > MAX_LINKS) {
          throw new IOException("too many symlinks resolving " + unsafe + " in " + root);
        }
        String target = Files.readSymbolicLink(candidate).toString();
        if (target.startsWith("/")) {
          done.clear();
        }
        push(todo, target);
      } else {
        done.addLast(part);
      }
    }
    return build(root, done);
  }

  private static void push(Deque<String> todo, String path) {
    String[] parts = path.split("/");
    for (int i = parts.length - 1; i >= 0; i--) {
      todo.push(parts[i]);
    }
  }

  private static Path build(Path root, Deque<String> parts) {
    Path p = root;
    for (String part : parts) {
      p = p.resolve(part);
    }
    return p;
  }
}
