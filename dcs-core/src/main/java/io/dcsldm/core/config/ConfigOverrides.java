package io.dcsldm.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;

/**
 * Applies {@code key=value} overrides to a config's YAML tree before binding, so an override is checked
 * exactly like the same line written in the file.
 *
 * <p>Keys are dotted paths through sections and maps ({@code train.lr}, {@code model.levels}); a list is set
 * whole ({@code train.scales=[64, 128]}). Values are parsed as YAML, so {@code 3e-4} is a number and
 * {@code [1, 2]} a list, except where the key holds a string or an enum: there the text is taken as is,
 * so {@code run.name=123} needs no shell-proof quoting. An empty value is null (an empty string for a
 * string key).
 */
final class ConfigOverrides {

    private final ConfigSchema schema;

    ConfigOverrides(ConfigSchema schema) {
        this.schema = schema;
    }

    void apply(ObjectNode tree, JavaType rootType, List<String> overrides, ConfigErrors errors) {
        for (String override : overrides) {
            int equals = override.indexOf('=');
            if (equals <= 0) {
                throw errors.problem("override '" + override + "' is not of the form key=value");
            }
            String key = override.substring(0, equals).strip();
            String[] path = key.split("\\.", -1);
            errors.recordOverride(key, override);
            for (String element : path) {
                if (element.isEmpty()) {
                    throw errors.problem("override '" + override + "' has an empty part in its key");
                }
            }
            JavaType target = resolve(rootType, path, key, errors);
            set(tree, path, parse(override.substring(equals + 1), target, key, errors));
        }
    }

    /** The type the key holds; the same unknown-key error as a key in the file when there is no such key. */
    private JavaType resolve(JavaType rootType, String[] path, String key, ConfigErrors errors) {
        JavaType type = rootType;
        String walked = "";
        for (String element : path) {
            if (schema.isSection(type)) {
                var property = schema.properties(type).get(element);
                if (property == null) {
                    throw errors.unknownKey(key, schema.keys(type));
                }
                type = property.getPrimaryType();
            } else if (type.isMapLikeType()) {
                type = type.getContentType();
            } else if (type.isCollectionLikeType() || type.isArrayType()) {
                throw errors.atKey(key, "unknown key '" + key + "': '" + walked
                        + "' is a list; set it whole, e.g. " + walked + "=[...]");
            } else {
                throw errors.atKey(key, "unknown key '" + key + "': '" + walked + "' holds "
                        + ConfigSchema.describe(type) + ", not a mapping");
            }
            walked = ConfigKeys.child(walked, element);
        }
        return type;
    }

    private static JsonNode parse(String text, JavaType target, String key, ConfigErrors errors) {
        if (ConfigSchema.isText(target)) {
            return TextNode.valueOf(text);
        }
        if (text.isBlank()) {
            return NullNode.getInstance();
        }
        try {
            JsonNode value = ConfigMappers.YAML.readTree(text);
            return value == null || value.isMissingNode() ? NullNode.getInstance() : value;
        } catch (JsonProcessingException e) {
            throw errors.atKey(key, "key '" + key + "': value is not valid YAML ("
                    + YamlTreeReader.malformed(e) + ")");
        }
    }

    /** Sets the value, creating (or replacing non-mapping) intermediate nodes: the override wins. */
    private static void set(ObjectNode tree, String[] path, JsonNode value) {
        ObjectNode node = tree;
        for (int i = 0; i < path.length - 1; i++) {
            JsonNode next = node.get(path[i]);
            node = next instanceof ObjectNode object ? object : node.putObject(path[i]);
        }
        node.set(path[path.length - 1], value);
    }
}
