package io.dcsldm.train.tok;

import io.dcsldm.tok.DcsTokenizer;
import io.dcsldm.tok.TokenLayout;
import io.dcsldm.train.data.ImageSet;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Per-level latent statistics (DESIGN §2.4): mean and standard deviation of every latent channel over
 * all tokens of a level, measured on training images, so that normalised latents have unit scale at
 * every level and the diffusion model sees comparable inputs whatever the level.
 */
public final class LatentStats {
    private LatentStats() {}

    /** Measures statistics on {@code images} (native size) and installs them in the tokenizer. */
    public static void measure(DcsTokenizer tok, ImageSet images, int batch) {
        int levels = tok.config().levels, c = tok.config().latentChannels;
        double[][] sum = new double[levels][c], sq = new double[levels][c];
        long[] count = new long[levels];
        TokenLayout layout = tok.layout(images.height(), images.width());
        int[] tokenLevel = layout.tokenLevels(levels);
        for (int from = 0; from < images.size(); from += batch) {
            int to = Math.min(images.size(), from + batch);
            int[] idx = java.util.stream.IntStream.range(from, to).toArray();
            INDArray z = tok.encodeUnnormalized(images.toINDArray(idx)); // [B, T, c]
            float[] v = z.dup('c').data().asFloat();
            int t = tokenLevel.length;
            for (int b = 0; b < idx.length; b++)
                for (int i = 0; i < t; i++) {
                    int l = tokenLevel[i];
                    for (int ch = 0; ch < c; ch++) {
                        double x = v[(b * t + i) * c + ch];
                        sum[l][ch] += x;
                        sq[l][ch] += x * x;
                    }
                    count[l]++;
                }
        }
        double[][] mean = new double[levels][c], std = new double[levels][c];
        for (int l = 0; l < levels; l++)
            for (int ch = 0; ch < c; ch++) {
                mean[l][ch] = sum[l][ch] / count[l];
                std[l][ch] = Math.sqrt(Math.max(sq[l][ch] / count[l] - mean[l][ch] * mean[l][ch], 1e-12));
            }
        tok.setLatentStats(Nd4j.create(mean), Nd4j.create(std));
    }
}
