package dev.gantry.store;

/** The database failed or is inconsistent; the message says what happened. */
public final class StoreException extends RuntimeException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
