package io.burrow.api.spi;

/** The init could not be launched; the message says which step failed and why. Nothing is left running. */
public class LaunchException extends Exception {
  public LaunchException(String message) {
    super(message);
  }

  public LaunchException(String message, Throwable cause) {
    super(message, cause);
  }
}
