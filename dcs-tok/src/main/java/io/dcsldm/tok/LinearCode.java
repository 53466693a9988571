package io.dcsldm.tok;

import io.dcsldm.core.image.ResampleAxis;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.HashMap;
import java.util.Map;

/**
 * A fixed global linear code: whitened principal components of the training images at one basis
 * resolution, used by DCS-Tok as the linear part of its latent (our own design, not the paper's; see
 * docs/tokenizer.md). Latent float {@code f} (flat index over the level-major {@code [T, c]} tokens) holds
 * component {@code f}, so the first ℓ levels hold the top components — PCA is nested, which is exactly
 * the coarse-to-fine prefix property the tokenizer needs. The learned encoder adds a residual to these
 * coordinates and the learned decoder adds a residual to the linear reconstruction; both residual paths
 * start at zero, so an untrained tokenizer is PCA and training can only start from the best linear code.
 *
 * <p>Scale awareness: an input of any size is resampled to the basis resolution before projection and
 * the reconstruction is resampled to the requested output size (area when shrinking, bicubic when
 * enlarging, {@link ResampleAxis#auto}); both resamplings are linear, so they are folded into one
 * encoding matrix per input size and one decoding matrix per output size, built once and cached.</p>
 *
 * <p>Pixels are on the tokenizer's internal [−1, 1] scale. The code is constant: it is not a trained
 * parameter and is stored next to the weights in checkpoints.</p>
 */
public final class LinearCode {
    private final int channels, height, width;
    private final DataType dataType;   // of the cached matrices: the model's
    private final INDArray mean;       // [C, h, w]
    private final INDArray components; // [F, C·h·w], orthonormal rows
    private final INDArray scale;      // [F] standard deviation along each component
    private final Map<Long, INDArray[]> encoders = new HashMap<>(); // size → {matrix [C·H·W, F], bias [1, F]}
    private final Map<Long, INDArray[]> decoders = new HashMap<>(); // size → {matrix [F, C·H·W], bias [1, C·H·W]}

    /**
     * @param mean       {@code [C, h, w]} mean image on the [−1, 1] scale
     * @param components {@code [F, C·h·w]} orthonormal principal directions, largest variance first
     * @param scale      {@code [F]} standard deviation of the data along each direction (&gt; 0)
     */
    public LinearCode(INDArray mean, INDArray components, INDArray scale) {
        this(mean, components, scale, DataType.FLOAT);
    }

    /** The same code computing in {@code dataType} (the tokenizer's parameter type). */
    public LinearCode as(DataType dataType) {
        return dataType == this.dataType ? this : new LinearCode(mean, components, scale, dataType);
    }

    private LinearCode(INDArray mean, INDArray components, INDArray scale, DataType dataType) {
        this.dataType = dataType;
        if (mean.rank() != 3) throw new IllegalArgumentException("linear code mean must be [C, h, w], got " + java.util.Arrays.toString(mean.shape()));
        this.channels = (int) mean.size(0);
        this.height = (int) mean.size(1);
        this.width = (int) mean.size(2);
        long pixels = (long) channels * height * width;
        if (components.rank() != 2 || components.size(1) != pixels)
            throw new IllegalArgumentException("linear code components must be [F, " + pixels + "], got " + java.util.Arrays.toString(components.shape()));
        if (scale.length() != components.size(0))
            throw new IllegalArgumentException("linear code scale must have " + components.size(0) + " entries, got " + scale.length());
        if (scale.minNumber().doubleValue() <= 0)
            throw new IllegalArgumentException("linear code scales must be > 0");
        try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            this.mean = mean.castTo(DataType.FLOAT).dup('c');
            this.components = components.castTo(DataType.FLOAT).dup('c');
            this.scale = scale.castTo(DataType.FLOAT).dup('c').reshape(scale.length());
        }
    }

    /**
     * The top {@code floats} principal components of flattened images, whitened by the square root of
     * their variances ({@code floor} keeps directions of (near) zero variance finite).
     *
     * @param mean        {@code [C·h·w]} mean image on the [−1, 1] scale
     * @param directions  {@code directions[f]} = unit direction {@code f}, largest variance first
     * @param variances   variances along the directions
     */
    public static LinearCode fromPca(int channels, int h, int w, double[] mean, double[][] directions, double[] variances, int floats) {
        if (directions.length < floats)
            throw new IllegalArgumentException("PCA has " + directions.length + " components, the latent needs " + floats);
        double[][] comps = new double[floats][];
        double[] sd = new double[floats];
        for (int f = 0; f < floats; f++) {
            comps[f] = directions[f];
            sd[f] = Math.sqrt(Math.max(variances[f], 1e-8));
        }
        return new LinearCode(Nd4j.create(mean, new long[]{channels, h, w}, DataType.DOUBLE), Nd4j.create(comps), Nd4j.create(sd));
    }

    /** Number of latent floats the code fills. */
    public int floats() { return (int) components.size(0); }

    public int channels() { return channels; }

    /** Height of the basis resolution. */
    public int height() { return height; }

    /** Width of the basis resolution. */
    public int width() { return width; }

    public INDArray mean() { return mean; }

    public INDArray components() { return components; }

    public INDArray scale() { return scale; }

    /** Whitened coordinates of images {@code [B, C, H, W]} (any size, [−1, 1] scale) → {@code [B, F]}. */
    public INDArray encode(INDArray images) {
        int b = (int) images.size(0);
        INDArray[] e = encoder((int) images.size(2), (int) images.size(3));
        INDArray z = Nd4j.createUninitialized(images.dataType(), b, floats());
        Nd4j.gemm(images.dup('c').reshape(b, -1), e[0], z, false, false, 1.0, 0.0);
        return z.addiRowVector(e[1]);
    }

    /**
     * Reconstruction from the first {@code z.columns()} coordinates at {@code outH × outW}: {@code [B, C, outH, outW]}
     * on the [−1, 1] scale. Only those columns are read, so a prefix decodes independently of the rest.
     */
    public INDArray decode(INDArray z, int outH, int outW) {
        int b = (int) z.rows(), n = (int) z.columns();
        INDArray[] d = decoder(outH, outW);
        INDArray y = Nd4j.createUninitialized(z.dataType(), b, d[0].columns());
        Nd4j.gemm(z, rows(d[0], n), y, false, false, 1.0, 0.0);
        return y.addiRowVector(d[1]).reshape(b, channels, outH, outW);
    }

    /** Gradient of {@link #decode} w.r.t. its first {@code n} coordinates, from {@code dy: [B, C, outH, outW]}. */
    public INDArray decodeBackward(INDArray dy, int n) {
        int b = (int) dy.size(0);
        INDArray[] d = decoder((int) dy.size(2), (int) dy.size(3));
        INDArray dz = Nd4j.createUninitialized(dy.dataType(), b, n);
        Nd4j.gemm(dy.dup('c').reshape(b, -1), rows(d[0], n), dz, false, true, 1.0, 0.0);
        return dz;
    }

    private static INDArray rows(INDArray m, int n) {
        return n == m.rows() ? m : m.get(NDArrayIndex.interval(0, n), NDArrayIndex.all());
    }

    /**
     * Encoding at input size {@code H × W}: {@code z = (R(x) − μ)·Uᵀ / σ} with R the resampling to the basis
     * size; {@code R(x)·a = x·Rᵀ(a)}, so the matrix holds every whitened direction pulled back to H × W.
     */
    private synchronized INDArray[] encoder(int h, int w) {
        return encoders.computeIfAbsent(key(h, w), k -> {
            try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                INDArray a = components.castTo(DataType.DOUBLE).diviColumnVector(scale.castTo(DataType.DOUBLE).reshape(floats(), 1));
                INDArray pulled = resampleAdjoint(a, h, w);                                   // [F, C·H·W]
                INDArray bias = mean.castTo(DataType.DOUBLE).reshape(1, -1).mmul(a.transpose()).negi(); // [1, F]
                return new INDArray[]{pulled.transpose().castTo(dataType).dup('c'), bias.castTo(dataType)};
            }
        });
    }

    /** Decoding at output size {@code H × W}: {@code y = R'(μ + Σ_f z_f σ_f u_f)}, R' the resampling to H × W. */
    private synchronized INDArray[] decoder(int h, int w) {
        return decoders.computeIfAbsent(key(h, w), k -> {
            try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                INDArray s = components.castTo(DataType.DOUBLE).muliColumnVector(scale.castTo(DataType.DOUBLE).reshape(floats(), 1));
                INDArray m = resample(s, h, w);                                               // [F, C·H·W]
                INDArray bias = resample(mean.castTo(DataType.DOUBLE).reshape(1, -1), h, w);
                return new INDArray[]{m.castTo(dataType).dup('c'), bias.castTo(dataType)};
            }
        });
    }

    /** Rows of {@code [N, C·h·w]} (basis size) resampled to {@code [N, C·H·W]}: per image {@code Rh·x·Rwᵀ}. */
    private INDArray resample(INDArray x, int outH, int outW) {
        INDArray rh = Nd4j.create(ResampleAxis.auto(height, outH).dense(height));  // [H, h]
        INDArray rw = Nd4j.create(ResampleAxis.auto(width, outW).dense(width));    // [W, w]
        return separable(x, height, width, rh, rw, outH, outW);
    }

    /** Adjoint of resampling an {@code H × W} input to the basis size: rows {@code [N, C·h·w]} → {@code [N, C·H·W]}, per image {@code Rhᵀ·a·Rw}. */
    private INDArray resampleAdjoint(INDArray a, int inH, int inW) {
        INDArray rh = Nd4j.create(ResampleAxis.auto(inH, height).dense(inH));      // [h, H]
        INDArray rw = Nd4j.create(ResampleAxis.auto(inW, width).dense(inW));       // [w, W]
        return separable(a, height, width, rh.transpose().dup('c'), rw.transpose().dup('c'), inH, inW);
    }

    /** Per row and channel {@code L·X·Rᵀ} with {@code L: [H', h]}, {@code R: [W', w]}, X the {@code h × w} image. */
    private INDArray separable(INDArray x, int h, int w, INDArray left, INDArray right, int outH, int outW) {
        long n = x.rows() * channels;
        INDArray cols = x.dup('c').reshape(n * h, w).mmul(right.transpose());                      // [n·h, W']
        INDArray t = cols.reshape(n, h, outW).permute(1, 0, 2).dup('c').reshape(h, n * outW);      // [h, n·W']
        INDArray out = left.mmul(t).reshape(outH, n, outW).permute(1, 0, 2).dup('c');               // [n, H', W']
        return out.reshape(x.rows(), (long) channels * outH * outW);
    }

    private static long key(int h, int w) { return ((long) h << 32) | w; }
}
