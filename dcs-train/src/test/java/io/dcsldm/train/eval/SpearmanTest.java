package io.dcsldm.train.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SpearmanTest {
    @Test
    void monotoneAndTies() {
        double[] x = {1, 2, 3, 4, 5};
        assertEquals(1.0, Spearman.correlation(x, new double[] {1, 8, 27, 64, 125}), 1e-12);
        assertEquals(-1.0, Spearman.correlation(x, new double[] {5, 4, 0, -10, -11}), 1e-12);
        // with ties (average ranks); reference scipy.stats.spearmanr
        assertEquals(0.790909090909091, Spearman.correlation(new double[] {1, 2, 2, 3, 5, 4, 7},
                new double[] {2, 1, 4, 4, 6, 3, 9}), 1e-12);
        assertTrue(Double.isNaN(Spearman.correlation(x, new double[] {3, 3, 3, 3, 3})));
        assertThrows(IllegalArgumentException.class, () -> Spearman.correlation(x, new double[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> Spearman.correlation(new double[] {1}, new double[] {1}));
    }
}
