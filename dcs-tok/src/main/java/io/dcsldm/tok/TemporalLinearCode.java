package io.dcsldm.tok;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The video tokenizer's linear code (our design, as {@link LinearCode} is for images; docs/video.md): the
 * whitened principal components of whole temporal patches. A temporal patch is taken at a fixed
 * <em>basis</em> frame count {@code p} (the {@code p} frames stacked as channels of one {@link LinearCode},
 * which also handles the spatial resampling), and each temporal patch of a clip is coded on its own with
 * the same basis:
 *
 * <ul>
 * <li>encoding resamples the frames a temporal patch holds at the input frame rate to the {@code p} basis
 * frames, as the area average in time (frame {@code i} covers {@code [τ_i − d/2, τ_i + d/2)} of the patch,
 * {@code d = k_t / fps}); an image (one frame, {@code τ = 0.5}, {@code d = 1}) fills every basis frame;</li>
 * <li>decoding renders the {@code p} basis frames and resamples them to the output frame times: the area
 * average when output frames are at least as long as basis frames, linear interpolation between basis-frame
 * centres (held at the ends) when they are shorter.</li>
 * </ul>
 *
 * <p>Temporal patch {@code t}'s coordinates are the latent floats of its own tokens, level-major: with the
 * latent's level-major {@code [T, c]} layout (level, then temporal patch, then spatial patch), the floats of
 * (level {@code l}, temporal patch {@code t}) are one contiguous block of {@code S·m·c}; coordinate
 * {@code l·S·m·c + r} is entry {@code r} of that block. So the first ℓ levels of a temporal patch hold its top
 * components (prefixes decode exactly as for images), and a temporal patch's frames depend on its own
 * tokens only (temporal causality holds for the linear part trivially).</p>
 */
public final class TemporalLinearCode {
    private final LinearCode code; // channels = C·p: the p basis frames of a temporal patch, frame-major
    private final int channels;    // C
    private final int frames;      // p

    /** @param code a linear code whose channels are {@code channels × p} basis frames of a temporal patch */
    public TemporalLinearCode(LinearCode code, int channels) {
        if (code.channels() % channels != 0)
            throw new IllegalArgumentException("linear code has " + code.channels() + " channels, not a multiple of the tokenizer's " + channels);
        this.code = code;
        this.channels = channels;
        this.frames = code.channels() / channels;
    }

    /** Basis frames per temporal patch. */
    public int frames() { return frames; }

    /** Coordinates per temporal patch (all levels). */
    public int floats() { return code.floats(); }

    public LinearCode code() { return code; }

    /**
     * Whitened coordinates {@code [B, F]} of temporal patch {@code t} of clips {@code [B, frames, C, H, W]} on the
     * [−1, 1] scale, which hold frames at {@code tg}'s times.
     */
    public INDArray encode(INDArray scaledClips, TemporalGrid tg, int t) {
        long b = scaledClips.size(0), h = scaledClips.size(3), w = scaledClips.size(4);
        double[][] a = inWeights(tg.taus(t), tg.kt() / tg.fps(), frames);
        INDArray in = scaledClips.get(NDArrayIndex.all(), NDArrayIndex.interval(tg.firstFrame(t), tg.firstFrame(t) + tg.framesIn(t)),
                NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
        INDArray basis = mix(a, in);                                                    // [B, p, C, H, W]
        return code.encode(basis.reshape(b, (long) frames * channels, h, w));
    }

    /**
     * The linear rendering of temporal patch {@code t} at {@code tg}'s frame times and {@code outH × outW} from the
     * first {@code z.columns()} coordinates {@code [B, n]}: {@code [B, framesIn(t), C, outH, outW]} on the [−1, 1] scale.
     */
    public INDArray decode(INDArray z, TemporalGrid tg, int t, int outH, int outW) {
        long b = z.rows();
        INDArray basis = code.decode(z, outH, outW).reshape(b, frames, channels, outH, outW);
        return mix(outWeights(tg.taus(t), tg.kt() / tg.fps(), frames), basis);
    }

    /** Gradient of {@link #decode} w.r.t. its first {@code n} coordinates, from {@code dy: [B, framesIn(t), C, outH, outW]}. */
    public INDArray decodeBackward(INDArray dy, TemporalGrid tg, int t, int n) {
        long b = dy.size(0), h = dy.size(3), w = dy.size(4);
        double[][] m = outWeights(tg.taus(t), tg.kt() / tg.fps(), frames);
        INDArray dBasis = mix(transpose(m), dy);                                        // [B, p, C, H, W]
        return code.decodeBackward(dBasis.reshape(b, (long) frames * channels, h, w), n);
    }

    /** {@code out[:, j] = Σ_i m[j][i]·x[:, i]} over the frame axis of {@code [B, n, C, H, W]}. */
    private static INDArray mix(double[][] m, INDArray in) {
        INDArray x = in.isView() ? in.dup('c') : in; // point indexes into some views of views come back empty in ND4J
        long b = x.size(0);
        INDArray out = Nd4j.zeros(x.dataType(), b, m.length, x.size(2), x.size(3), x.size(4));
        for (int j = 0; j < m.length; j++) {
            INDArray oj = out.get(NDArrayIndex.all(), NDArrayIndex.point(j), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
            for (int i = 0; i < m[j].length; i++)
                if (m[j][i] != 0)
                    oj.addi(x.get(NDArrayIndex.all(), NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).mul(m[j][i]));
        }
        return out;
    }

    private static double[][] transpose(double[][] m) {
        double[][] t = new double[m[0].length][m.length];
        for (int i = 0; i < m.length; i++)
            for (int j = 0; j < m[i].length; j++) t[j][i] = m[i][j];
        return t;
    }

    /**
     * {@code [p][n]}: basis frame {@code j} (covering {@code [j/p, (j+1)/p)}) as the area average of the input
     * frames at in-patch times {@code taus}, each lasting {@code d} (in temporal-patch units). A basis frame no
     * input frame overlaps takes the nearest input frame.
     */
    static double[][] inWeights(double[] taus, double d, int p) {
        int n = taus.length;
        double[][] a = new double[p][n];
        for (int j = 0; j < p; j++) {
            double lo = (double) j / p, hi = (double) (j + 1) / p, sum = 0;
            for (int i = 0; i < n; i++) sum += a[j][i] = overlap(lo, hi, taus[i] - d / 2, taus[i] + d / 2);
            if (sum > 0) for (int i = 0; i < n; i++) a[j][i] /= sum;
            else a[j][nearest(taus, (j + 0.5) / p)] = 1;
        }
        return a;
    }

    /**
     * {@code [n][p]}: output frame {@code o} at in-patch time {@code taus[o]}, lasting {@code d}: the area average
     * of the basis frames when {@code d ≥ 1/p}, else linear interpolation between basis-frame centres
     * {@code (j + 0.5)/p}, held constant before the first and after the last.
     */
    static double[][] outWeights(double[] taus, double d, int p) {
        int n = taus.length;
        double[][] m = new double[n][p];
        for (int o = 0; o < n; o++) {
            if (d * p >= 1 - 1e-9) {
                double sum = 0;
                for (int j = 0; j < p; j++) sum += m[o][j] = overlap((double) j / p, (double) (j + 1) / p, taus[o] - d / 2, taus[o] + d / 2);
                if (sum > 0) for (int j = 0; j < p; j++) m[o][j] /= sum;
                else m[o][Math.min(p - 1, (int) (taus[o] * p))] = 1;
            } else {
                double x = taus[o] * p - 0.5;                 // in basis-frame units, centres at 0..p-1
                if (x <= 0) m[o][0] = 1;
                else if (x >= p - 1) m[o][p - 1] = 1;
                else {
                    int j = (int) Math.floor(x);
                    double f = x - j;
                    m[o][j] = 1 - f;
                    if (f > 0) m[o][j + 1] = f;
                }
            }
        }
        return m;
    }

    private static double overlap(double a0, double a1, double b0, double b1) {
        return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
    }

    private static int nearest(double[] taus, double x) {
        int best = 0;
        for (int i = 1; i < taus.length; i++) if (Math.abs(taus[i] - x) < Math.abs(taus[best] - x)) best = i;
        return best;
    }
}
