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

    /**
     * With the time clause dropped ({@link io.dcsldm.core.mask.AttentionMask#LEVEL_CAUSAL}, {@code video.causalInTime:
     * false}) earlier temporal patches do see later ones, levels stay causal (a prefix of levels ignores the noise of
     * later levels), and progressive generation still equals joint generation.
     */
    @Test
    void withoutTheTimeClauseEarlierTimesSeeLaterOnesAndLevelsStayProgressive() {
        DcsDiT model = randomModel(22, io.dcsldm.core.mask.AttentionMask.LEVEL_CAUSAL);
        int b = 2, c = 3;
        INDArray a = Rng.normal(DataType.FLOAT, 3, b, VIDEO.tokens(), c);
        INDArray z = a.dup();
        int[] last = range(VIDEO.levels() - 1, 0);
        z.get(NDArrayIndex.all(), NDArrayIndex.interval(last[0], VIDEO.tokens()), NDArrayIndex.all())
                .assign(Rng.normal(DataType.FLOAT, 200, b, VIDEO.tokens() - last[0], c)); // new noise for the last level
        INDArray w = a.dup();
        int[] r2 = range(0, 2);
        w.get(NDArrayIndex.all(), NDArrayIndex.interval(r2[0], r2[1]), NDArrayIndex.all())
                .assign(Rng.normal(DataType.FLOAT, 300, b, r2[1] - r2[0], c)); // new noise for level 0, time 2
        FlowSampler s = new FlowSampler(model, FlowSampler.Method.EULER, 3, 2.0);
        int[] labels = {1, 3};
        INDArray ga = s.progressive(a, labels, VIDEO.levels(), null);
        INDArray gz = s.progressive(z, labels, VIDEO.levels(), null), gw = s.progressive(w, labels, VIDEO.levels(), null);
        assertTrue(io.dcsldm.core.nn.Ops.bitIdentical(ga.get(NDArrayIndex.all(), NDArrayIndex.interval(0, last[0]), NDArrayIndex.all()),
                gz.get(NDArrayIndex.all(), NDArrayIndex.interval(0, last[0]), NDArrayIndex.all())), "earlier levels ignore the last level");
        int[] r0 = range(0, 0);
        assertFalse(io.dcsldm.core.nn.Ops.bitIdentical(ga.get(NDArrayIndex.all(), NDArrayIndex.interval(r0[0], r0[1]), NDArrayIndex.all()),
                gw.get(NDArrayIndex.all(), NDArrayIndex.interval(r0[0], r0[1]), NDArrayIndex.all())), "time 0 sees time 2");
        assertTrue(s.joint(a, labels, VIDEO.levels()).sub(ga).amaxNumber().doubleValue() <= 1e-4, "progressive equals joint");
        assertTrue(model.macs(b, VIDEO.levels()) > randomModel(22).macs(b, VIDEO.levels()), "more attention pairs are computed");
    }

    static DcsDiT randomModel(long seed) {
        return randomModel(seed, io.dcsldm.core.mask.AttentionMask.LEVEL_TIME_CAUSAL);
    }

    static DcsDiT randomModel(long seed, io.dcsldm.core.mask.AttentionMask.Rule rule) {
        DitConfig cfg = new DitConfig();
        cfg.width = 32;
        cfg.depth = 2;
        cfg.heads = 4;
        cfg.mlpRatio = 2;
        cfg.classes = 5;
        cfg.frequencyWidth = 16;
        io.dcsldm.core.nn.ParamStore store = new io.dcsldm.core.nn.ParamStore(DataType.FLOAT, seed);
        DcsDiT m = new DcsDiT(cfg, VIDEO, 3, store, rule);
        long k = 0;
        for (io.dcsldm.core.nn.Param p : store.all())
            p.value().addi(Rng.normal(p.value().dataType(), seed * 1000 + k++, p.value().shape()).muli(0.1));
        return m;
    }
}
