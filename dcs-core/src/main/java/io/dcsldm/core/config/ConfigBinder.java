package io.dcsldm.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Binds a YAML tree to a config class, turning Jackson's errors into one-line messages that name the
 * dotted key, what it should hold, and the value actually written.
 */
final class ConfigBinder {

    private static final Map<Class<?>, String> INTEGER_RANGES = Map.of(
            int.class, "an integer from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE,
            Integer.class, "an integer from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE,
            long.class, "an integer from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE,
            Long.class, "an integer from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE,
            short.class, "an integer from " + Short.MIN_VALUE + " to " + Short.MAX_VALUE,
            Short.class, "an integer from " + Short.MIN_VALUE + " to " + Short.MAX_VALUE,
            byte.class, "an integer from " + Byte.MIN_VALUE + " to " + Byte.MAX_VALUE,
            Byte.class, "an integer from " + Byte.MIN_VALUE + " to " + Byte.MAX_VALUE);

    private final ConfigSchema schema;

    ConfigBinder(ConfigSchema schema) {
        this.schema = schema;
    }

    <T> T bind(ObjectNode tree, Class<T> type, ConfigErrors errors) {
        JavaType root = schema.type(type);
        try {
            return ConfigMappers.YAML.treeToValue(tree, type);
        } catch (UnrecognizedPropertyException e) {
            List<Object> path = path(e);
            JavaType section = schema.typeAt(root, path.subList(0, path.size() - 1));
            List<String> known = section != null && schema.isSection(section)
                    ? schema.keys(section)
                    : e.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList();
            throw errors.unknownKey(ConfigKeys.of(path), known);
        } catch (InvalidDefinitionException e) {
            // the class, not the file, is wrong: a programming error
            throw new IllegalArgumentException(type.getName() + " cannot be a config class: " + e.getOriginalMessage(), e);
        } catch (JsonMappingException e) {
            List<Object> path = path(e);
            if (path.isEmpty()) {
                throw errors.problem("cannot be read as " + type.getSimpleName() + ": " + firstLine(e), e);
            }
            JsonNode written = nodeAt(tree, path);
            JavaType target = schema.typeAt(root, path);
            throw errors.wrongType(ConfigKeys.of(path), expected(target, written), written, hint(target, written));
        } catch (JsonProcessingException e) {
            throw errors.problem("cannot be read as " + type.getSimpleName() + ": " + firstLine(e), e);
        }
    }

    private static String firstLine(JsonProcessingException e) {
        String message = e.getOriginalMessage();
        return message == null ? e.getClass().getSimpleName() : message.lines().findFirst().orElse("").strip();
    }

    private static String expected(JavaType target, JsonNode written) {
        if (target == null) {
            return "a different value";
        }
        if (written != null && written.isIntegralNumber() && INTEGER_RANGES.containsKey(target.getRawClass())) {
            return INTEGER_RANGES.get(target.getRawClass()); // an integer, but too large for the field
        }
        return ConfigSchema.describe(target);
    }

    /** YAML reads unquoted yes, no, 1.10 or 007 as a boolean or number; quoting keeps them text. */
    private static String hint(JavaType target, JsonNode written) {
        boolean textExpected = target != null && ConfigSchema.isText(target);
        boolean scalarWritten = written != null && written.isValueNode() && !written.isNull() && !written.isTextual();
        return textExpected && scalarWritten ? " (quote the value to keep it text)" : "";
    }

    private static List<Object> path(JsonMappingException e) {
        List<Object> path = new ArrayList<>();
        for (JsonMappingException.Reference reference : e.getPath()) {
            if (reference.getFieldName() != null) {
                path.add(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.add(reference.getIndex());
            }
        }
        return path;
    }

    private static JsonNode nodeAt(JsonNode tree, List<Object> path) {
        JsonNode node = tree;
        for (Object element : path) {
            if (node == null) {
                return null;
            }
            node = element instanceof Integer index ? node.get(index) : node.get((String) element);
        }
        return node;
    }
}
