package io.dcsldm.train.eval;

import io.dcsldm.train.data.ImageSet;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Simple content-complexity measures, used to check that the number of latent levels a sample needs
 * tracks its content (DESIGN §2.7).
 */
public final class Complexity {
    private Complexity() {
    }

    /**
     * Mean gradient magnitude: per channel, forward differences
     * {@code gx = I[y][x+1] − I[y][x]} and {@code gy = I[y+1][x] − I[y][x]} on the {@code (H−1)×(W−1)}
     * pixels where both exist, magnitude {@code sqrt(gx² + gy²)}, averaged over those pixels and the
     * channels. Values are per pixel step, so the same content has a smaller value at a higher
     * resolution; compare images of one size, or multiply by the side length to compare across sizes.
     *
     * @param img {@code [c, h, w]} image
     * @param c channels
     * @param h height ≥ 2
     * @param w width ≥ 2
     * @return mean gradient magnitude (0 for a constant image)
     */
    public static double meanGradientMagnitude(float[] img, int c, int h, int w) {
        if (img.length != c * h * w) {
            throw new IllegalArgumentException("image length " + img.length + " does not match [" + c + "," + h + "," + w + "]");
        }
        if (h < 2 || w < 2) {
            throw new IllegalArgumentException("gradient needs an image of at least 2x2, got " + h + "x" + w);
        }
        double sum = 0;
        for (int ch = 0; ch < c; ch++) {
            int base = ch * h * w;
            for (int y = 0; y < h - 1; y++) {
                for (int x = 0; x < w - 1; x++) {
                    int p = base + y * w + x;
                    double gx = (double) img[p + 1] - img[p];
                    double gy = (double) img[p + w] - img[p];
                    sum += Math.sqrt(gx * gx + gy * gy);
                }
            }
        }
        return sum / ((double) c * (h - 1) * (w - 1));
    }

    /**
     * @param set images
     * @param i index
     * @return {@link #meanGradientMagnitude(float[], int, int, int)} of image {@code i}
     */
    public static double meanGradientMagnitude(ImageSet set, int i) {
        return meanGradientMagnitude(set.image(i), set.channels(), set.height(), set.width());
    }

    /**
     * @param x images {@code [N, C, H, W]}
     * @return mean gradient magnitude of each image
     */
    public static double[] meanGradientMagnitude(INDArray x) {
        long[] s = x.shape();
        if (s.length != 4) {
            throw new IllegalArgumentException("expected [N, C, H, W], got rank " + s.length);
        }
        float[][] imgs = ImageSet.toArrays(x);
        double[] out = new double[imgs.length];
        for (int i = 0; i < imgs.length; i++) {
            out[i] = meanGradientMagnitude(imgs[i], (int) s[1], (int) s[2], (int) s[3]);
        }
        return out;
    }
}
