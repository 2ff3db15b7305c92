package io.burrow.core;

/** A container operation failed; the message says which container, what was asked and why. */
public class ContainerException extends Exception {
  public ContainerException(String message) {
    super(message);
  }

  public ContainerException(String message, Throwable cause) {
    super(message, cause);
  }
}
