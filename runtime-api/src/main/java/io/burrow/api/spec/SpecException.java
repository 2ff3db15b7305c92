package io.burrow.api.spec;

/** A spec document that cannot be read or is not valid; the message names the file and field. */
public class SpecException extends Exception {
  public SpecException(String message) {
    super(message);
  }
}
