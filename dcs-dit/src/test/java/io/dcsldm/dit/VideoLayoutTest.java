package io.dcsldm.dit;

import io.dcsldm.core.runtime.Rng;
import io.dcsldm.tok.TokenLayout;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.*;

/**
 * DCS-DiT on a video token layout (several temporal patches): the level- and time-causal mask makes
 * generation causal in time as well as level-progressive (issue 6). Uses the model structure only; no
 * trained video DiT exists yet.
 */
class VideoLayoutTest {
    static final TokenLayout VIDEO = new TokenLayout(3, 3, 2, 2, 1); // 3 levels × 3 temporal × 2×2 patches

    /** Tokens of (level, time) group {@code (l, t)} as a column range of the level-major sequence. */
    static int[] range(int l, int t) {
        int per = VIDEO.gridH() * VIDEO.gridW() * VIDEO.tokensPerLevel();
        int from = (l * VIDEO.times() + t) * per;
        return new int[]{from, from + per};
    }

    @Test
    void generatedTokensOfEarlierTimesIgnoreLaterTimesNoise() {
        DcsDiT model = randomModel(21);
        int b = 2, c = 3;
        INDArray a = Rng.normal(DataType.FLOAT, 1, b, VIDEO.tokens(), c);
        INDArray z = a.dup();
        for (int l = 0; l < VIDEO.levels(); l++) { // new noise for the last temporal patch, every level
            int[] r = range(l, 2);
            z.get(NDArrayIndex.all(), NDArrayIndex.interval(r[0], r[1]), NDArrayIndex.all())
                    .assign(Rng.normal(DataType.FLOAT, 100 + l, b, r[1] - r[0], c));
        }
        FlowSampler s = new FlowSampler(model, FlowSampler.Method.HEUN, 4, 2.0);
        int[] labels = {1, 3};
        INDArray ga = s.progressive(a, labels, VIDEO.levels(), null), gz = s.progressive(z, labels, VIDEO.levels(), null);
        for (int l = 0; l < VIDEO.levels(); l++) {
            for (int t = 0; t < 2; t++) {
                int[] r = range(l, t);
                assertTrue(io.dcsldm.core.nn.Ops.bitIdentical(ga.get(NDArrayIndex.all(), NDArrayIndex.interval(r[0], r[1]), NDArrayIndex.all()),
                        gz.get(NDArrayIndex.all(), NDArrayIndex.interval(r[0], r[1]), NDArrayIndex.all())), "level " + l + ", time " + t);
            }
            int[] r = range(l, 2);
            assertFalse(io.dcsldm.core.nn.Ops.bitIdentical(ga.get(NDArrayIndex.all(), NDArrayIndex.interval(r[0], r[1]), NDArrayIndex.all()),
                    gz.get(NDArrayIndex.all(), NDArrayIndex.interval(r[0], r[1]), NDArrayIndex.all())));
        }
        // and progressive (KV-cached, level by level) equals joint on the video layout
        INDArray joint = s.joint(a, labels, VIDEO.levels());
        assertTrue(joint.sub(ga).amaxNumber().doubleValue() <= 1e-4);
    }


    static DcsDiT randomModel(long seed) {
        DitConfig cfg = new DitConfig();
        cfg.width = 32;
        cfg.depth = 2;
        cfg.heads = 4;
        cfg.mlpRatio = 2;
        cfg.classes = 5;
        cfg.frequencyWidth = 16;
        io.dcsldm.core.nn.ParamStore store = new io.dcsldm.core.nn.ParamStore(DataType.FLOAT, seed);
        DcsDiT m = new DcsDiT(cfg, VIDEO, 3, store);
        long k = 0;
        for (io.dcsldm.core.nn.Param p : store.all())
            p.value().addi(Rng.normal(p.value().dataType(), seed * 1000 + k++, p.value().shape()).muli(0.1));
        return m;
    }
}
