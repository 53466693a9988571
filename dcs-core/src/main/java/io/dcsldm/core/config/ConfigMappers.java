package io.dcsldm.core.config;

import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * The Jackson mappers behind {@link ConfigLoader}, configured to be strict: a config value that is not
 * exactly what the field says is an error, never a silent conversion.
 */
final class ConfigMappers {

    /**
     * Reads and writes config YAML.
     * <ul>
     *   <li>Only public fields are properties, so a helper method on a config class never shows up in the
     *       written YAML or the fingerprint.
     *   <li>Unknown keys, duplicate keys, {@code null} values, {@code 3.5} for an integer, {@code "3"} for a
     *       number and {@code yes}/{@code 1.10} for a string (YAML reads them as a boolean and 1.1) fail
     *       instead of being coerced.
     *   <li>Written YAML omits null fields (so it reads back), keeps field declaration order, and
     *       double-quotes every string value: YAML reads many unquoted strings as something else
     *       ({@code yes}, {@code 1.10}, {@code 0x1F}, {@code ~}), and Jackson's minimal quoting misses some.
     * </ul>
     */
    static final YAMLMapper YAML = YAMLMapper.builder()
            .visibility(PropertyAccessor.ALL, Visibility.NONE)
            .visibility(PropertyAccessor.FIELD, Visibility.PUBLIC_ONLY)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .defaultSetterInfo(JsonSetter.Value.construct(Nulls.FAIL, Nulls.FAIL))
            .withCoercionConfig(LogicalType.Textual, textual -> textual
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail))
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.USE_DEFAULTS))
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .build();

    /** Writes the canonical form that fingerprints hash: compact JSON, no configuration to drift. */
    static final JsonMapper CANONICAL_JSON = JsonMapper.builder().build();

    private ConfigMappers() {
    }
}
