package io.dcsldm.dit;

import io.dcsldm.core.config.InvalidValueException;

/** Architecture of a DCS-DiT. Public fields so the YAML config binds to it directly. */
public class DitConfig {
    /** Transformer width {@code D}. */
    public int width = 192;
    public int depth = 6;
    public int heads = 4;
    public int mlpRatio = 4;
    /** Number of classes; class id {@code classes} is the null class used for guidance. */
    public int classes = 10;
    /** Width of the sinusoidal timestep features fed to the timestep MLP (DiT: 256). */
    public int frequencyWidth = 256;

    public void validate() {
        if (width <= 0 || width % 2 != 0) throw new InvalidValueException("width", "must be even and > 0, got " + width);
        if (depth <= 0) throw new InvalidValueException("depth", "must be > 0, got " + depth);
        if (heads <= 0 || width % heads != 0) throw new InvalidValueException("heads", "must divide 'width' (" + width + "), got " + heads);
        if (mlpRatio <= 0) throw new InvalidValueException("mlpRatio", "must be > 0, got " + mlpRatio);
        if (classes <= 0) throw new InvalidValueException("classes", "must be > 0, got " + classes);
        if (frequencyWidth <= 0 || frequencyWidth % 2 != 0) throw new InvalidValueException("frequencyWidth", "must be even and > 0, got " + frequencyWidth);
    }
}
