package io.dcsldm.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class ResampleTest {
    private static final float EPS = 1e-6f;

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextFloat();
        }
        return a;
    }

    @Test
    void bilinearMatchesHandComputedPixelCentreValues() {
        // 1x2 -> 1x4: source x = (i + 0.5)/2 - 0.5 = -0.25, 0.25, 0.75, 1.25 -> clamp -> 0, .25, .75, 1
        float[] out = Resample.bilinear(new float[] {0f, 1f}, 1, 1, 2, 1, 4);
        assertArrayEquals(new float[] {0f, 0.25f, 0.75f, 1f}, out, EPS);
        // 3 -> 2 (shrinking, no antialias): x = 0.25, 1.75
        float[] d = Resample.bilinear(new float[] {0f, 0.4f, 1f}, 1, 1, 3, 1, 2);
        assertArrayEquals(new float[] {0.1f, 0.85f}, d, EPS);
    }

    @Test
    void bicubicMatchesHandComputedKeysA075() {
        // Keys kernel a = -0.75: W(0.25)=0.87890625, W(0.75)=0.26171875, W(1.25)=-0.10546875, W(1.75)=-0.03515625
        // out[0]: x=-0.25, taps -2..1 clamped -> values 0,0,0,1, weight of x=1 is W(1.25)
        // out[1]: x= 0.25, taps -1..2 clamped -> 0,0,1,1: W(0.75)+W(1.75)
        float[] out = Resample.bicubic(new float[] {0f, 1f}, 1, 1, 2, 1, 4);
        assertArrayEquals(new float[] {-0.10546875f, 0.2265625f, 0.7734375f, 1.10546875f}, out, EPS);
        // resize() uses the same bicubic to enlarge but clamps to [0, 1]
        assertArrayEquals(new float[] {0f, 0.2265625f, 0.7734375f, 1f}, Resample.resize(new float[] {0f, 1f}, 1, 1, 2, 1, 4), EPS);
    }

    @Test
    void interpolatorsReproduceConstantsAndInteriorRamps() {
        int h = 6;
        int w = 8;
        float[] ramp = new float[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                ramp[y * w + x] = 0.1f * x + 0.05f * y;
            }
        }
        // 2x upsampling: output (i, j) samples source ((i+.5)/2-.5, (j+.5)/2-.5); away from the border
        // bilinear reproduces a linear function exactly
        float[] bl = Resample.bilinear(ramp, 1, h, w, 2 * h, 2 * w);
        for (int i = 1; i < 2 * h - 1; i++) {
            for (int j = 1; j < 2 * w - 1; j++) {
                double sy = (i + 0.5) / 2 - 0.5;
                double sx = (j + 0.5) / 2 - 0.5;
                assertEquals((float) (0.1 * sx + 0.05 * sy), bl[i * 2 * w + j], 1e-5f);
            }
        }
        float[] flat = new float[2 * 5 * 7];
        java.util.Arrays.fill(flat, 0.3f);
        for (float v : Resample.bicubic(flat, 2, 5, 7, 13, 3)) {
            assertEquals(0.3f, v, EPS);
        }
        for (float v : Resample.resize(flat, 2, 5, 7, 3, 11)) {
            assertEquals(0.3f, v, EPS);
        }
    }

    /** Direct (non-separable) 4x4 cubic convolution, written from the PyTorch definition. */
    private static double bruteBicubic(float[] img, int h, int w, int oh, int ow, int i, int j) {
        double sy = (i + 0.5) * h / oh - 0.5;
        double sx = (j + 0.5) * w / ow - 0.5;
        int fy = (int) Math.floor(sy);
        int fx = (int) Math.floor(sx);
        double acc = 0;
        for (int m = -1; m <= 2; m++) {
            for (int n = -1; n <= 2; n++) {
                int yy = Math.min(h - 1, Math.max(0, fy + m));
                int xx = Math.min(w - 1, Math.max(0, fx + n));
                acc += keys(sy - (fy + m)) * keys(sx - (fx + n)) * img[yy * w + xx];
            }
        }
        return acc;
    }

    private static double keys(double x) {
        double a = -0.75;
        x = Math.abs(x);
        if (x <= 1) {
            return (a + 2) * x * x * x - (a + 3) * x * x + 1;
        }
        return x < 2 ? a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a : 0;
    }

    @Test
    void bicubicEqualsDirect2dCubicConvolution() {
        int h = 5;
        int w = 7;
        float[] r = random(h * w, 9);
        for (int[] o : new int[][] {{10, 14}, {13, 9}, {3, 4}}) {
            float[] out = Resample.bicubic(r, 1, h, w, o[0], o[1]);
            for (int i = 0; i < o[0]; i++) {
                for (int j = 0; j < o[1]; j++) {
                    assertEquals(bruteBicubic(r, h, w, o[0], o[1], i, j), out[i * o[1] + j], 1e-6);
                }
            }
        }
    }

    @Test
    void areaDownsampleAveragesBlocksAndKeepsTheMean() {
        float[] img = {
            0, 1, 2, 3,
            4, 5, 6, 7,
            8, 9, 10, 11,
            12, 13, 14, 15};
        float[] out = Resample.areaDownsample(img, 1, 4, 4, 2);
        assertArrayEquals(new float[] {2.5f, 4.5f, 10.5f, 12.5f}, out, EPS);
        assertArrayEquals(new float[] {7.5f}, Resample.areaDownsample(img, 1, 4, 4, 4), EPS);

        float[] r = random(3 * 28 * 28, 1);
        float[] d = Resample.areaDownsample(r, 3, 28, 28, 2);
        assertEquals(mean(r), mean(d), 1e-6);
        // an integer-factor general area resize is the same box filter
        assertArrayEquals(d, Resample.area(r, 3, 28, 28, 14, 14), 1e-6f);
        // and resize() picks area when shrinking
        assertArrayEquals(d, Resample.resize(r, 3, 28, 28, 14, 14), 1e-6f);
        assertThrows(IllegalArgumentException.class, () -> Resample.areaDownsample(r, 3, 28, 28, 3));
    }

    @Test
    void fractionalAreaWeightsCoveredFractions() {
        // 3 -> 2: output 0 covers [0, 1.5): (1*a + 0.5*b)/1.5 ; output 1 covers [1.5, 3): (0.5*b + 1*c)/1.5
        float[] out = Resample.area(new float[] {0.3f, 0.6f, 0.9f}, 1, 1, 3, 1, 2);
        assertArrayEquals(new float[] {(0.3f + 0.3f) / 1.5f, (0.3f + 0.9f) / 1.5f}, out, EPS);
        // antialiasing: a 1-pixel checkerboard shrunk 2x by area is flat grey, bilinear would alias it
        float[] checker = new float[8 * 8];
        for (int i = 0; i < 64; i++) {
            checker[i] = ((i / 8 + i % 8) % 2 == 0) ? 1f : 0f;
        }
        for (float v : Resample.areaDownsample(checker, 1, 8, 8, 2)) {
            assertEquals(0.5f, v, EPS);
        }
        // 28 -> 20 keeps the mean too
        float[] r = random(28 * 28, 2);
        assertEquals(mean(r), mean(Resample.area(r, 1, 28, 28, 20, 20)), 1e-6);
    }

    @Test
    void resizeMixesAxesAndClamps() {
        float[] r = random(2 * 10 * 6, 3);
        float[] out = Resample.resize(r, 2, 10, 6, 5, 12); // shrink rows, enlarge columns
        assertEquals(2 * 5 * 12, out.length);
        for (float v : out) {
            assertTrue(v >= 0f && v <= 1f);
        }
        float[] expect = Resample.bicubic(Resample.area(r, 2, 10, 6, 5, 6), 2, 5, 6, 5, 12);
        for (int i = 0; i < out.length; i++) {
            assertEquals(Math.min(1f, Math.max(0f, expect[i])), out[i], 1e-5f);
        }
        assertArrayEquals(r, Resample.resize(r, 2, 10, 6, 10, 6), 0f);
    }

    @Test
    void padsZeroAndEdge28To32() {
        float[] r = random(28 * 28, 4);
        float[] z = Resample.padTo(r, 1, 28, 28, 32, 32, Resample.PadMode.ZERO);
        assertEquals(32 * 32, z.length);
        assertEquals(0f, z[0]);
        assertEquals(0f, z[32 * 2 + 1]);
        assertEquals(r[0], z[32 * 2 + 2]);
        assertEquals(r[28 * 28 - 1], z[32 * 29 + 29]);
        assertEquals(0f, z[32 * 30 + 30]);
        assertArrayEquals(r, Resample.centerCrop(z, 1, 32, 32, 28, 28), 0f);

        float[] small = {1, 2, 3, 4}; // 2x2
        float[] e = Resample.pad(small, 1, 2, 2, 1, 0, 0, 2, Resample.PadMode.EDGE);
        assertArrayEquals(new float[] {1, 2, 2, 2, 1, 2, 2, 2, 3, 4, 4, 4}, e, 0f);
        float[] odd = Resample.padTo(small, 1, 2, 2, 3, 3, Resample.PadMode.ZERO); // extra goes bottom/right
        assertArrayEquals(new float[] {1, 2, 0, 3, 4, 0, 0, 0, 0}, odd, 0f);
        assertThrows(IllegalArgumentException.class, () -> Resample.padTo(small, 1, 2, 2, 1, 3, Resample.PadMode.ZERO));
    }

    @Test
    void batchVersionsMatchPerImage() {
        float[][] imgs = {random(3 * 8 * 8, 5), random(3 * 8 * 8, 6)};
        INDArray x = ImageSet.toINDArray(imgs, 3, 8, 8);
        INDArray up = Resample.bicubic(x, 12, 16);
        assertArrayEquals(new long[] {2, 3, 12, 16}, up.shape());
        assertArrayEquals(Resample.bicubic(imgs[1], 3, 8, 8, 12, 16), ImageSet.toArrays(up)[1], 0f);
        assertArrayEquals(Resample.areaDownsample(imgs[0], 3, 8, 8, 4), ImageSet.toArrays(Resample.areaDownsample(x, 4))[0], 0f);
        assertArrayEquals(Resample.bilinear(imgs[0], 3, 8, 8, 3, 5), ImageSet.toArrays(Resample.bilinear(x, 3, 5))[0], 0f);
        assertArrayEquals(Resample.resize(imgs[1], 3, 8, 8, 5, 20), ImageSet.toArrays(Resample.resize(x, 5, 20))[1], 0f);
        INDArray p = Resample.padTo(x, 10, 10, Resample.PadMode.EDGE);
        assertArrayEquals(new long[] {2, 3, 10, 10}, p.shape());
        assertArrayEquals(imgs[1], ImageSet.toArrays(Resample.centerCrop(p, 8, 8))[1], 0f);
        ImageSet s = new ImageSet(imgs, new int[] {1, 2}, 3, 8, 8, "r");
        ImageSet s2 = Resample.resize(s, 4, 4);
        assertEquals(4, s2.height());
        assertEquals(2, s2.label(1));
    }

    private static double mean(float[] a) {
        double s = 0;
        for (float v : a) {
            s += v;
        }
        return s / a.length;
    }
}
