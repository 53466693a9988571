package io.dcsldm.train.eval;

import io.dcsldm.train.data.ImageSet;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Principal component analysis as a reconstruction baseline: how well do the top {@code k} linear
 * components of the training images reconstruct test images?
 *
 * <p>Fit: images are flattened to {@code d = C·H·W} values; the mean is subtracted; the covariance
 * {@code XcᵀXc / N} ({@code d×d}, double precision, one ND4J GEMM) is decomposed with
 * {@link SymmetricEigen} (LAPACK). For Fashion-MNIST ({@code d = 784}) this takes well under a second
 * for a few thousand images and is independent of {@code N} apart from the GEMM.
 *
 * <p>Reconstruction with {@code k} components: {@code x̂ = μ + V_k V_kᵀ (x − μ)}. One fit serves every
 * {@code k ≤ d}; {@link #meanPsnr(ImageSet, int...)} projects once onto the largest requested
 * {@code k} and reuses the coefficients. Reconstructions are <b>not</b> clamped to [0, 1] unless
 * asked (the plain linear baseline; clamping can only raise PSNR).
 */
public final class PcaBaseline {
    private final int dim;
    private final int samples;
    private final double[] mean;
    private final double[] eigenvalues;
    /** {@code [d, d]} double, column j = component j (descending variance). */
    private final INDArray components;

    private PcaBaseline(int dim, int samples, double[] mean, double[] eigenvalues, INDArray components) {
        this.dim = dim;
        this.samples = samples;
        this.mean = mean;
        this.eigenvalues = eigenvalues;
        this.components = components;
    }

    /**
     * Fits on every image of a set.
     *
     * @param train training images
     * @return the fitted PCA
     */
    public static PcaBaseline fit(ImageSet train) {
        float[][] x = new float[train.size()][];
        for (int i = 0; i < x.length; i++) {
            x[i] = train.image(i);
        }
        return fit(x);
    }

    /**
     * Fits on flattened images.
     *
     * @param x {@code N ≥ 2} vectors of equal length {@code d}
     * @return the fitted PCA
     */
    public static PcaBaseline fit(float[][] x) {
        int n = x.length;
        if (n < 2) {
            throw new IllegalArgumentException("PCA needs at least 2 samples, got " + n);
        }
        int d = x[0].length;
        double[] mean = new double[d];
        for (float[] row : x) {
            if (row.length != d) {
                throw new IllegalArgumentException("samples differ in length: " + row.length + " vs " + d);
            }
            for (int j = 0; j < d; j++) {
                mean[j] += row[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= n;
        }
        double[] flat = new double[Math.multiplyExact(n, d)];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                flat[i * d + j] = x[i][j] - mean[j];
            }
        }
        INDArray xc = Nd4j.create(flat, new long[] {n, d}, DataType.DOUBLE);
        INDArray cov = xc.transpose().mmul(xc).divi(n);
        SymmetricEigen eig = SymmetricEigen.of(cov.toDoubleMatrix());
        double[][] v = eig.vectors();
        double[] cols = new double[d * d];
        for (int k = 0; k < d; k++) {
            for (int i = 0; i < d; i++) {
                cols[i * d + k] = v[k][i];
            }
        }
        double[] ev = eig.values().clone();
        for (int k = 0; k < d; k++) {
            ev[k] = Math.max(0, ev[k]); // a covariance is PSD; clear rounding noise below zero
        }
        return new PcaBaseline(d, n, mean, ev, Nd4j.create(cols, new long[] {d, d}, DataType.DOUBLE));
    }

    /**
     * @return input dimension d
     */
    public int dimension() {
        return dim;
    }

    /**
     * @return number of images fitted on
     */
    public int samples() {
        return samples;
    }

    /**
     * @return the mean image (copy)
     */
    public double[] mean() {
        return mean.clone();
    }

    /**
     * @return variances along the components, descending (copy)
     */
    public double[] eigenvalues() {
        return eigenvalues.clone();
    }

    /**
     * @param j component index (0 = largest variance)
     * @return unit vector of component j
     */
    public double[] component(int j) {
        return components.getColumn(j).toDoubleVector();
    }

    /**
     * @param k number of components
     * @return fraction of the total variance captured by the top {@code k} components
     */
    public double explainedVarianceRatio(int k) {
        checkK(k);
        double top = 0;
        double all = 0;
        for (int j = 0; j < dim; j++) {
            all += eigenvalues[j];
            if (j < k) {
                top += eigenvalues[j];
            }
        }
        return all == 0 ? 1 : top / all;
    }

    /**
     * Reconstructs images from their top-{@code k} coefficients.
     *
     * @param x flattened images
     * @param k number of components, 0..d
     * @param clamp whether to clamp the reconstruction to [0, 1]
     * @return reconstructions
     */
    public float[][] reconstruct(float[][] x, int k, boolean clamp) {
        checkK(k);
        INDArray xc = centred(x);
        INDArray recon = k == 0 ? Nd4j.zeros(DataType.DOUBLE, x.length, dim) : project(xc, k).mmul(vk(k).transpose());
        return toImages(recon, clamp);
    }

    /**
     * Mean PSNR (data range 1, {@link Psnr}) of the test images reconstructed with each requested
     * {@code k}, unclamped.
     *
     * @param test test images (same {@code C·H·W} as the training images)
     * @param ks component counts
     * @return mean PSNR per entry of {@code ks}
     */
    public double[] meanPsnr(ImageSet test, int... ks) {
        return meanPsnr(test, false, ks);
    }

    /**
     * Mean PSNR of the test images reconstructed with each requested {@code k}.
     *
     * @param test test images
     * @param clamp whether reconstructions are clamped to [0, 1] before measuring
     * @param ks component counts
     * @return mean PSNR per entry of {@code ks}
     */
    public double[] meanPsnr(ImageSet test, boolean clamp, int... ks) {
        double[][] per = psnrPerImage(images(test), clamp, ks);
        double[] out = new double[ks.length];
        for (int i = 0; i < ks.length; i++) {
            out[i] = Psnr.mean(per[i]);
        }
        return out;
    }

    /**
     * PSNR of every test image for each requested {@code k}; the test set is projected once onto the
     * largest {@code k}.
     *
     * @param test flattened test images
     * @param clamp whether reconstructions are clamped to [0, 1]
     * @param ks component counts
     * @return {@code [ks.length][test.length]} PSNRs in dB
     */
    public double[][] psnrPerImage(float[][] test, boolean clamp, int... ks) {
        if (ks.length == 0) {
            throw new IllegalArgumentException("no component counts given");
        }
        int kmax = 0;
        for (int k : ks) {
            checkK(k);
            kmax = Math.max(kmax, k);
        }
        INDArray xc = centred(test);
        INDArray z = kmax == 0 ? null : project(xc, kmax); // [n, kmax]
        double[][] out = new double[ks.length][];
        for (int i = 0; i < ks.length; i++) {
            int k = ks[i];
            INDArray recon = k == 0 ? Nd4j.zeros(DataType.DOUBLE, test.length, dim)
                    : z.get(NDArrayIndex.all(), NDArrayIndex.interval(0, k)).mmul(vk(k).transpose());
            float[][] imgs = toImages(recon, clamp);
            out[i] = Psnr.perImage(test, imgs);
        }
        return out;
    }

    private INDArray vk(int k) {
        return components.get(NDArrayIndex.all(), NDArrayIndex.interval(0, k));
    }

    private INDArray project(INDArray xc, int k) {
        return xc.mmul(vk(k));
    }

    private INDArray centred(float[][] x) {
        double[] flat = new double[Math.multiplyExact(x.length, dim)];
        for (int i = 0; i < x.length; i++) {
            if (x[i].length != dim) {
                throw new IllegalArgumentException("image " + i + " has " + x[i].length + " values, PCA was fitted on " + dim);
            }
            for (int j = 0; j < dim; j++) {
                flat[i * dim + j] = x[i][j] - mean[j];
            }
        }
        return Nd4j.create(flat, new long[] {x.length, dim}, DataType.DOUBLE);
    }

    private float[][] toImages(INDArray reconCentred, boolean clamp) {
        double[] r = reconCentred.dup('c').data().asDouble();
        int n = (int) reconCentred.size(0);
        float[][] out = new float[n][dim];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dim; j++) {
                double v = r[i * dim + j] + mean[j];
                if (clamp) {
                    v = Math.min(1, Math.max(0, v));
                }
                out[i][j] = (float) v;
            }
        }
        return out;
    }

    private void checkK(int k) {
        if (k < 0 || k > dim) {
            throw new IllegalArgumentException("k must be in 0.." + dim + ", got " + k);
        }
    }

    private static float[][] images(ImageSet s) {
        float[][] x = new float[s.size()][];
        for (int i = 0; i < x.length; i++) {
            x[i] = s.image(i);
        }
        return x;
    }

    @Override
    public String toString() {
        return "PcaBaseline[d=" + dim + ", fitted on " + samples + " samples, top eigenvalues "
                + Arrays.toString(Arrays.copyOf(eigenvalues, Math.min(3, dim))) + "]";
    }
}
