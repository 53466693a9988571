package io.dcsldm.train.video;

import io.dcsldm.core.runtime.Rng;
import io.dcsldm.tok.TokenLayout;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class TemporalCorrelationTest {
    /** Level 0 repeats its first temporal patch (correlation 1), level 1 is independent noise (≈ 0), level 2 is negated (−1). */
    @Test
    void measuresTheCouplingOfConsecutiveTemporalPatchesPerLevel() {
        TokenLayout layout = new TokenLayout(3, 3, 2, 2, 1);
        int c = 2, group = 4, n = 400;
        INDArray z = Rng.normal(DataType.FLOAT, 9, n, layout.tokens(), c);
        for (int t = 1; t < 3; t++) {
            z.get(NDArrayIndex.all(), NDArrayIndex.interval(t * group, (t + 1) * group), NDArrayIndex.all())
                    .assign(z.get(NDArrayIndex.all(), NDArrayIndex.interval(0, group), NDArrayIndex.all()).mul(1 + t)); // scale does not matter
            int l2 = (6 + t) * group;
            z.get(NDArrayIndex.all(), NDArrayIndex.interval(l2, l2 + group), NDArrayIndex.all())
                    .assign(z.get(NDArrayIndex.all(), NDArrayIndex.interval(l2 - group, l2), NDArrayIndex.all()).neg());
        }
        TemporalCorrelation tc = new TemporalCorrelation(layout, c);
        tc.add(z.get(NDArrayIndex.interval(0, 150), NDArrayIndex.all(), NDArrayIndex.all()));
        tc.add(z.get(NDArrayIndex.interval(150, n), NDArrayIndex.all(), NDArrayIndex.all()));
        assertEquals(n, tc.count());
        Map<String, Double> r = tc.perLevel();
        assertEquals(1.0, r.get("1"), 1e-5);
        assertEquals(0.0, r.get("2"), 0.05);
        assertEquals(-1.0, r.get("3"), 1e-5);
        var bad = assertThrows(IllegalArgumentException.class, () -> tc.add(Rng.normal(DataType.FLOAT, 1, 2, 5, c)));
        assertTrue(bad.getMessage().contains("[B, 36, 2]"), bad.getMessage());
    }
}
