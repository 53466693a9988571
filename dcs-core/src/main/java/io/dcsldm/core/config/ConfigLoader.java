package io.dcsldm.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Loads typed configs from YAML, with command-line overrides, and writes them back.
 *
 * <p>Config classes are plain classes with a no-argument constructor and public mutable fields holding
 * their defaults; nested sections are fields of other config classes. Only public fields are keys (a
 * method never becomes one). Bounds go on fields as {@link Range}; checks between fields go in
 * {@link SelfValidating#validate}.
 *
 * <pre>
 * public class TrainConfig {
 *     &#64;Range(min = 0, exclusiveMin = true) public double lr = 1e-4;
 *     &#64;Range(min = 1) public int steps = 10_000;
 * }
 * RunConfig run = ConfigLoader.load(Path.of("configs/x.yaml"), RunConfig.class, List.of("train.lr=3e-4"));
 * </pre>
 *
 * <p>Loading is strict. Every problem is a one-line {@link ConfigException} naming the file and the dotted
 * key: a missing file, malformed YAML (with line and column), a duplicate key, an unknown key (with the
 * keys that section knows), a value of the wrong type (with what was written), a null, or a value out of
 * range. Keys absent from the file keep their defaults.
 */
public final class ConfigLoader {

    private static final ConfigSchema SCHEMA = new ConfigSchema(ConfigMappers.YAML);
    private static final ConfigOverrides OVERRIDES = new ConfigOverrides(SCHEMA);
    private static final ConfigBinder BINDER = new ConfigBinder(SCHEMA);
    private static final ConfigValidator VALIDATOR = new ConfigValidator(SCHEMA);

    private ConfigLoader() {
    }

    /** {@link #load(Path, Class, List)} without overrides. */
    public static <T> T load(Path yaml, Class<T> type) {
        return load(yaml, type, List.of());
    }

    /**
     * Reads {@code yaml}, applies {@code overrides} in order (the last one for a key wins), binds the result
     * to {@code type} and validates it.
     *
     * @param overrides {@code key=value} strings with dotted keys, e.g. {@code train.lr=3e-4},
     *     {@code model.levels=4}, {@code train.scales=[64, 128]}; values are parsed as YAML (text as is for
     *     string and enum keys). An unknown key is an error just as in the file.
     * @throws ConfigException naming the file and, where there is one, the key
     */
    public static <T> T load(Path yaml, Class<T> type, List<String> overrides) {
        Objects.requireNonNull(yaml, "yaml");
        String text;
        try {
            text = Files.readString(yaml);
        } catch (NoSuchFileException e) {
            throw new ConfigException(yaml + ": file not found", e);
        } catch (CharacterCodingException e) {
            throw new ConfigException(yaml + ": is not UTF-8 text", e);
        } catch (AccessDeniedException e) {
            throw new ConfigException(yaml + ": cannot be read (permission denied)", e);
        } catch (IOException e) {
            throw new ConfigException(yaml + ": cannot be read (" + e.getMessage() + ")", e);
        }
        return parse(text, yaml.toString(), type, overrides);
    }

    /**
     * Like {@link #load(Path, Class, List)} for YAML text that is not in a file, e.g. the config stored in a
     * checkpoint.
     *
     * @param sourceName what error messages call the text, e.g. {@code runs/x/step-000100.dcs (config)}
     */
    public static <T> T parse(String yaml, String sourceName, Class<T> type, List<String> overrides) {
        Objects.requireNonNull(yaml, "yaml");
        Objects.requireNonNull(sourceName, "sourceName");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(overrides, "overrides");
        ConfigErrors errors = new ConfigErrors(sourceName);
        ObjectNode tree = YamlTreeReader.read(yaml, errors);
        OVERRIDES.apply(tree, SCHEMA.type(type), overrides, errors);
        T config = BINDER.bind(tree, type, errors);
        try {
            VALIDATOR.validate(config);
        } catch (InvalidValueException e) {
            throw errors.invalidValue(e.key(), e.reason());
        }
        return config;
    }

    /**
     * Checks a config built or changed in code against its {@link Range}s and {@link SelfValidating} rules.
     *
     * @param sourceName what the error message calls the config, e.g. {@code "default config"}
     * @throws ConfigException naming the source and the key
     */
    public static void validate(Object config, String sourceName) {
        try {
            VALIDATOR.validate(Objects.requireNonNull(config, "config"));
        } catch (InvalidValueException e) {
            throw new ConfigErrors(sourceName).invalidValue(e.key(), e.reason());
        }
    }

    /**
     * The config as YAML that {@link #load} reads back to an equal config: fields in declaration order,
     * null fields omitted, string values double-quoted. Meant for the resolved config written into run
     * directories and checkpoints.
     */
    public static String toYaml(Object config) {
        try {
            return ConfigMappers.YAML.writeValueAsString(Objects.requireNonNull(config, "config"));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(config.getClass().getName() + " cannot be written as YAML: "
                    + e.getOriginalMessage(), e);
        }
    }

    /**
     * A stable fingerprint (64 hex digits of SHA-256) of the config, or of only the sections under the given
     * dotted keys, e.g. {@code fingerprint(config, "model")}, so a checkpoint can refuse a different model
     * config while training settings change freely. Field order does not matter; any value, an added field
     * or a renamed key does.
     *
     * @throws IllegalArgumentException if a key is absent (or null) in the config
     */
    public static String fingerprint(Object config, String... onlyUnderKeys) {
        return ConfigFingerprint.of(Objects.requireNonNull(config, "config"), onlyUnderKeys);
    }
}
