package io.dcsldm.tok;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A DCS-Tok latent: {@code tokens [B, T, c]} in level-major order (DESIGN §2.3) over the first
 * {@code levels} levels of {@code layout}. Its shape depends on the patch grid, levels, {@code m} and
 * {@code c} only — never on the resolution the images were encoded at.
 */
public record Latent(INDArray tokens, TokenLayout layout, int levels) {

    public Latent {
        if (levels < 1 || levels > layout.levels())
            throw new IllegalArgumentException("levels must be in [1, " + layout.levels() + "], got " + levels);
        if (tokens.rank() != 3 || tokens.size(1) != layout.tokens(levels))
            throw new IllegalArgumentException("latent tokens must be [B, " + layout.tokens(levels) + ", c], got "
                    + java.util.Arrays.toString(tokens.shape()));
    }

    public int batch() { return (int) tokens.size(0); }

    public int channels() { return (int) tokens.size(2); }

    /** The first {@code l} levels: a prefix of the token sequence (a view). */
    public Latent prefix(int l) {
        if (l < 1 || l > levels) throw new IllegalArgumentException("prefix levels must be in [1, " + levels + "], got " + l);
        INDArray t = tokens.get(NDArrayIndex.all(), NDArrayIndex.interval(0, layout.tokens(l)), NDArrayIndex.all());
        return new Latent(t, layout, l);
    }

    /** Floats in this latent per sample. */
    public long floatsPerSample() { return tokens.size(1) * tokens.size(2); }

    /** Shape of one sample's latent, {@code [T, c]}. */
    public long[] sampleShape() { return new long[]{tokens.size(1), tokens.size(2)}; }
}
