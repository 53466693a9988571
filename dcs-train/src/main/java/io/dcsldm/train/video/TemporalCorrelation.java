package io.dcsldm.train.video;

import io.dcsldm.tok.TokenLayout;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How strongly a set of video latents couples consecutive temporal patches: per level, the correlation of each latent
 * coordinate (spatial patch, token, channel) with the same coordinate one temporal patch later, pooled over coordinates
 * weighted by their spread ({@code Σ cov / Σ √(var·var)}). Real Moving-MNIST clips have a strong level-0 coupling (a digit
 * in one patch is still there in the next); a sampler that loses it makes clips whose digit jumps between patches
 * (docs/video.md, "Why the clips are not coherent in time").
 */
public final class TemporalCorrelation {
    private final TokenLayout layout;
    private final int channels;
    private final List<float[]> rows = new ArrayList<>();

    public TemporalCorrelation(TokenLayout layout, int channels) {
        this.layout = layout;
        this.channels = channels;
    }

    /** Adds latents {@code [B, T, c]} (all levels, level-major, any per-coordinate scale). */
    public void add(INDArray z) {
        int per = layout.tokens() * channels;
        if (z.rank() != 3 || z.size(1) != layout.tokens() || z.size(2) != channels)
            throw new IllegalArgumentException("latents must be [B, " + layout.tokens() + ", " + channels + "], got " + java.util.Arrays.toString(z.shape()));
        float[] flat = z.dup('c').data().asFloat();
        for (int i = 0; i < z.size(0); i++) rows.add(java.util.Arrays.copyOfRange(flat, i * per, (i + 1) * per));
    }

    public int count() { return rows.size(); }

    /** Per level {@code 1..L} (as in the accuracy maps): the pooled correlation between consecutive temporal patches. */
    public Map<String, Double> perLevel() {
        if (rows.size() < 2 || layout.times() < 2) throw new IllegalStateException("needs ≥ 2 latents and ≥ 2 temporal patches");
        int times = layout.times(), group = layout.gridH() * layout.gridW() * layout.tokensPerLevel() * channels;
        int n = rows.size();
        Map<String, Double> out = new LinkedHashMap<>();
        for (int l = 0; l < layout.levels(); l++) {
            double cov = 0, spread = 0;
            for (int t = 0; t + 1 < times; t++)
                for (int j = 0; j < group; j++) {
                    int i0 = (l * times + t) * group + j, i1 = i0 + group;
                    double m0 = 0, m1 = 0;
                    for (float[] r : rows) {
                        m0 += r[i0];
                        m1 += r[i1];
                    }
                    m0 /= n;
                    m1 /= n;
                    double c01 = 0, v0 = 0, v1 = 0;
                    for (float[] r : rows) {
                        double a = r[i0] - m0, b = r[i1] - m1;
                        c01 += a * b;
                        v0 += a * a;
                        v1 += b * b;
                    }
                    cov += c01;
                    spread += Math.sqrt(v0 * v1);
                }
            out.put(Integer.toString(l + 1), spread > 0 ? cov / spread : Double.NaN);
        }
        return out;
    }
}
