package io.dcsldm.dit;

import io.dcsldm.core.nn.Param;
import io.dcsldm.core.nn.ParamStore;
import io.dcsldm.core.runtime.Rng;
import io.dcsldm.tok.TokenLayout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.*;

/** DESIGN §5.4: progressive (KV-cached) generation equals joint generation and costs no more. */
class ProgressiveGenerationTest {

    /** A small DiT whose weights are all perturbed (adaLN-Zero would otherwise make it predict 0). */
    static DcsDiT randomModel(long seed) {
        DitConfig cfg = new DitConfig();
        cfg.width = 32;
        cfg.depth = 3;
        cfg.heads = 4;
        cfg.mlpRatio = 2;
        cfg.classes = 5;
        cfg.frequencyWidth = 16;
        ParamStore store = new ParamStore(DataType.FLOAT, seed);
        DcsDiT m = new DcsDiT(cfg, new TokenLayout(4, 1, 3, 3, 2), 3, store);
        long k = 0;
        for (Param p : store.all()) p.value().addi(Rng.normal(p.value().dataType(), seed * 1000 + k++, p.value().shape()).muli(0.1));
        return m;
    }

    @ParameterizedTest
    @CsvSource({"EULER, 1.0", "EULER, 3.0", "HEUN, 1.0", "HEUN, 3.0"})
    void progressiveEqualsJoint(FlowSampler.Method method, double guidance) {
        DcsDiT model = randomModel(11);
        int b = 3, levels = 4;
        INDArray noise = Rng.normal(DataType.FLOAT, 5, b, model.layout().tokens(levels), 3);
        int[] labels = {0, 2, 4};
        FlowSampler s = new FlowSampler(model, method, 6, guidance);
        INDArray joint = s.joint(noise, labels, levels);
        long jointMacs = s.lastMacs();
        int[] seen = {0};
        INDArray prog = s.progressive(noise, labels, levels, (l, prefix) -> {
            assertEquals(model.layout().tokens(l), prefix.size(1));
            seen[0] = l;
            return true;
        });
        long progMacs = s.lastMacs();
        double maxAbs = joint.sub(prog).amaxNumber().doubleValue();
        System.out.printf("%s w=%.1f: progressive vs joint max|Δ| = %.2e, MACs %d vs %d, KV cache %.2f MB%n",
                method, guidance, maxAbs, progMacs, jointMacs, s.lastCacheBytes() / 1e6);
        assertEquals(levels, seen[0]);
        assertTrue(maxAbs <= 1e-4, "max |Δ| " + maxAbs);
        assertTrue(joint.sub(noise).amaxNumber().doubleValue() > 0.1, "the model must actually move the sample");
        assertTrue(progMacs <= jointMacs, "progressive MACs " + progMacs + " > joint " + jointMacs);
    }

    /** Partial denoising (SDEdit-style, used by eval-video-dit) starts the same uniform grid at a given flow time. */
    @Test
    void jointFromStartsTheGridAtTheGivenFlowTime() {
        DcsDiT model = randomModel(17);
        int[] labels = {0, 3};
        int levels = 4, tokens = model.layout().tokens(levels);
        INDArray noise = Rng.normal(DataType.FLOAT, 9, 2, tokens, 3);
        FlowSampler s = new FlowSampler(model, FlowSampler.Method.HEUN, 6, 2.0);
        INDArray joint = s.joint(noise, labels, levels);
        long fullMacs = s.lastMacs();
        assertTrue(io.dcsldm.core.nn.Ops.bitIdentical(joint, s.jointFrom(noise, 1.0, labels, levels)), "from t = 1 is joint generation");
        INDArray half = s.jointFrom(noise, 0.5, labels, levels);
        assertEquals(fullMacs / 2, s.lastMacs(), "from t = 0.5: 3 of the 6 steps");
        assertTrue(half.sub(joint).amaxNumber().doubleValue() > 1e-3, "a different start gives a different sample");
        // steps·from that is an integer up to float error takes that many steps (25·0.28 = 7.000000000000001 in doubles)
        FlowSampler euler25 = new FlowSampler(model, FlowSampler.Method.EULER, 25, 2.0);
        euler25.joint(noise, labels, levels);
        long macs25 = euler25.lastMacs();
        euler25.jointFrom(noise, 0.28, labels, levels);
        assertEquals(macs25 / 25 * 7, euler25.lastMacs(), "from t = 0.28: 7 of the 25 steps");
        // from a small t the sample hardly moves: dt·|v| with |v| of order 1
        double moved = s.jointFrom(noise, 1e-3, labels, levels).sub(noise).amaxNumber().doubleValue();
        assertTrue(moved > 0 && moved < 0.05, "moved " + moved);
        for (double bad : new double[]{0, -0.1, 1.5, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.jointFrom(noise, bad, labels, levels));
            assertTrue(e.getMessage().contains("(0, 1]"), e.getMessage());
        }
    }

    @Test
    void reusedCacheBuffersGiveTheSameSamplesAsFreshOnes() {
        int[] labels = {1, 4};
        DcsDiT model = randomModel(13);
        int tokens = model.layout().tokens(4);
        INDArray noiseA = Rng.normal(DataType.FLOAT, 21, 2, tokens, 3), noiseB = Rng.normal(DataType.FLOAT, 22, 2, tokens, 3);
        // reference: another instance with the same weights, whose pool is fresh for noise B
        INDArray fresh = new FlowSampler(randomModel(13), FlowSampler.Method.HEUN, 4, 2.0).progressive(noiseB, labels, 4, null);
        // this instance's pool is first filled by a generation from other noise (Heun 4 steps = 8 evaluations,
        // guidance doubles the batch to 4), then poisoned, then reused for noise B
        FlowSampler s = new FlowSampler(model, FlowSampler.Method.HEUN, 4, 2.0);
        s.progressive(noiseA, labels, 4, null);
        io.dcsldm.core.nn.KvCache[][] pool = model.reusableCaches(8, 4);
        for (io.dcsldm.core.nn.KvCache[] set : pool)
            for (io.dcsldm.core.nn.KvCache c : set) { c.keyBuffer().assign(Float.NaN); c.valueBuffer().assign(1e30f); }
        INDArray reused = s.progressive(noiseB, labels, 4, null);
        assertSame(pool, model.reusableCaches(8, 4), "same shape, same buffers");
        assertTrue(io.dcsldm.core.nn.Ops.bitIdentical(fresh, reused), "stale cache contents must not reach the samples");
    }

    @Test
    void stoppingEarlyGivesTheJointPrefixOfFewerLevels() {
        DcsDiT model = randomModel(12);
        INDArray noise = Rng.normal(DataType.FLOAT, 6, 2, model.layout().tokens(4), 3);
        int[] labels = {1, 3};
        FlowSampler s = new FlowSampler(model, FlowSampler.Method.EULER, 5, 2.0);
        INDArray two = s.progressive(noise, labels, 4, (l, p) -> l < 2);
        assertEquals(model.layout().tokens(2), two.size(1));
        long macsTwo = s.lastMacs();
        INDArray jointTwo = s.joint(noise, labels, 2);
        assertTrue(jointTwo.sub(two).amaxNumber().doubleValue() <= 1e-4);
        s.progressive(noise, labels, 4, null);
        assertTrue(macsTwo < s.lastMacs(), "fewer levels must cost less");
        // and the first two levels of a full generation are those of the two-level one
        INDArray full = s.joint(noise, labels, 4);
        INDArray fullPrefix = full.get(NDArrayIndex.all(), NDArrayIndex.interval(0, model.layout().tokens(2)), NDArrayIndex.all());
        assertTrue(fullPrefix.sub(two).amaxNumber().doubleValue() <= 1e-4);
    }
}
