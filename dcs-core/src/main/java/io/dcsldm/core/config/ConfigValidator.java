package io.dcsldm.core.config;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.util.Collection;
import java.util.Map;

/**
 * Checks a bound config: every {@link Range} field, then every {@link SelfValidating#validate}, depth
 * first, so a section's own checks see fields that have already passed theirs.
 */
final class ConfigValidator {

    private final ConfigSchema schema;

    ConfigValidator(ConfigSchema schema) {
        this.schema = schema;
    }

    /** @throws InvalidValueException with the full dotted key of the first value out of range */
    void validate(Object config) {
        walk(config, "");
    }

    private void walk(Object value, String key) {
        if (value == null) {
            return;
        }
        if (value instanceof Collection<?> list) {
            int i = 0;
            for (Object element : list) {
                walk(element, ConfigKeys.element(key, i++));
            }
        } else if (value instanceof Map<?, ?> map) {
            map.forEach((name, element) -> walk(element, ConfigKeys.child(key, String.valueOf(name))));
        } else if (value instanceof Object[] array) {
            for (int i = 0; i < array.length; i++) {
                walk(array[i], ConfigKeys.element(key, i));
            }
        } else {
            JavaType type = schema.type(value.getClass());
            if (schema.isSection(type)) {
                walkSection(value, type, key);
            }
        }
    }

    private void walkSection(Object section, JavaType type, String key) {
        for (Map.Entry<String, BeanPropertyDefinition> property : schema.properties(type).entrySet()) {
            if (property.getValue().getField() == null) {
                continue; // only fields are config properties (ConfigMappers); nothing else to read
            }
            String childKey = ConfigKeys.child(key, property.getKey());
            Field field = (Field) property.getValue().getField().getMember();
            Object value = read(field, section);
            Range range = field.getAnnotation(Range.class);
            if (range != null) {
                checkRange(range, value, childKey);
            }
            walk(value, childKey);
        }
        if (section instanceof SelfValidating self) {
            try {
                self.validate();
            } catch (InvalidValueException e) {
                throw new InvalidValueException(ConfigKeys.child(key, e.key()), e.reason());
            }
        }
    }

    private static Object read(Field field, Object section) {
        try {
            field.trySetAccessible(); // public field of a non-public (e.g. nested test) class
            return field.get(section);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read config field " + field, e);
        }
    }

    private static void checkRange(Range range, Object value, String key) {
        if (value == null) {
            return;
        }
        if (value instanceof Collection<?> list) {
            int i = 0;
            for (Object element : list) {
                checkRange(range, element, ConfigKeys.element(key, i++));
            }
        } else if (value.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(value); i++) {
                checkRange(range, Array.get(value, i), ConfigKeys.element(key, i));
            }
        } else if (value instanceof Number number) {
            double v = number.doubleValue();
            boolean aboveMin = range.exclusiveMin() ? v > range.min() : v >= range.min();
            boolean belowMax = range.exclusiveMax() ? v < range.max() : v <= range.max();
            if (!aboveMin || !belowMax) {
                throw new InvalidValueException(key, "must be " + bounds(range) + ", got " + value);
            }
        } else {
            throw new IllegalStateException("@Range on key '" + key + "', which holds a " + value.getClass().getSimpleName());
        }
    }

    /** {@code > 0}, {@code <= 16}, {@code in [1, 16]}, {@code in (0, 1)}; "a number" when unbounded (only NaN fails). */
    static String bounds(Range range) {
        boolean hasMin = range.min() != Double.NEGATIVE_INFINITY;
        boolean hasMax = range.max() != Double.POSITIVE_INFINITY;
        if (hasMin && hasMax) {
            return "in " + (range.exclusiveMin() ? "(" : "[") + format(range.min()) + ", " + format(range.max())
                    + (range.exclusiveMax() ? ")" : "]");
        }
        if (hasMin) {
            return (range.exclusiveMin() ? "> " : ">= ") + format(range.min());
        }
        if (hasMax) {
            return (range.exclusiveMax() ? "< " : "<= ") + format(range.max());
        }
        return "a number";
    }

    private static String format(double bound) {
        return bound == Math.rint(bound) && Math.abs(bound) < 1e15 ? Long.toString((long) bound) : Double.toString(bound);
    }
}
