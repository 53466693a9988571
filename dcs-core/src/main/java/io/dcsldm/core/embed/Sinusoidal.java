package io.dcsldm.core.embed;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Parameter-free sinusoidal embeddings.
 *
 * <ul>
 * <li>{@link #grid}: integer grid coordinates {@code (t, y, x)} of patches, the channels split between the
 * three axes. Being a function of integer indices only, it is the same at every resolution and frame rate
 * and works for any aspect ratio (DESIGN §2.4).</li>
 * <li>{@link #timestep}: DiT's frequency embedding of a scalar diffusion time.</li>
 * <li>{@link #fourier}: Fourier features of normalised in-patch coordinates in {@code [0, 1)}, so one
 * network reads any patch size (DESIGN §2.2).</li>
 * </ul>
 */
public final class Sinusoidal {
    private Sinusoidal() {}

    /** Standard 1D sin/cos embedding of position {@code pos} into {@code out[off : off+dim]} (dim even). */
    static void sincos(double pos, int dim, double maxPeriod, double[] out, int off) {
        int half = dim / 2;
        for (int i = 0; i < half; i++) {
            double freq = Math.exp(-Math.log(maxPeriod) * i / half);
            out[off + i] = Math.sin(pos * freq);
            out[off + half + i] = Math.cos(pos * freq);
        }
    }

    /** Channel split of a grid embedding: {@code [t, y, x]} widths, each even, summing to {@code dim}. */
    static int[] split(int dim) {
        if (dim % 2 != 0) throw new IllegalArgumentException("grid embedding width must be even, got " + dim);
        int t = (dim / 3) & ~1, y = (dim / 3) & ~1;
        return new int[]{t, y, dim - t - y};
    }

    /** {@code [n, dim]} embedding of integer coordinates {@code t[i], y[i], x[i]}. */
    public static INDArray grid(int[] t, int[] y, int[] x, int dim, DataType dt) {
        int[] w = split(dim);
        double[] buf = new double[t.length * dim];
        double[] row = new double[dim];
        for (int i = 0; i < t.length; i++) {
            sincos(t[i], w[0], 10000, row, 0);
            sincos(y[i], w[1], 10000, row, w[0]);
            sincos(x[i], w[2], 10000, row, w[0] + w[1]);
            System.arraycopy(row, 0, buf, i * dim, dim);
        }
        return Nd4j.create(buf, new long[]{t.length, dim}, dt);
    }

    /** DiT's {@code timestep_embedding}: {@code [n, dim]} of scalar times (scaled by 1000 as DiT's t ∈ [0, 1000)). */
    public static INDArray timestep(double[] t, int dim, DataType dt) {
        double[] buf = new double[t.length * dim];
        double[] row = new double[dim];
        for (int i = 0; i < t.length; i++) {
            // DiT orders cos before sin; keep its convention
            int half = dim / 2;
            for (int j = 0; j < half; j++) {
                double freq = Math.exp(-Math.log(10000) * j / half);
                row[j] = Math.cos(1000 * t[i] * freq);
                row[half + j] = Math.sin(1000 * t[i] * freq);
            }
            System.arraycopy(row, 0, buf, i * dim, dim);
        }
        return Nd4j.create(buf, new long[]{t.length, dim}, dt);
    }

    /** Width of {@link #fourier} output for {@code axes} coordinates and {@code freqs} frequencies. */
    public static int fourierWidth(int axes, int freqs) { return axes * (1 + 2 * freqs); }

    /**
     * Fourier features {@code [n, axes·(1 + 2F)]} of normalised coordinates {@code coords[i][a] ∈ [0, 1)}: the
     * centred coordinate itself, then {@code sin, cos(π·2^f·u)} for {@code f = 0..F−1}.
     */
    public static INDArray fourier(double[][] coords, int freqs, DataType dt) {
        int axes = coords.length == 0 ? 0 : coords[0].length;
        int w = fourierWidth(axes, freqs);
        double[] buf = new double[coords.length * w];
        for (int i = 0; i < coords.length; i++) {
            int o = i * w;
            for (int a = 0; a < axes; a++) {
                double u = coords[i][a];
                buf[o++] = 2 * u - 1;
                for (int f = 0; f < freqs; f++) {
                    double arg = Math.PI * (1 << f) * u;
                    buf[o++] = Math.sin(arg);
                    buf[o++] = Math.cos(arg);
                }
            }
        }
        return Nd4j.create(buf, new long[]{coords.length, w}, dt);
    }
}
