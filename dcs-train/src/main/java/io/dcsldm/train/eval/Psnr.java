package io.dcsldm.train.eval;

import io.dcsldm.train.data.ImageSet;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Peak signal-to-noise ratio with data range 1: {@code PSNR = 10 log10(1 / MSE)} dB, MSE over all
 * pixels and channels of one image, accumulated in double.
 *
 * <p>Identical images (MSE = 0) would give +∞; the value is capped at {@link #MAX_DB} = 100 dB
 * (reached for MSE ≤ 1e-10), so means over sets stay finite. A NaN in either image gives NaN.
 * Means over a set are means of per-image PSNRs (not the PSNR of the mean MSE).
 */
public final class Psnr {
    /** Cap for (near-)identical images, dB. */
    public static final double MAX_DB = 100.0;

    private Psnr() {
    }

    /**
     * @param a image
     * @param b image of the same length
     * @return mean squared difference
     */
    public static double mse(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("images differ in length: " + a.length + " vs " + b.length);
        }
        if (a.length == 0) {
            throw new IllegalArgumentException("empty image");
        }
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            s += d * d;
        }
        return s / a.length;
    }

    /**
     * @param mse mean squared error for data range 1
     * @return {@code min(MAX_DB, 10 log10(1 / mse))}
     */
    public static double fromMse(double mse) {
        if (Double.isNaN(mse)) {
            return Double.NaN;
        }
        if (mse < 0) {
            throw new IllegalArgumentException("negative MSE " + mse);
        }
        return mse == 0 ? MAX_DB : Math.min(MAX_DB, -10.0 * Math.log10(mse));
    }

    /**
     * @param a image in [0, 1]
     * @param b image of the same shape
     * @return PSNR in dB (data range 1, capped at {@link #MAX_DB})
     */
    public static double psnr(float[] a, float[] b) {
        return fromMse(mse(a, b));
    }

    /**
     * @param a images {@code [N, C, H, W]}
     * @param b images of the same shape
     * @return PSNR of each image pair
     */
    public static double[] perImage(INDArray a, INDArray b) {
        return perImage(ImageSet.toArrays(a), ImageSet.toArrays(checkSame(a, b)));
    }

    /**
     * @param a images
     * @param b images, same count and shape
     * @return PSNR of each image pair
     */
    public static double[] perImage(float[][] a, float[][] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("image counts differ: " + a.length + " vs " + b.length);
        }
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = psnr(a[i], b[i]);
        }
        return out;
    }

    /**
     * @param a images {@code [N, C, H, W]}
     * @param b images of the same shape
     * @return mean of the per-image PSNRs
     */
    public static double mean(INDArray a, INDArray b) {
        return mean(perImage(a, b));
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    static INDArray checkSame(INDArray a, INDArray b) {
        if (!java.util.Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException("shapes differ: " + java.util.Arrays.toString(a.shape()) + " vs "
                    + java.util.Arrays.toString(b.shape()));
        }
        return b;
    }
}
