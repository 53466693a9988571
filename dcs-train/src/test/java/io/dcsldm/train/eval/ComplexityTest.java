package io.dcsldm.train.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.data.Resample;
import io.dcsldm.train.data.TestData;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ComplexityTest {
    @Test
    void handComputedValues() {
        float[] flat = new float[3 * 5 * 5];
        Arrays.fill(flat, 0.7f);
        assertEquals(0.0, Complexity.meanGradientMagnitude(flat, 3, 5, 5), 0);
        // ramp I = 0.1 x + 0.2 y: gx = 0.1, gy = 0.2 everywhere -> sqrt(0.05)
        float[] ramp = new float[4 * 6];
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 6; x++) {
                ramp[y * 6 + x] = 0.1f * x + 0.2f * y;
            }
        }
        assertEquals(Math.sqrt(0.05), Complexity.meanGradientMagnitude(ramp, 1, 4, 6), 1e-6);
        // checkerboard: |gx| = |gy| = 1 -> sqrt(2)
        float[] checker = new float[16];
        for (int i = 0; i < 16; i++) {
            checker[i] = (i / 4 + i % 4) % 2;
        }
        assertEquals(Math.sqrt(2), Complexity.meanGradientMagnitude(checker, 1, 4, 4), 1e-12);
    }

    @Test
    void fashionMnistImage() {
        ImageSet t = TestData.fashion("test", 3);
        // NumPy reference (forward differences on the 27x27 grid) for the first test image
        assertEquals(0.09007587931671396, Complexity.meanGradientMagnitude(t, 0), 1e-9);
        double[] batch = Complexity.meanGradientMagnitude(t.toINDArray());
        assertArrayEquals(new double[] {Complexity.meanGradientMagnitude(t, 0), Complexity.meanGradientMagnitude(t, 1),
            Complexity.meanGradientMagnitude(t, 2)}, batch, 1e-12);
        // blurring (down then up) lowers the measure
        float[] blurred = Resample.resize(Resample.areaDownsample(t.image(0), 1, 28, 28, 4), 1, 7, 7, 28, 28);
        assertTrue(Complexity.meanGradientMagnitude(blurred, 1, 28, 28) < batch[0]);
    }
}
