package io.dcsldm.train.dit;

import io.dcsldm.tok.DcsTokenizer;
import io.dcsldm.tok.Latent;
import io.dcsldm.tok.TokenLayout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The per-coordinate scale of the space a DiT diffuses in, chosen from the tokenizer's decoder (our own
 * design, docs/diffusion.md).
 *
 * <p>Why: the tokenizer's normalised latent is close to whitened (every coordinate has unit variance), so
 * a flow loss on it weighs a fine-detail coordinate that moves a few pixels slightly exactly like the
 * coarse coordinate that decides the garment's shape, and the noise destroys both at the same flow time.
 * Scaling coordinate {@code j} by {@code e_j^p}, where {@code e_j} is the RMS pixel change per unit of
 * that coordinate (the decoder Jacobian's column norm at the mean latent), makes the loss weigh each
 * coordinate by its pixel energy (pixel-space MSE at {@code p = 1}) and lets coarse structure survive to
 * higher noise, as in pixel-space diffusion. The scale is normalised to a mean square of 1, so the
 * latent's total variance, and with it the noise-to-signal balance of the flow, is unchanged.</p>
 */
public final class LatentScale {
    private LatentScale() {}

    /** Central-difference step, in units of the normalised latent (the decoder is linear up to its small learned residual). */
    private static final double STEP = 0.5;

    /**
     * {@code [T, c]} scale {@code e_j^power / rms(e^power)} for the tokenizer's latent at {@code size × size}.
     * {@code power = 0} gives all ones.
     */
    public static INDArray fromDecoder(DcsTokenizer tok, TokenLayout layout, int size, double power) {
        return fromEnergy(pixelEnergy(z -> tok.decode(new Latent(z, layout, layout.levels()), size, size), layout,
                tok.config().latentChannels), layout, power);
    }

    /** The same for a video tokenizer's latent, decoded as clips at {@code fps} and {@code size × size}. */
    public static INDArray fromVideoDecoder(io.dcsldm.tok.VideoTokenizer tok, TokenLayout layout, double fps, int size, double power) {
        return fromEnergy(pixelEnergy(z -> tok.decode(new Latent(z, layout, layout.levels()), fps, size, size), layout,
                tok.config().latentChannels), layout, power);
    }

    private static INDArray fromEnergy(double[] energy, TokenLayout layout, double power) {
        int t = layout.tokens(), n = energy.length, c = n / t;
        double[] s = new double[n];
        double meanSq = 0;
        for (int j = 0; j < n; j++) {
            s[j] = Math.pow(Math.max(energy[j], 1e-12), power);
            meanSq += s[j] * s[j] / n;
        }
        double norm = Math.sqrt(meanSq);
        for (int j = 0; j < n; j++) s[j] /= norm;
        return Nd4j.create(s, new long[]{t, c}).castTo(DataType.FLOAT);
    }

    /** RMS pixel change per unit of each latent coordinate (all levels decoded by {@code decode}: latents {@code [B, T, c]} → pixels). */
    static double[] pixelEnergy(java.util.function.Function<INDArray, INDArray> decode, TokenLayout layout, int c) {
        int t = layout.tokens(), n = t * c;
        double[] e = new double[n];
        int chunk = 64;
        for (int from = 0; from < n; from += chunk) {
            int m = Math.min(chunk, n - from);
            INDArray z = Nd4j.zeros(DataType.FLOAT, 2L * m, t, c);
            for (int k = 0; k < m; k++) {
                int j = from + k;
                z.putScalar(new long[]{k, j / c, j % c}, STEP);
                z.putScalar(new long[]{m + k, j / c, j % c}, -STEP);
            }
            INDArray img = decode.apply(z);
            long pixels = img.length() / (2L * m);
            INDArray flat = img.reshape(2L * m, pixels);
            for (int k = 0; k < m; k++) {
                INDArray d = flat.getRow(k).sub(flat.getRow(m + k)).divi(2 * STEP);
                e[from + k] = Math.sqrt(d.mul(d).meanNumber().doubleValue());
            }
        }
        return e;
    }
}
