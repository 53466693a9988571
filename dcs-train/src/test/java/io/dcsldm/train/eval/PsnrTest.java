package io.dcsldm.train.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dcsldm.train.data.ImageSet;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class PsnrTest {
    @Test
    void knownValuesAndCap() {
        float[] a = new float[16];
        float[] b = new float[16];
        Arrays.fill(b, 0.1f);
        assertEquals(0.01, Psnr.mse(a, b), 1e-9);
        assertEquals(20.0, Psnr.psnr(a, b), 1e-6);
        Arrays.fill(b, 1f);
        assertEquals(0.0, Psnr.psnr(a, b), 0);
        assertEquals(Psnr.MAX_DB, Psnr.psnr(a, a), 0);
        assertEquals(Psnr.MAX_DB, Psnr.fromMse(1e-12), 0);
        assertEquals(40.0, Psnr.fromMse(1e-4), 1e-12);
        b[3] = Float.NaN;
        assertTrue(Double.isNaN(Psnr.psnr(a, b)));
        assertThrows(IllegalArgumentException.class, () -> Psnr.psnr(new float[2], new float[3]));
    }

    @Test
    void perImageAndMeanOnBatches() {
        float[][] x = new float[2][12];
        float[][] y = new float[2][12];
        Arrays.fill(y[0], 0.1f); // 20 dB
        Arrays.fill(y[1], 0.01f); // 40 dB
        INDArray a = ImageSet.toINDArray(x, 3, 2, 2);
        INDArray b = ImageSet.toINDArray(y, 3, 2, 2);
        assertArrayEquals(new double[] {20, 40}, Psnr.perImage(a, b), 1e-5);
        assertEquals(30, Psnr.mean(a, b), 1e-5); // mean of per-image dB, not dB of mean MSE
        assertThrows(IllegalArgumentException.class, () -> Psnr.mean(a, ImageSet.toINDArray(y, 1, 3, 4)));
    }
}
