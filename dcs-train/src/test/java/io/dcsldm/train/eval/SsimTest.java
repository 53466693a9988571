package io.dcsldm.train.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.data.TestData;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SsimTest {
    private static final double C1 = 1e-4;
    private static final double C2 = 9e-4;

    /**
     * Independent double-precision brute force: for every valid window position, explicit 2-D weights
     * w(i,j) = g(i) g(j) with g the normalised σ=1.5 Gaussian of the given size, weighted moments, SSIM,
     * mean over positions and channels.
     */
    static double bruteForce(float[] a, float[] b, int c, int h, int w, int size) {
        double[] g = new double[size];
        double s = 0;
        for (int i = 0; i < size; i++) {
            g[i] = Math.exp(-Math.pow(i - size / 2, 2) / (2 * 1.5 * 1.5));
            s += g[i];
        }
        double total = 0;
        for (int ch = 0; ch < c; ch++) {
            double sum = 0;
            int count = 0;
            for (int y0 = 0; y0 + size <= h; y0++) {
                for (int x0 = 0; x0 + size <= w; x0++) {
                    double mx = 0;
                    double my = 0;
                    for (int i = 0; i < size; i++) {
                        for (int j = 0; j < size; j++) {
                            double wt = g[i] * g[j] / (s * s);
                            int p = ch * h * w + (y0 + i) * w + x0 + j;
                            mx += wt * a[p];
                            my += wt * b[p];
                        }
                    }
                    double vx = 0;
                    double vy = 0;
                    double cxy = 0;
                    for (int i = 0; i < size; i++) {
                        for (int j = 0; j < size; j++) {
                            double wt = g[i] * g[j] / (s * s);
                            int p = ch * h * w + (y0 + i) * w + x0 + j;
                            vx += wt * (a[p] - mx) * (a[p] - mx);
                            vy += wt * (b[p] - my) * (b[p] - my);
                            cxy += wt * (a[p] - mx) * (b[p] - my);
                        }
                    }
                    sum += (2 * mx * my + C1) * (2 * cxy + C2) / ((mx * mx + my * my + C1) * (vx + vy + C2));
                    count++;
                }
            }
            total += sum / count;
        }
        return total / c;
    }

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextFloat();
        }
        return a;
    }

    @Test
    void identicalImagesGiveOne() {
        float[] a = random(3 * 20 * 17, 1);
        assertEquals(1.0, Ssim.ssim(a, a, 3, 20, 17), 1e-12);
        float[] flat = new float[16 * 16];
        Arrays.fill(flat, 0.4f);
        assertEquals(1.0, Ssim.ssim(flat, flat, 1, 16, 16), 1e-12);
    }

    @Test
    void constantShiftOfAConstantImage() {
        // x = 0.5, y = 0.6 everywhere: σ = 0 so the contrast-structure term is C2/C2 = 1 and
        // SSIM = (2·0.5·0.6 + C1) / (0.25 + 0.36 + C1) = 0.6001 / 0.6101
        float[] x = new float[16 * 16];
        float[] y = new float[16 * 16];
        Arrays.fill(x, 0.5f);
        Arrays.fill(y, 0.6f);
        double expect = (2 * (double) 0.5f * 0.6f + C1) / ((double) 0.5f * 0.5f + (double) 0.6f * 0.6f + C1);
        assertEquals(0.6001 / 0.6101, expect, 1e-7);
        assertEquals(expect, Ssim.ssim(x, y, 1, 16, 16), 1e-12);
    }

    @Test
    void matchesBruteForceOnRandomImages() {
        float[] a = random(2 * 16 * 19, 2);
        float[] b = random(2 * 16 * 19, 3);
        for (int i = 0; i < b.length; i++) {
            b[i] = 0.7f * a[i] + 0.3f * b[i]; // correlated, so SSIM is well away from 0
        }
        double got = Ssim.ssim(a, b, 2, 16, 19);
        assertEquals(bruteForce(a, b, 2, 16, 19, 11), got, 1e-12);
        assertTrue(got > 0.3 && got < 1, "ssim " + got);
        // shifted copy: luminance term varies per window
        float[] c = a.clone();
        for (int i = 0; i < c.length; i++) {
            c[i] += 0.1f;
        }
        assertEquals(bruteForce(a, c, 2, 16, 19, 11), Ssim.ssim(a, c, 2, 16, 19), 1e-12);
    }

    @Test
    void smallImagesShrinkTheWindow() {
        assertEquals(11, Ssim.windowSize(14, 14));
        assertEquals(7, Ssim.windowSize(7, 7));
        assertEquals(9, Ssim.windowSize(10, 30));
        assertEquals(1, Ssim.windowSize(1, 1));
        float[] a = random(14 * 14, 4);
        float[] b = random(14 * 14, 5);
        assertEquals(bruteForce(a, b, 1, 14, 14, 11), Ssim.ssim(a, b, 1, 14, 14), 1e-12);
        float[] a7 = random(7 * 7, 6);
        float[] b7 = random(7 * 7, 7);
        assertEquals(bruteForce(a7, b7, 1, 7, 7, 7), Ssim.ssim(a7, b7, 1, 7, 7), 1e-12);
        float[] a10 = random(10 * 12, 8);
        float[] b10 = random(10 * 12, 9);
        assertEquals(bruteForce(a10, b10, 1, 10, 12, 9), Ssim.ssim(a10, b10, 1, 10, 12), 1e-12);
    }

    @Test
    void matchesScikitImageConventionOnFashionMnist() {
        // Reference: SciPy reimplementation of skimage.metrics.structural_similarity(x, y, data_range=1,
        // gaussian_weights=True, sigma=1.5, use_sample_covariance=False) — gaussian_filter(sigma=1.5,
        // truncate=3.5, mode='reflect'), crop 5 px — on the first Fashion-MNIST test images as float32 i/255.
        ImageSet t = TestData.fashion("test", 4);
        assertEquals(0.022878679343, Ssim.ssim(t.image(0), t.image(1), 1, 28, 28), 1e-10);
        assertEquals(0.443222364510, Ssim.ssim(t.image(2), t.image(3), 1, 28, 28), 1e-10);
        double[] batch = Ssim.perImage(ImageSet.toINDArray(new float[][] {t.image(0), t.image(2)}, 1, 28, 28),
                ImageSet.toINDArray(new float[][] {t.image(1), t.image(3)}, 1, 28, 28));
        assertEquals(0.443222364510, batch[1], 1e-10);
    }
}
