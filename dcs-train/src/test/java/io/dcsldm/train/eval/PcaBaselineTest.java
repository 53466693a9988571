package io.dcsldm.train.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.data.TestData;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PcaBaselineTest {
    private static final int[] KS = {16, 64, 128, 256};

    @Test
    void exactOnLowRankData() {
        // points on a 2-D affine subspace of R^6: 2 components reconstruct exactly
        Random r = new Random(3);
        float[][] x = new float[50][6];
        for (float[] row : x) {
            double a = r.nextGaussian();
            double b = r.nextGaussian();
            for (int j = 0; j < 6; j++) {
                row[j] = (float) (0.5 + 0.1 * a * (j + 1) + 0.05 * b * (j % 3 - 1));
            }
        }
        PcaBaseline p = PcaBaseline.fit(x);
        assertEquals(1.0, p.explainedVarianceRatio(2), 1e-9);
        assertTrue(p.explainedVarianceRatio(1) < 1);
        float[][] rec = p.reconstruct(x, 2, false);
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < 6; j++) {
                assertEquals(x[i][j], rec[i][j], 1e-5);
            }
        }
        double[] c0 = p.component(0);
        double norm = 0;
        for (double v : c0) {
            norm += v * v;
        }
        assertEquals(1.0, norm, 1e-9);
    }

    @Test
    void fashionMnistSanityFitOnTestImages() {
        // The reference numbers of the brief (~17.6/20.9/23.3/26.9 dB, "fitted on 2000 test images") and an
        // independent NumPy computation (np.linalg.eigh of the same covariance) on exactly these images —
        // the first 2000 test images, in-sample — which gave 17.502759/20.847218/23.327592/27.223518.
        ImageSet test = TestData.fashion("test", 2000);
        long t0 = System.nanoTime();
        PcaBaseline p = PcaBaseline.fit(test);
        double[] psnr = p.meanPsnr(test, KS);
        System.out.printf("PCA fit on %d test images (%s): k=%s -> %s dB (%.2f s)%n", test.size(), test.source(),
                Arrays.toString(KS), Arrays.toString(psnr), (System.nanoTime() - t0) / 1e9);
        double[] numpy = {17.502759, 20.847218, 23.327592, 27.223518};
        double[] brief = {17.6, 20.9, 23.3, 26.9};
        for (int i = 0; i < KS.length; i++) {
            assertEquals(numpy[i], psnr[i], 2e-4, "k=" + KS[i]);
            assertEquals(brief[i], psnr[i], 0.4, "k=" + KS[i]);
        }
    }

    @Test
    void fashionMnistFitOnTrainingSplit() {
        // Fit on the first 4000 training images (= the shipped subset, so this number does not depend on
        // whether the full dataset is installed), evaluate on the first 2000 test images.
        // NumPy reference on the same images: 17.416685/20.581590/22.795686/26.049372.
        ImageSet train = TestData.fashion("train", 4000);
        ImageSet test = TestData.fashion("test", 2000);
        PcaBaseline p = PcaBaseline.fit(train);
        double[] psnr = p.meanPsnr(test, KS);
        double[] clamped = p.meanPsnr(test, true, KS);
        System.out.printf("PCA fit on %d train images, eval on %d test: k=%s -> %s dB (clamped to [0,1]: %s)%n", train.size(),
                test.size(), Arrays.toString(KS), Arrays.toString(psnr), Arrays.toString(clamped));
        double[] numpy = {17.416685, 20.581590, 22.795686, 26.049372};
        for (int i = 0; i < KS.length; i++) {
            assertEquals(numpy[i], psnr[i], 2e-4, "k=" + KS[i]);
            assertTrue(clamped[i] >= psnr[i]);
            if (i > 0) {
                assertTrue(psnr[i] > psnr[i - 1]);
            }
        }
        // k = 0 is the mean image; k = d reconstructs (numerically) exactly
        double[] ends = p.meanPsnr(test.head(20), 0, p.dimension());
        assertTrue(ends[0] < psnr[0]);
        assertTrue(ends[1] > 60, "full reconstruction " + ends[1]);
    }

    @Test
    void reportCommandRuns() {
        String r = PcaReport.run("fashion-mnist:train", 300, "fashion-mnist:test", 100, 8, 32);
        System.out.println(r);
        org.junit.jupiter.api.Assertions.assertTrue(r.contains("PCA fitted on 300 images (d=784), evaluated on 100 images"), r);
        org.junit.jupiter.api.Assertions.assertTrue(r.contains("k=  32  mean PSNR"), r);
    }
}
