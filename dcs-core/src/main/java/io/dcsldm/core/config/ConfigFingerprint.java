package io.dcsldm.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * A stable hash of (part of) a config: SHA-256, as lowercase hex, of its canonical JSON form.
 *
 * <p>Canonical form: the config's tree as {@link ConfigLoader#toYaml} writes it (public fields, nulls
 * omitted), mapping keys sorted at every level, compact JSON. JSON rather than YAML because the emitter's
 * layout choices (quoting, line width) are not part of what the config means and may change between
 * library versions; sorted keys because reordering fields in a class does not change a model.
 */
final class ConfigFingerprint {

    private ConfigFingerprint() {
    }

    static String of(Object config, String... onlyUnderKeys) {
        JsonNode tree = ConfigMappers.YAML.valueToTree(config);
        JsonNode selected = tree;
        if (onlyUnderKeys.length > 0) {
            ObjectNode parts = ConfigMappers.YAML.createObjectNode();
            for (String key : onlyUnderKeys) {
                parts.set(key, at(tree, key));
            }
            selected = parts;
        }
        try {
            byte[] canonical = ConfigMappers.CANONICAL_JSON.writeValueAsBytes(sorted(selected));
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot fingerprint " + config.getClass().getName(), e);
        }
    }

    private static JsonNode at(JsonNode tree, String dottedKey) {
        JsonNode node = tree;
        for (String name : dottedKey.split("\\.", -1)) {
            node = node.isObject() ? node.get(name) : null;
            if (node == null) {
                throw new IllegalArgumentException("config " + tree.getClass().getSimpleName()
                        + " has no (non-null) key '" + dottedKey + "' to fingerprint");
            }
        }
        return node;
    }

    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            Map<String, JsonNode> byKey = new TreeMap<>();
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                byKey.put(field.getKey(), sorted(field.getValue()));
            }
            ObjectNode result = ConfigMappers.CANONICAL_JSON.createObjectNode();
            byKey.forEach(result::set);
            return result;
        }
        if (node.isArray()) {
            ArrayNode result = ConfigMappers.CANONICAL_JSON.createArrayNode();
            node.forEach(element -> result.add(sorted(element)));
            return result;
        }
        return node;
    }
}
