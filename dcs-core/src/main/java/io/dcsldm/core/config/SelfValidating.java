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
     * Runs {@code validate}, the checks of the sub-section {@code key}, for sections that live outside the
     * config layer (the tokenizer's and the DiT's model configs). An {@link InvalidValueException} on a field is
     * reported on the dotted key ({@code model.depth}; a field already given as {@code flow.logitStd} is kept);
     * any other {@link IllegalArgumentException} becomes one on {@code key}. Either way the loader names the
     * file and the key.
     */
    static void checkSection(String key, Runnable validate) {
        try {
            validate.run();
        } catch (InvalidValueException e) {
            throw new InvalidValueException(e.key().startsWith(key + ".") ? e.key() : key + "." + e.key(), e.reason());
        } catch (IllegalArgumentException e) {
            throw new InvalidValueException(key, e.getMessage());
        }
    }
}
