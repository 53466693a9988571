package io.dcsldm.tok;

import io.dcsldm.core.config.InvalidValueException;

/**
 * Architecture of a DCS-Tok tokenizer. Public fields so the YAML config binds to it directly; every
 * field is part of the model fingerprint that checkpoints check.
 */
public class TokConfig {
    /** Image channels (1 grey, 3 RGB). */
    public int channels = 1;
    /** Patches along the shorter side: patch size {@code p = min(h, w) / k} (DESIGN §2.1). */
    public int k = 4;
    /** Temporal patches per second (video): {@code p_t = fps / kt}. Images use one frame. */
    public int kt = 1;
    /** Number of levels {@code L}. */
    public int levels = 4;
    /** Latent tokens per patch per level ({@code m}). */
    public int tokensPerLevel = 1;
    /** Channels of one latent token ({@code c}). */
    public int latentChannels = 2;
    /** Width of the encoder/decoder transformer. */
    public int width = 128;
    public int heads = 4;
    public int encoderDepth = 4;
    public int decoderDepth = 4;
    /** Width of the pixel-side attention in the patchifier and depatchifier. */
    public int pixelWidth = 64;
    /** Fourier frequencies per normalised in-patch coordinate. */
    public int fourierFreqs = 6;
    public int mlpRatio = 4;
    /** MLP width ratio of the per-pixel and per-query MLPs in the patchifier and depatchifier. */
    public int pixelMlpRatio = 2;
    /**
     * Add a global linear code (whitened PCA of the training images, {@link LinearCode}) under the learned
     * latent: the encoder and the depatchifier then learn residuals that start at zero, so training starts
     * from the best linear code with the latent's budget. Our own design (docs/tokenizer.md).
     */
    public boolean linearCode = false;

    /** Throws with the offending key when a value is out of range. */
    public void validate() {
        positive("channels", channels);
        positive("k", k);
        positive("kt", kt);
        positive("levels", levels);
        positive("tokensPerLevel", tokensPerLevel);
        positive("latentChannels", latentChannels);
        positive("width", width);
        positive("heads", heads);
        positive("encoderDepth", encoderDepth);
        positive("decoderDepth", decoderDepth);
        positive("pixelWidth", pixelWidth);
        positive("mlpRatio", mlpRatio);
        positive("pixelMlpRatio", pixelMlpRatio);
        if (fourierFreqs < 0 || fourierFreqs > 16) throw new InvalidValueException("fourierFreqs", "must be in [0, 16], got " + fourierFreqs);
        if (width % heads != 0) throw new InvalidValueException("width", "(" + width + ") must be divisible by 'heads' (" + heads + ")");
        if (width % 2 != 0) throw new InvalidValueException("width", "must be even, got " + width);
    }

    private static void positive(String key, int v) {
        if (v <= 0) throw new InvalidValueException(key, "must be > 0, got " + v);
    }

    /** Latent tokens per patch over all levels. */
    public int tokensPerPatch() { return levels * tokensPerLevel; }
}
