package io.dcsldm.train.eval;

import io.dcsldm.train.data.ImageSet;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Structural similarity (Wang, Bovik, Sheikh, Simoncelli 2004), the standard Gaussian form.
 *
 * <h2>Convention</h2>
 * <ul>
 *   <li>Window: 11×11 Gaussian, σ = 1.5, the separable product of the 1-D weights
 *       {@code exp(-x²/(2σ²))}, {@code x = -5..5}, normalised to sum 1 (what SciPy's
 *       {@code gaussian_filter(sigma=1.5, truncate=3.5)} uses).</li>
 *   <li>Constants: data range L = 1, K1 = 0.01, K2 = 0.03, {@code C1 = (K1 L)²}, {@code C2 = (K2 L)²}.</li>
 *   <li>Local statistics are weighted means: μ, σ² = E[x²] − μ², σ_xy = E[xy] − μ_x μ_y (population,
 *       no N/(N−1) correction).</li>
 *   <li>{@code SSIM = (2 μx μy + C1)(2 σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2))} at every
 *       <b>valid</b> window position (the window lies fully inside the image: no padding), averaged over
 *       the {@code (H−10)×(W−10)} positions; multi-channel images average the per-channel means.</li>
 *   <li>This equals scikit-image {@code structural_similarity(x, y, data_range=1, gaussian_weights=True,
 *       sigma=1.5, use_sample_covariance=False)} (which filters with reflection padding and then
 *       discards the 5-pixel border, i.e. keeps exactly the valid windows).</li>
 * </ul>
 *
 * <h2>Small images</h2>
 * If {@code min(H, W) < 11} the window is shrunk to the largest odd size {@code s ≤ min(H, W)} (the
 * central {@code s} taps of the same σ = 1.5 Gaussian, renormalised); so a 14×14 image uses the
 * standard 11×11 window (16 positions), a 7×7 image a 7×7 window (1 position) and a 1×1 image compares
 * single pixels. scikit-image raises an error instead; values from shrunken windows are not comparable
 * with standard SSIM numbers. Use {@link #windowSize(int, int)} to see which size applies.
 */
public final class Ssim {
    /** Standard window size. */
    public static final int WINDOW = 11;
    /** Gaussian σ of the window. */
    public static final double SIGMA = 1.5;
    /** Luminance stabiliser constant. */
    public static final double K1 = 0.01;
    /** Contrast stabiliser constant. */
    public static final double K2 = 0.03;
    /** Data range. */
    public static final double L = 1.0;

    private Ssim() {
    }

    /**
     * @param h image height
     * @param w image width
     * @return the window size used: 11, or the largest odd size ≤ min(h, w) for smaller images
     */
    public static int windowSize(int h, int w) {
        int m = Math.min(WINDOW, Math.min(h, w));
        if (m < 1) {
            throw new IllegalArgumentException("empty image " + h + "x" + w);
        }
        return m % 2 == 1 ? m : m - 1;
    }

    /**
     * @param size odd window size ≤ 11
     * @return the central {@code size} taps of the σ = 1.5 Gaussian, normalised to sum 1
     */
    public static double[] window1d(int size) {
        if (size < 1 || size % 2 == 0) {
            throw new IllegalArgumentException("window size must be odd and positive, got " + size);
        }
        double[] g = new double[size];
        int r = size / 2;
        double sum = 0;
        for (int i = 0; i < size; i++) {
            double x = i - r;
            g[i] = Math.exp(-x * x / (2 * SIGMA * SIGMA));
            sum += g[i];
        }
        for (int i = 0; i < size; i++) {
            g[i] /= sum;
        }
        return g;
    }

    /**
     * SSIM of two images.
     *
     * @param a {@code [c, h, w]} image, data range 1
     * @param b image of the same shape
     * @param c channels
     * @param h height
     * @param w width
     * @return mean SSIM (mean over channels of the mean over valid windows)
     */
    public static double ssim(float[] a, float[] b, int c, int h, int w) {
        if (a.length != c * h * w || b.length != c * h * w) {
            throw new IllegalArgumentException("images of length " + a.length + " and " + b.length + " do not match shape ["
                    + c + "," + h + "," + w + "]");
        }
        int s = windowSize(h, w);
        double[] g = window1d(s);
        int oh = h - s + 1;
        int ow = w - s + 1;
        double c1 = (K1 * L) * (K1 * L);
        double c2 = (K2 * L) * (K2 * L);
        // five maps filtered along x: [h][ow]
        double[][] tx = new double[5][h * ow];
        double total = 0;
        for (int ch = 0; ch < c; ch++) {
            int base = ch * h * w;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < ow; x++) {
                    double mx = 0;
                    double my = 0;
                    double xx = 0;
                    double yy = 0;
                    double xy = 0;
                    int p = base + y * w + x;
                    for (int k = 0; k < s; k++) {
                        double wk = g[k];
                        double va = a[p + k];
                        double vb = b[p + k];
                        mx += wk * va;
                        my += wk * vb;
                        xx += wk * va * va;
                        yy += wk * vb * vb;
                        xy += wk * va * vb;
                    }
                    int q = y * ow + x;
                    tx[0][q] = mx;
                    tx[1][q] = my;
                    tx[2][q] = xx;
                    tx[3][q] = yy;
                    tx[4][q] = xy;
                }
            }
            double sum = 0;
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++) {
                    double mx = 0;
                    double my = 0;
                    double xx = 0;
                    double yy = 0;
                    double xy = 0;
                    for (int k = 0; k < s; k++) {
                        double wk = g[k];
                        int q = (y + k) * ow + x;
                        mx += wk * tx[0][q];
                        my += wk * tx[1][q];
                        xx += wk * tx[2][q];
                        yy += wk * tx[3][q];
                        xy += wk * tx[4][q];
                    }
                    double vx = xx - mx * mx;
                    double vy = yy - my * my;
                    double cxy = xy - mx * my;
                    sum += ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
                }
            }
            total += sum / ((double) oh * ow);
        }
        return total / c;
    }

    /**
     * @param a images {@code [N, C, H, W]}
     * @param b images of the same shape
     * @return SSIM of each image pair
     */
    public static double[] perImage(INDArray a, INDArray b) {
        Psnr.checkSame(a, b);
        long[] sh = a.shape();
        float[][] xa = ImageSet.toArrays(a);
        float[][] xb = ImageSet.toArrays(b);
        double[] out = new double[xa.length];
        for (int i = 0; i < xa.length; i++) {
            out[i] = ssim(xa[i], xb[i], (int) sh[1], (int) sh[2], (int) sh[3]);
        }
        return out;
    }

    /**
     * @param a images {@code [N, C, H, W]}
     * @param b images of the same shape
     * @return mean of the per-image SSIMs
     */
    public static double mean(INDArray a, INDArray b) {
        return Psnr.mean(perImage(a, b));
    }
}
