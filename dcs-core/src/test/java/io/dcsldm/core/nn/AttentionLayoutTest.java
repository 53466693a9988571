package io.dcsldm.core.nn;

import io.dcsldm.core.mask.AttentionMask;
import io.dcsldm.core.mask.TokenGroups;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Random;

import static io.dcsldm.core.nn.TestArrays.maxAbsDiff;
import static io.dcsldm.core.nn.TestArrays.normal;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AttentionCore}'s dense and block-sparse layouts compute the same attention: output, dq, dk, dv agree
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
        }
    }
}
