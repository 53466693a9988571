package io.dcsldm.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds every {@link ConfigException} for one config source, so all messages share one shape:
 * {@code <source>: <problem naming the key>[ (from override '<key>=<value>')]}. The override note is
 * added whenever the key was set, or lies under a key that was set, by a command-line override: the
 * user then knows to look at the command line, not the file.
 */
final class ConfigErrors {

    private static final int MAX_VALUE_CHARS = 60;

    private final String source;
    private final Map<String, String> overrideByKey = new LinkedHashMap<>();

    ConfigErrors(String source) {
        this.source = source;
    }

    void recordOverride(String key, String override) {
        overrideByKey.remove(key); // keep the map in application order: the last override of a key wins
        overrideByKey.put(key, override);
    }

    /** A problem with the source as a whole (file missing, malformed YAML). */
    ConfigException problem(String problem) {
        return new ConfigException(source + ": " + problem);
    }

    ConfigException problem(String problem, Throwable cause) {
        return new ConfigException(source + ": " + problem, cause);
    }

    ConfigException atKey(String key, String problem) {
        return new ConfigException(source + ": " + problem + overrideNote(key));
    }

    ConfigException unknownKey(String key, List<String> knownKeys) {
        return atKey(key, "unknown key '" + key + "' (known keys: " + String.join(", ", knownKeys) + ")");
    }

    /** @param hint empty, or a parenthesised suggestion that starts with a space */
    ConfigException wrongType(String key, String expected, JsonNode got, String hint) {
        return atKey(key, "key '" + key + "': expected " + expected + ", got " + describe(got) + hint);
    }

    ConfigException invalidValue(String key, String reason) {
        return atKey(key, "key '" + key + "' " + reason);
    }

    /** A value as the user wrote it (strings quoted, long ones cut), or the kind of node it is. */
    static String describe(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return "null";
        }
        if (node.isObject()) {
            return "a mapping";
        }
        if (node.isArray()) {
            return "a list";
        }
        String text = node.toString(); // JSON form: strings quoted and escaped onto one line
        return text.length() <= MAX_VALUE_CHARS ? text : text.substring(0, MAX_VALUE_CHARS) + "...";
    }

    private String overrideNote(String key) {
        String note = "";
        for (Map.Entry<String, String> set : overrideByKey.entrySet()) {
            String setKey = set.getKey();
            if (key.equals(setKey) || key.startsWith(setKey + ".") || key.startsWith(setKey + "[")) {
                note = " (from override '" + set.getValue() + "')";
            }
        }
        return note;
    }
}
