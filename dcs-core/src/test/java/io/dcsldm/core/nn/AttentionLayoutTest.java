package io.dcsldm.core.nn;

import io.dcsldm.core.mask.AttentionMask;
import io.dcsldm.core.mask.TokenGroups;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.List;
import java.util.Random;

import static io.dcsldm.core.nn.TestArrays.maxAbsDiff;
import static io.dcsldm.core.nn.TestArrays.normal;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AttentionCore}'s dense, block-sparse and key-run layouts compute the same attention: output, dq, dk, dv agree
 * to 1e-12 in double precision for image and video masks (and the backward with and without the forward output).
 */
class AttentionLayoutTest {
    @Test
    void denseEqualsBlockSparse() {
        Random rnd = new Random(5);
        int b = 2, h = 3, d = 4;
        for (TokenGroups g : List.of(TokenGroups.levelMajor(3, 1, 4), TokenGroups.levelMajor(2, 3, 3),
                new TokenGroups(new int[]{0, 1, 2}, new int[]{0, 0, 0}, new int[]{2, 3, 2}))) {
            AttentionMask mask = AttentionMask.levelCausal(g);
            int t = g.total();
            INDArray q = normal(DataType.DOUBLE, rnd, 1.0, b, h, t, d), k = normal(DataType.DOUBLE, rnd, 1.0, b, h, t, d);
            INDArray v = normal(DataType.DOUBLE, rnd, 1.0, b, h, t, d), dOut = normal(DataType.DOUBLE, rnd, 1.0, b, h, t, d);
            INDArray[][] ref = run(mask, q, k, v, dOut, false, true);
            for (boolean withOut : new boolean[]{true, false}) {
                INDArray[][] dense = run(mask, q, k, v, dOut, true, withOut);
                for (int i = 0; i < 4; i++)
                    assertTrue(maxAbsDiff(ref[0][i], dense[0][i]) < 1e-12, "tensor " + i + " of " + g.total() + " tokens, withOut " + withOut);
            }
        }
    }

    private static INDArray[][] run(AttentionMask mask, INDArray q, INDArray k, INDArray v, INDArray dOut, boolean dense, boolean withOut) {
        AttentionCore.denseEnabled = dense;
        RunAttention.enabled = false;
        try {
            if (dense) assertTrue(AttentionCore.dense(mask));
            INDArray o = q.ulike(), dq = q.ulike(), dk = k.ulike(), dv = v.ulike();
            INDArray[] probs = AttentionCore.forward(q, k, v, mask, o);
            dk.assign(Double.NaN); // previous contents must be ignored
            dv.assign(Double.NaN);
            AttentionCore.backward(q, k, v, mask, probs, withOut ? o : null, dOut, dq, dk, dv);
            return new INDArray[][]{{o, dq, dk, dv}};
        } finally {
            AttentionCore.denseEnabled = true;
            RunAttention.enabled = true;
        }
    }

    /**
     * The key-run layout (direct BLAS on strided arrays) equals the block-sparse layout — in double to 1e-12 and
     * in float to 2e-6 — on operands that are views with offsets and padded rows: q, k, v as parts of a stacked
     * array, k and v as the prefix of a larger buffer (a KV cache), dq/dk/dv as parts of a NaN-filled stacked
     * array; the hidden rows of the buffers are never read (NaN there leaves every output finite and equal).
     */
    @Test
    void keyRunsEqualBlockSparseOnViews() {
        Random rnd = new Random(11);
        int b = 2, h = 3, d = 5;
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            double tol = dt == DataType.DOUBLE ? 1e-12 : 2e-6;
            for (TokenGroups g : List.of(TokenGroups.levelMajor(3, 1, 4), TokenGroups.levelMajor(4, 1, 3),
                    new TokenGroups(new int[]{0, 1, 2}, new int[]{0, 0, 0}, new int[]{2, 3, 2}))) {
                AttentionMask mask = AttentionMask.levelCausal(g);
                int t = g.total();
                assertTrue(RunAttention.applies(mask, normal(dt, rnd, 1.0, 1, 1, 1, 1)), "level-causal image masks have one key run per group");
                INDArray stacked = normal(dt, rnd, 1.0, 3, b, h, t, d);
                INDArray q = stacked.get(NDArrayIndex.point(2), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
                INDArray cacheK = normal(dt, rnd, 1.0, b, h, t + 3, d), cacheV = normal(dt, rnd, 1.0, b, h, t + 3, d);
                AttentionCore.rows(cacheK, t, t + 3).assign(Double.NaN); // rows past the prefix: never read
                AttentionCore.rows(cacheV, t, t + 3).assign(Double.NaN);
                INDArray k = AttentionCore.rows(cacheK, 0, t), v = AttentionCore.rows(cacheV, 0, t);
                INDArray dOut = normal(dt, rnd, 1.0, b, h, t, d);
                INDArray[][] ref = run(mask, q.dup(), k.dup(), v.dup(), dOut, false, true);
                for (boolean withOut : new boolean[]{true, false}) {
                    INDArray o = Nd4j.zeros(dt, b, h, t, d);
                    INDArray[] probs = AttentionCore.forward(q, k, v, mask, o);
                    assertTrue(probs.length == g.count() && probs[0].size(3) == g.end(0), "one probability array per group, only its key run");
                    INDArray grads = Nd4j.valueArrayOf(new long[]{3, b, h, t, d}, Double.NaN, dt);
                    INDArray[] p = Heads.parts(grads);
                    AttentionCore.backward(q, k, v, mask, probs, withOut ? o : null, dOut, p[0], p[1], p[2]);
                    INDArray[] got = {o, p[0], p[1], p[2]};
                    for (int i = 0; i < 4; i++) {
                        double diff = maxAbsDiff(ref[0][i].castTo(DataType.DOUBLE), got[i].castTo(DataType.DOUBLE));
                        assertTrue(diff < tol, dt + " tensor " + i + " of " + t + " tokens, withOut " + withOut + ": " + diff);
                    }
                }
            }
        }
    }

    /**
     * Operands BLAS cannot address in place ('f'-ordered copies, so no unit stride along d) are read from copies
     * and outputs written through scratch arrays; groups of a single token (row stride irrelevant) work too.
     */
    @Test
    void keyRunsOnFOrderArraysAndSingleTokenGroups() {
        Random rnd = new Random(12);
        int b = 2, h = 2, d = 3;
        for (TokenGroups g : List.of(TokenGroups.levelMajor(3, 1, 1), TokenGroups.levelMajor(2, 1, 3))) {
            AttentionMask mask = AttentionMask.levelCausal(g);
            int t = g.total();
            INDArray q = normal(DataType.DOUBLE, rnd, 1.0, b, h, t, d), k = normal(DataType.DOUBLE, rnd, 1.0, b, h, t, d);
            INDArray v = normal(DataType.DOUBLE, rnd, 1.0, b, h, t, d), dOut = normal(DataType.DOUBLE, rnd, 1.0, b, h, t, d);
            INDArray[][] ref = run(mask, q, k, v, dOut, false, true);
            INDArray qf = q.dup('f'), kf = k.dup('f'), vf = v.dup('f'), dOutF = dOut.dup('f');
            assertTrue(qf.stride(3) != 1, "the test needs operands without unit stride along d");
            INDArray o = Nd4j.zeros(DataType.DOUBLE, b, h, t, d).dup('f');
            INDArray[] probs = AttentionCore.forward(qf, kf, vf, mask, o);
            INDArray dq = Nd4j.zeros(DataType.DOUBLE, b, h, t, d).dup('f'), dk = dq.dup('f'), dv = dq.dup('f');
            AttentionCore.backward(qf, kf, vf, mask, probs, o, dOutF, dq, dk, dv);
            INDArray[] got = {o, dq, dk, dv};
            for (int i = 0; i < 4; i++)
                assertTrue(maxAbsDiff(ref[0][i], got[i]) < 1e-12, "tensor " + i + " of " + t + " tokens");
        }
    }
}
