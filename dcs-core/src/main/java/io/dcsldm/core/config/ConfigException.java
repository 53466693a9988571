package io.dcsldm.core.config;

/**
 * A config could not be loaded: missing file, malformed YAML, unknown key, wrong type, or a value out
 * of range. The message is one line that names the file (or other source) and, where there is one, the
 * dotted key, e.g. {@code configs/x.yaml: key 'train.lr' must be > 0, got -1.0}.
 */
public class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
