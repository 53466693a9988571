package io.dcsldm.core.config;

/**
 * Thrown by {@link SelfValidating#validate} (and by the model configs of the other modules) for a value that
 * is out of bounds. {@link ConfigLoader} turns it into a {@link ConfigException} that names the file and the
 * full dotted key. It is an {@link IllegalArgumentException}, so code that checks a config outside the loader
 * sees the usual exception.
 */
public class InvalidValueException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String key;
    private final String reason;

    /**
     * @param key the field's key relative to the section that throws, e.g. {@code levels}
     * @param reason what is wrong, phrased to follow the key, e.g. {@code must be <= 16, got 20}
     */
    public InvalidValueException(String key, String reason) {
        super("key '" + key + "' " + reason);
        this.key = key;
        this.reason = reason;
    }

    public String key() {
        return key;
    }

    public String reason() {
        return reason;
    }
}
