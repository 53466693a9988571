package io.dcsldm.core.nn;

import io.dcsldm.core.mask.AttentionMask;
import io.dcsldm.core.mask.TokenGroups;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Random;

import static io.dcsldm.core.nn.TestArrays.normal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Heads} moves values without arithmetic, so its results must be exact: split gives each part's heads as
 * {@code [B, H, T, d]}, and {@link Heads#mergeStacked} undoes it. The attention backward writes dq, dk, dv straight
 * into the parts of one stacked array (views); that must give the same bits as separate arrays.
 */
class HeadsTest {
    @Test
    void splitThenMergeStackedIsTheIdentity() {
        Random rnd = new Random(3);
        int b = 3, t = 5, h = 2, d = 4;
        for (int parts = 1; parts <= 3; parts++) {
            INDArray x = normal(DataType.FLOAT, rnd, 1.0, (long) b * t, (long) parts * h * d);
            INDArray[] split = Heads.split(x, b, parts, h);
            INDArray stacked = Nd4j.create(DataType.FLOAT, parts, b, h, t, d);
            for (int i = 0; i < parts; i++) {
                // head j of part i is columns [(i·H + j)·d, (i·H + j + 1)·d) of sample s's rows
                INDArray expected = x.reshape(b, t, parts, h, d)
                        .get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all())
                        .permute(0, 2, 1, 3).dup('c');
                assertArrayEquals(new long[]{b, h, t, d}, split[i].shape());
                assertTrue(Ops.bitIdentical(expected, split[i]), "part " + i + " of " + parts);
                Heads.parts(stacked)[i].assign(split[i]);
            }
            assertTrue(Ops.bitIdentical(x, Heads.mergeStacked(stacked)), parts + " parts");
        }
    }

    @Test
    void attentionBackwardIntoStackedViewsEqualsSeparateArrays() {
        Random rnd = new Random(4);
        int b = 2, h = 2, d = 8;
        for (int layout = 0; layout < 3; layout++) { // key runs, dense, block-sparse
            RunAttention.enabled = layout == 0;
            AttentionCore.denseEnabled = layout == 1;
            try {
                AttentionMask mask = AttentionMask.levelCausal(TokenGroups.levelMajor(3, 1, 4));
                int t = mask.queries().total();
                INDArray q = normal(DataType.FLOAT, rnd, 1.0, b, h, t, d), k = normal(DataType.FLOAT, rnd, 1.0, b, h, t, d);
                INDArray v = normal(DataType.FLOAT, rnd, 1.0, b, h, t, d), dOut = normal(DataType.FLOAT, rnd, 1.0, b, h, t, d);
                INDArray o = q.ulike();
                INDArray[] probs = AttentionCore.forward(q, k, v, mask, o);
                INDArray dq = q.ulike(), dk = k.ulike(), dv = v.ulike();
                AttentionCore.backward(q, k, v, mask, probs, o, dOut, dq, dk, dv);
                INDArray stacked = Nd4j.valueArrayOf(new long[]{3, b, h, t, d}, Float.NaN, DataType.FLOAT);
                INDArray[] g = Heads.parts(stacked);
                AttentionCore.backward(q, k, v, mask, probs, o, dOut, g[0], g[1], g[2]);
                assertTrue(Ops.bitIdentical(dq, g[0]) && Ops.bitIdentical(dk, g[1]) && Ops.bitIdentical(dv, g[2]), "layout " + layout);
            } finally {
                AttentionCore.denseEnabled = true;
                RunAttention.enabled = true;
            }
        }
    }
}
