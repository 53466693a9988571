package io.dcsldm.dit;

import io.dcsldm.core.nn.Ops;
import io.dcsldm.core.runtime.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static io.dcsldm.dit.VideoLayoutTest.VIDEO;
import static io.dcsldm.dit.VideoLayoutTest.range;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Generation causal in time with clean context ({@link FlowSampler#causalInTime}): temporal patches in turn, each
 * attending to the finished earlier ones fed once at flow time 0, levels progressive within a patch.
 */
class CausalInTimeGenerationTest {
    private static final int B = 2, C = 3;
    private static final int[] LABELS = {1, 3};

    /**
     * The KV-cached sampler computes exactly what the training forward ({@link DcsDiT#forwardPerTime}, no cache) gives
     * for the same sequence: earlier patches clean at t = 0, the current patch at the step's time. Checked against a
     * sampler written with that forward alone, guided (w = 2), Euler.
     */
    @Test
    void cachedSamplerEqualsTheTrainingForwardWithCleanContext() {
        DcsDiT model = VideoLayoutTest.randomModel(31);
        INDArray noise = Rng.normal(DataType.FLOAT, 5, B, VIDEO.tokens(), C);
        int steps = 3;
        double w = 2.0;
        INDArray cached = new FlowSampler(model, FlowSampler.Method.EULER, steps, w).causalInTime(noise, LABELS, VIDEO.levels(), true, null);

        INDArray z = noise.dup('c');
        int[] nulls = {model.nullClass(), model.nullClass()};
        for (int p = 0; p < VIDEO.times(); p++) {
            for (int i = 0; i < steps; i++) {
                double t0 = 1.0 - (double) i / steps, t1 = 1.0 - (double) (i + 1) / steps;
                double[] t = new double[B * VIDEO.times()];
                for (int s = 0; s < B; s++)
                    for (int q = 0; q < VIDEO.times(); q++) t[s * VIDEO.times() + q] = q < p ? 0.0 : q == p ? t0 : 1.0;
                INDArray flat = z.reshape((long) B * VIDEO.tokens(), C);
                INDArray vc = model.forwardPerTime(flat, t, LABELS, VIDEO.levels()).reshape(B, VIDEO.tokens(), C);
                INDArray vu = model.forwardPerTime(flat, t, nulls, VIDEO.levels()).reshape(B, VIDEO.tokens(), C);
                INDArray v = vc.sub(vu).muli(w).addi(vu);
                for (int l = 0; l < VIDEO.levels(); l++) { // only the current patch moves
                    int[] r = range(l, p);
                    var rows = NDArrayIndex.interval(r[0], r[1]);
                    z.get(NDArrayIndex.all(), rows, NDArrayIndex.all()).addi(v.get(NDArrayIndex.all(), rows, NDArrayIndex.all()).mul(t1 - t0));
                }
            }
        }
        double diff = cached.sub(z).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-4, "cached causal-in-time sampler vs uncached training forward: max |Δ| = " + diff);
        assertTrue(cached.sub(noise).amaxNumber().doubleValue() > 0.01, "the sampler moved the latent");
    }

    /** Within each patch, level by level with per-evaluation caches equals the patch's levels denoised together, at equal cost. */
    @Test
    void progressiveWithinPatchesEqualsJointWithinPatchesAtTheSameCost() {
        DcsDiT model = VideoLayoutTest.randomModel(32);
        INDArray noise = Rng.normal(DataType.FLOAT, 6, B, VIDEO.tokens(), C);
        FlowSampler s = new FlowSampler(model, FlowSampler.Method.HEUN, 3, 2.0);
        int[] patches = {0};
        INDArray progressive = s.causalInTime(noise, LABELS, VIDEO.levels(), true, (n, latent) -> patches[0] = n);
        long macsProgressive = s.lastMacs();
        INDArray joint = s.causalInTime(noise, LABELS, VIDEO.levels(), false, null);
        assertEquals(VIDEO.times(), patches[0], "the listener saw every temporal patch");
        assertTrue(progressive.sub(joint).amaxNumber().doubleValue() <= 1e-4);
        assertEquals(macsProgressive, s.lastMacs(), "same multiply-adds");
        // a level prefix: the first two levels alone give the same tokens as the first two levels of the full run
        INDArray two = s.causalInTime(noise, LABELS, 2, true, null);
        int n2 = VIDEO.tokens(2);
        assertTrue(two.sub(progressive.get(NDArrayIndex.all(), NDArrayIndex.interval(0, n2), NDArrayIndex.all())).amaxNumber().doubleValue() <= 1e-4,
                "a prefix of levels is generated as in the full run");
    }

    /** Finished temporal patches are bit-identical whatever noise later patches start from. */
    @Test
    void earlierPatchesIgnoreLaterNoise() {
        DcsDiT model = VideoLayoutTest.randomModel(33);
        INDArray a = Rng.normal(DataType.FLOAT, 7, B, VIDEO.tokens(), C);
        INDArray z = a.dup();
        for (int l = 0; l < VIDEO.levels(); l++) {
            int[] r = range(l, 2);
            z.get(NDArrayIndex.all(), NDArrayIndex.interval(r[0], r[1]), NDArrayIndex.all()).assign(Rng.normal(DataType.FLOAT, 40 + l, B, r[1] - r[0], C));
        }
        FlowSampler s = new FlowSampler(model, FlowSampler.Method.EULER, 3, 2.0);
        INDArray ga = s.causalInTime(a, LABELS, VIDEO.levels(), true, null), gz = s.causalInTime(z, LABELS, VIDEO.levels(), true, null);
        for (int l = 0; l < VIDEO.levels(); l++)
            for (int t = 0; t < VIDEO.times(); t++) {
                int[] r = range(l, t);
                boolean same = Ops.bitIdentical(ga.get(NDArrayIndex.all(), NDArrayIndex.interval(r[0], r[1]), NDArrayIndex.all()),
                        gz.get(NDArrayIndex.all(), NDArrayIndex.interval(r[0], r[1]), NDArrayIndex.all()));
                assertEquals(t < 2, same, "level " + l + ", time " + t);
            }
    }
}
