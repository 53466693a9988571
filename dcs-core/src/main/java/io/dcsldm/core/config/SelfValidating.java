package io.dcsldm.core.config;

/**
 * A config section with checks that {@link Range} cannot express, typically between fields (a patch size
 * that must divide an image size). {@link ConfigLoader} calls {@link #validate} after binding, once every
 * field of the section (and of its sub-sections) has passed its own checks.
 */
public interface SelfValidating {

    /**
     * @throws InvalidValueException naming the offending key relative to this section, e.g.
     *     {@code new InvalidValueException("patchSize", "must divide imageSize 64, got 7")}; the loader
     *     prefixes the section's own key and the file name
     */
    void validate();

    /**
     * Runs {@code validate}, the checks of the sub-section {@code key}, for sections that report by
     * {@link IllegalArgumentException} because they live outside the config layer (the tokenizer's and the
     * DiT's model configs); a failure becomes an {@link InvalidValueException} on {@code key}, so the loader
     * names the file and the key. A message that already names its field ({@code key 'depth' must be > 0})
     * is reported on the dotted key ({@code model.depth}), not as {@code key 'model' key 'depth' …}.
     */
    static void checkSection(String key, Runnable validate) {
        try {
            validate.run();
        } catch (IllegalArgumentException e) {
            String msg = String.valueOf(e.getMessage());
            java.util.regex.Matcher m = NAMED_FIELD.matcher(msg);
            if (!m.matches()) throw new InvalidValueException(key, msg);
            String field = m.group(1);
            throw new InvalidValueException(field.startsWith(key + ".") ? field : key + "." + field, m.group(2));
        }
    }

    /** {@code key 'field' reason}: how the model configs phrase a failed check. */
    java.util.regex.Pattern NAMED_FIELD = java.util.regex.Pattern.compile("key '([^']+)' (.*)", java.util.regex.Pattern.DOTALL);
}
