package io.dcsldm.core.config;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.util.ClassUtil;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * What keys a config class accepts and what type each holds, as Jackson sees it (so renames and ignored
 * fields agree with binding). A <em>section</em> is a config class with keys; everything else is a value,
 * a list or a map.
 */
final class ConfigSchema {

    private static final Set<Class<?>> INTEGERS = Set.of(int.class, long.class, short.class, byte.class,
            Integer.class, Long.class, Short.class, Byte.class, BigInteger.class);
    private static final Set<Class<?>> NUMBERS = Set.of(double.class, float.class, Double.class, Float.class,
            BigDecimal.class, Number.class);

    private final ObjectMapper mapper;
    private final Map<JavaType, Map<String, BeanPropertyDefinition>> sections = new ConcurrentHashMap<>();

    ConfigSchema(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    JavaType type(Class<?> type) {
        return mapper.constructType(type);
    }

    boolean isSection(JavaType type) {
        return !type.isContainerType() && !type.isEnumType() && !type.isPrimitive()
                && !type.isJavaLangObject() && !ClassUtil.isJDKClass(type.getRawClass());
    }

    /** The section's properties by key, in declaration order. */
    Map<String, BeanPropertyDefinition> properties(JavaType section) {
        return sections.computeIfAbsent(section, type -> {
            Map<String, BeanPropertyDefinition> byName = new LinkedHashMap<>();
            for (BeanPropertyDefinition property : mapper.getDeserializationConfig().introspect(type).findProperties()) {
                if (property.couldDeserialize()) {
                    byName.put(property.getName(), property);
                }
            }
            return Collections.unmodifiableMap(byName);
        });
    }

    List<String> keys(JavaType section) {
        return List.copyOf(properties(section).keySet());
    }

    /**
     * The declared type at {@code path} below {@code root}; path elements are keys ({@code String}) and
     * list indexes ({@code Integer}). {@code null} when the path leaves the schema.
     */
    JavaType typeAt(JavaType root, List<Object> path) {
        JavaType type = root;
        for (Object element : path) {
            if (type == null) {
                return null;
            }
            if (element instanceof String key && isSection(type)) {
                BeanPropertyDefinition property = properties(type).get(key);
                type = property == null ? null : property.getPrimaryType();
            } else if (element instanceof String && type.isMapLikeType()) {
                type = type.getContentType();
            } else if (element instanceof Integer && (type.isCollectionLikeType() || type.isArrayType())) {
                type = type.getContentType();
            } else {
                return null;
            }
        }
        return type;
    }

    static boolean isInteger(JavaType type) {
        return INTEGERS.contains(type.getRawClass());
    }

    /** Whether the type takes free text (an override's raw text is used as is, not parsed as YAML). */
    static boolean isText(JavaType type) {
        Class<?> raw = type.getRawClass();
        return CharSequence.class.isAssignableFrom(raw) || raw == char.class || raw == Character.class
                || type.isEnumType();
    }

    /** What a value of this type looks like, as the end of "expected ...". */
    static String describe(JavaType type) {
        Class<?> raw = type.getRawClass();
        if (INTEGERS.contains(raw)) {
            return "an integer";
        }
        if (NUMBERS.contains(raw)) {
            return "a number";
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return "true or false";
        }
        if (type.isEnumType()) {
            return "one of " + Arrays.stream(raw.getEnumConstants()).map(c -> ((Enum<?>) c).name())
                    .collect(Collectors.joining(", "));
        }
        if (isText(type)) {
            return "a string";
        }
        if (type.isCollectionLikeType() || type.isArrayType()) {
            return "a list";
        }
        return "a mapping";
    }
}
