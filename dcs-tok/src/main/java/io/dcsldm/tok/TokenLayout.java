package io.dcsldm.tok;

import io.dcsldm.core.embed.Sinusoidal;
import io.dcsldm.core.mask.TokenGroups;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The 1D order of a latent (DESIGN §2.3): level-major — all level-0 tokens (time, then raster order of
 * patches, then the {@code m} tokens of a patch), then level 1, and so on — so a prefix of levels is a
 * prefix of the sequence. Also converts between this order and the per-patch order the patchifier and
 * depatchifier work in.
 */
public record TokenLayout(int levels, int times, int gridH, int gridW, int tokensPerLevel) {

    public int patches() { return times * gridH * gridW; }

    /** Tokens in a prefix of {@code l} levels. */
    public int tokens(int l) { return l * patches() * tokensPerLevel; }

    public int tokens() { return tokens(levels); }

    public TokenGroups groups(int l) {
        return TokenGroups.levelMajor(l, times, gridH * gridW * tokensPerLevel);
    }

    /** {@code [T, D]} sinusoidal embedding of each token's patch coordinates (t, y, x), first {@code l} levels. */
    public INDArray gridEmbedding(int l, int dim, DataType dt) {
        int n = tokens(l);
        int[] t = new int[n], y = new int[n], x = new int[n];
        int i = 0;
        for (int lv = 0; lv < l; lv++)
            for (int ti = 0; ti < times; ti++)
                for (int gy = 0; gy < gridH; gy++)
                    for (int gx = 0; gx < gridW; gx++)
                        for (int j = 0; j < tokensPerLevel; j++, i++) {
                            t[i] = ti;
                            y[i] = gy;
                            x[i] = gx;
                        }
        return Sinusoidal.grid(t, y, x, dim, dt);
    }

    /** Level of each token of a prefix of {@code l} levels. */
    public int[] tokenLevels(int l) { return groups(l).tokenLevels(); }

    /**
     * Per-patch order {@code [B·G, l·m, D]} (as rows {@code [B·G·l·m, D]}) → level-major {@code [B·T, D]}.
     */
    public INDArray patchToSequence(INDArray x, int batch, int l) {
        long d = x.columns();
        return x.reshape(batch, patches(), l, tokensPerLevel, d).permute(0, 2, 1, 3, 4).dup('c')
                .reshape((long) batch * tokens(l), d);
    }

    /** Level-major {@code [B·T, D]} → per-patch order {@code [B·G·l·m, D]}. */
    public INDArray sequenceToPatch(INDArray x, int batch, int l) {
        long d = x.columns();
        return x.reshape(batch, l, patches(), tokensPerLevel, d).permute(0, 2, 1, 3, 4).dup('c')
                .reshape((long) batch * patches() * l * tokensPerLevel, d);
    }
}
