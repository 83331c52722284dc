package dev.gantry.core.json;

/** Malformed JSON, or a value the canonical form does not allow. The message names the position or value. */
public final class JsonException extends IllegalArgumentException {
  public JsonException(String message) {
    super(message);
  }
}
