package io.dcsldm.core.nn;

import io.dcsldm.core.mask.AttentionMask;
import io.dcsldm.core.mask.TokenGroups;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;

import static io.dcsldm.core.nn.TestArrays.normal;
import static io.dcsldm.core.nn.TestArrays.randomizeParams;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every module's hand-written backward against central finite differences, in double precision.
 *
 * <p>Loss {@code L = Σ y ⊙ R} with a fixed random {@code R}, so {@code dL/dy = R}. Numerical derivative: the
 * five-point central stencil {@code [8(L(θ+h) − L(θ−h)) − (L(θ+2h) − L(θ−2h))] / 12h} with {@code h = 1e-3}
 * (truncation error O(h⁴), rounding ≈ 1e-16·|L|/h), so the reference is accurate to ≈1e-12 absolute.</p>
 *
 * <p>Error measure, per element: {@code |analytic − numeric| / max(|analytic|, |numeric|, 1e-4)}; the test
 * requires the maximum over all checked elements of every tensor to be ≤ 1e-6. The floor 1e-4 means: an element
 * passes if its relative error is ≤ 1e-6, or, for gradients smaller than 1e-4, if its absolute error is ≤ 1e-10.
 * It is needed because some gradients are exactly zero in theory (the key part of the qkv bias: adding a constant
 * to all keys shifts every softmax row by a constant), where the numeric derivative is pure rounding noise of
 * ≈1e-11; those zeros are additionally asserted directly. Tensors with ≤ 64 elements are
 * checked in full, larger ones on 50 distinct random elements. All parameters are first overwritten with
 * N(0, 0.3²) values (adaLN-Zero would otherwise zero most gradients), and every analytic gradient tensor is
 * required to be non-zero, so no path is checked trivially.</p>
 */
class GradientCheckTest {
    static final double TOL = 1e-6;
    static final double H = 1e-3;
    static final double FLOOR = 1e-4;
    static final int FULL_CHECK_MAX = 64;
    static final int SAMPLE = 50;

    private static DataType savedDefault;
    private static DataType savedFloat;
    private static int savedThreads;

    @BeforeAll
    static void useDouble() {
        savedDefault = Nd4j.dataType();
        savedFloat = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        // thousands of forwards on tiny arrays: per-op overhead dominates and a second thread only adds wake-ups
        savedThreads = Nd4j.getEnvironment().maxThreads();
        Nd4j.getEnvironment().setMaxThreads(1);
    }

    @AfterAll
    static void restore() {
        Nd4j.setDefaultDataTypes(savedDefault, savedFloat);
        Nd4j.getEnvironment().setMaxThreads(savedThreads);
    }

    // ------------------------------------------------------------------------------------------ modules

    @Test
    void linearWithBias() {
        Random rnd = new Random(11);
        ParamStore ps = new ParamStore(DataType.DOUBLE, 1);
        Linear lin = new Linear(ps.scope("lin"), 4, 3, true);
        randomizeParams(ps, rnd, 0.3);
        INDArray x = normal(DataType.DOUBLE, rnd, 1.0, 5, 4);
        double e = check("Linear(bias)", ps, () -> lin.forward(x), dy -> Map.of("x", lin.backward(dy)), Map.of("x", x), rnd);
        assertEquals(2, ps.all().size());
        assertTrue(e <= TOL);
    }

    @Test
    void linearWithoutBias() {
        Random rnd = new Random(12);
        ParamStore ps = new ParamStore(DataType.DOUBLE, 2);
        Linear lin = new Linear(ps.scope("lin"), 4, 3, false);
        randomizeParams(ps, rnd, 0.3);
        INDArray x = normal(DataType.DOUBLE, rnd, 1.0, 5, 4);
        double e = check("Linear(no bias)", ps, () -> lin.forward(x), dy -> Map.of("x", lin.backward(dy)), Map.of("x", x), rnd);
        assertEquals(1, ps.all().size());
        assertTrue(e <= TOL);
    }

    @Test
    void layerNormAffine() {
        Random rnd = new Random(13);
        ParamStore ps = new ParamStore(DataType.DOUBLE, 3);
        LayerNorm ln = new LayerNorm(ps.scope("ln"), 6, 1e-6, true);
        randomizeParams(ps, rnd, 0.3);
        INDArray x = normal(DataType.DOUBLE, rnd, 1.0, 5, 6).addiColumnVector(normal(DataType.DOUBLE, rnd, 2.0, 5, 1));
        double e = check("LayerNorm(affine)", ps, () -> ln.forward(x), dy -> Map.of("x", ln.backward(dy)), Map.of("x", x), rnd);
        assertEquals(2, ps.all().size());
        assertTrue(e <= TOL);
    }

    @Test
    void layerNormPlain() {
        Random rnd = new Random(14);
        ParamStore ps = new ParamStore(DataType.DOUBLE, 4);
        LayerNorm ln = new LayerNorm(ps.scope("ln"), 6, 1e-6, false);
        INDArray x = normal(DataType.DOUBLE, rnd, 1.0, 5, 6).addiColumnVector(normal(DataType.DOUBLE, rnd, 2.0, 5, 1));
        double e = check("LayerNorm(plain)", ps, () -> ln.forward(x), dy -> Map.of("x", ln.backward(dy)), Map.of("x", x), rnd);
        assertEquals(0, ps.all().size());
        assertTrue(e <= TOL);
    }

    @Test
    void geluTanh() {
        Random rnd = new Random(15);
        ParamStore ps = new ParamStore(DataType.DOUBLE, 5);
        GeluTanh act = new GeluTanh();
        INDArray x = normal(DataType.DOUBLE, rnd, 2.0, 6, 8); // spread into both tails
        double e = check("GeluTanh", ps, () -> act.forward(x), dy -> Map.of("x", act.backward(dy)), Map.of("x", x), rnd);
        // the forward is also the documented formula
        for (int i = 0; i < x.length(); i++) {
            double v = x.getDouble(i);
            double ref = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
            assertEquals(ref, act.forward(x).getDouble(i), 1e-14);
            assertEquals(ref, GeluTanh.apply(x).getDouble(i), 1e-14);
        }
        assertTrue(e <= TOL);
    }

    @Test
    void mlp() {
        Random rnd = new Random(16);
        ParamStore ps = new ParamStore(DataType.DOUBLE, 6);
        Mlp mlp = new Mlp(ps.scope("mlp"), 4, 8, 3);
        randomizeParams(ps, rnd, 0.3);
        INDArray x = normal(DataType.DOUBLE, rnd, 1.0, 6, 4);
        double e = check("Mlp", ps, () -> mlp.forward(x), dy -> Map.of("x", mlp.backward(dy)), Map.of("x", x), rnd);
        assertEquals(4, ps.all().size());
        assertTrue(e <= TOL);
    }

    /** Level-causal mask over 3 levels of unequal sizes (2, 3, 2 tokens), B = 2: the key-run layout. */
    @Test
    void attentionLevelCausal() {
        TokenGroups groups = new TokenGroups(new int[]{0, 1, 2}, new int[]{0, 0, 0}, new int[]{2, 3, 2});
        assertTrue(RunAttention.applies(AttentionMask.levelCausal(groups), Nd4j.zeros(DataType.DOUBLE, 1, 1, 1, 1)));
        double e = checkAttention("MHA(level-causal, 3 levels)", groups, 2, 17);
        assertTrue(e <= TOL);
    }

    /** Video mask: 2 levels × 3 times, 2 tokens per group; query groups see several disjoint key runs. */
    @Test
    void attentionVideo() {
        TokenGroups groups = TokenGroups.levelMajor(2, 3, 2);
        AttentionMask m = AttentionMask.levelCausal(groups);
        assertEquals(4, m.keyRuns(4).length, "group (1,1) must see two key runs");
        double e = checkAttention("MHA(video 2 levels x 3 times)", groups, 2, 18);
        assertTrue(e <= TOL);
    }

    /**
     * The image mask through the dense layout, and both masks through the block-sparse layout, with the key-run
     * layout off (by default the image mask runs as key runs and the video mask dense).
     */
    @Test
    void attentionDenseAndBlockSparseLayouts() {
        TokenGroups image = new TokenGroups(new int[]{0, 1, 2}, new int[]{0, 0, 0}, new int[]{2, 3, 2});
        assertTrue(AttentionCore.dense(AttentionMask.levelCausal(TokenGroups.levelMajor(2, 3, 2))), "default layout should be dense here");
        assertTrue(AttentionCore.dense(AttentionMask.levelCausal(image)), "default layout without key runs should be dense here");
        RunAttention.enabled = false;
        try {
            double e0 = checkAttention("MHA(3 levels, dense)", image, 2, 17);
            AttentionCore.denseEnabled = false;
            double e1 = checkAttention("MHA(3 levels, block-sparse)", image, 2, 17);
            double e2 = checkAttention("MHA(video, block-sparse)", TokenGroups.levelMajor(2, 3, 2), 2, 18);
            assertTrue(e0 <= TOL && e1 <= TOL && e2 <= TOL);
        } finally {
            AttentionCore.denseEnabled = true;
            RunAttention.enabled = true;
        }
    }

    private double checkAttention(String label, TokenGroups groups, int batch, long seed) {
        Random rnd = new Random(seed);
        ParamStore ps = new ParamStore(DataType.DOUBLE, seed);
        MultiHeadAttention mha = new MultiHeadAttention(ps.scope("attn"), 8, 2);
        randomizeParams(ps, rnd, 0.3);
        AttentionMask mask = AttentionMask.levelCausal(groups);
        INDArray x = normal(DataType.DOUBLE, rnd, 1.0, (long) batch * groups.total(), 8);
        double e = check(label, ps, () -> mha.forward(x, batch, mask), dy -> Map.of("x", mha.backward(dy)), Map.of("x", x), rnd);
        assertKeyBiasGradZero(ps.get("attn.qkv.b"), 8);
        // the inference path computes the same function
        assertTrue(TestArrays.maxAbsDiff(mha.forward(x, batch, mask), mha.apply(x, batch, mask)) < 1e-14);
        return e;
    }

    @Test
    void blockConditioned() {
        double e = checkBlock("Block(conditioned, 3 levels)", true, TokenGroups.levelMajor(3, 1, 2), 21);
        assertTrue(e <= TOL);
    }

    @Test
    void blockConditionedVideo() {
        double e = checkBlock("Block(conditioned, video 2x2)", true, TokenGroups.levelMajor(2, 2, 1), 22);
        assertTrue(e <= TOL);
    }

    @Test
    void blockUnconditioned() {
        double e = checkBlock("Block(unconditioned, 3 levels)", false, TokenGroups.levelMajor(3, 1, 2), 23);
        assertTrue(e <= TOL);
    }

    /**
     * At adaLN-Zero initialisation (all gates 0) the block is the identity, and the only non-zero modulation
     * gradients are the gates': {@code dGate1 = Σ_t dx1 ⊙ a}, {@code dGate2 = Σ_t dy ⊙ f}. They must be non-zero,
     * or the modulation could never leave zero (regression: the block used to cache gate·a instead of a).
     */
    @Test
    void adaLnZeroInitStillLearnsGates() {
        Random rnd = new Random(24);
        int batch = 2, c = 8;
        ParamStore ps = new ParamStore(DataType.DOUBLE, 24);
        TransformerBlock block = new TransformerBlock(ps.scope("blk"), c, 2, 16, true);
        TokenGroups groups = TokenGroups.levelMajor(3, 1, 2);
        AttentionMask mask = AttentionMask.levelCausal(groups);
        INDArray x = normal(DataType.DOUBLE, rnd, 1.0, (long) batch * groups.total(), c);
        INDArray cond = normal(DataType.DOUBLE, rnd, 1.0, batch, c);
        INDArray y = block.forward(x, cond, batch, mask);
        assertTrue(Ops.bitIdentical(x, y), "adaLN-Zero block must start as the identity");
        INDArray r = normal(DataType.DOUBLE, rnd, 1.0, y.shape());
        ps.zeroGrads();
        INDArray dCond = Nd4j.zeros(DataType.DOUBLE, batch, c);
        assertEquals(r, block.backward(r, dCond), "identity block passes the gradient through");
        INDArray db = ps.get("blk.adaLN.b").grad();
        for (int chunk = 0; chunk < 6; chunk++) {
            double n = db.get(NDArrayIndex.all(), NDArrayIndex.interval(chunk * c, (chunk + 1) * c)).norm2Number().doubleValue();
            if (chunk == 2 || chunk == 5) assertTrue(n > 1e-3, "gate chunk " + chunk + " gradient is zero");
            else assertEquals(0.0, n, "shift/scale chunk " + chunk + " is behind a zero gate");
        }
        assertTrue(ps.get("blk.adaLN.w").grad().norm2Number().doubleValue() > 1e-3);
    }

    private double checkBlock(String label, boolean conditioned, TokenGroups groups, long seed) {
        Random rnd = new Random(seed);
        int batch = 2, c = 8;
        ParamStore ps = new ParamStore(DataType.DOUBLE, seed);
        TransformerBlock block = new TransformerBlock(ps.scope("blk"), c, 2, 16, conditioned);
        randomizeParams(ps, rnd, 0.3);
        AttentionMask mask = AttentionMask.levelCausal(groups);
        INDArray x = normal(DataType.DOUBLE, rnd, 1.0, (long) batch * groups.total(), c);
        INDArray cond = conditioned ? normal(DataType.DOUBLE, rnd, 1.0, batch, c) : null;
        Map<String, INDArray> inputs = new LinkedHashMap<>();
        inputs.put("x", x);
        if (conditioned) inputs.put("cond", cond);
        double e = check(label, ps, () -> block.forward(x, cond, batch, mask), dy -> {
            Map<String, INDArray> g = new LinkedHashMap<>();
            INDArray dCond = conditioned ? Nd4j.zeros(DataType.DOUBLE, batch, c) : null;
            g.put("x", block.backward(dy, dCond));
            if (conditioned) g.put("cond", dCond);
            return g;
        }, inputs, rnd);
        assertEquals(conditioned ? 10 : 12, ps.all().size(), "parameter count");
        assertKeyBiasGradZero(ps.get("blk.attn.qkv.b"), c);
        assertTrue(TestArrays.maxAbsDiff(block.forward(x, cond, batch, mask), block.apply(x, cond, batch, mask)) < 1e-14);
        return e;
    }

    /**
     * Columns {@code [C, 2C)} of the fused qkv bias are the key bias; {@code q·(k + b)} shifts every score of a
     * query row by the same {@code q·b}, which softmax ignores, so its exact gradient is zero. (Call right after
     * {@link #check}, whose single backward left the analytic gradients in the store.)
     */
    private static void assertKeyBiasGradZero(Param qkvBias, int channels) {
        INDArray g = qkvBias.grad();
        double key = g.get(NDArrayIndex.all(), NDArrayIndex.interval(channels, 2 * channels)).amaxNumber().doubleValue();
        double rest = g.amaxNumber().doubleValue();
        System.out.printf("[grad-check]   key-bias gradient max |g| %.2e (whole qkv bias %.2e)%n", key, rest);
        assertTrue(rest > 1e-3 && key <= 1e-12, "key bias gradient should vanish: " + key);
    }

    // ------------------------------------------------------------------------------------------ checker

    /**
     * Runs forward once, backward with {@code dy = R}, then compares every input gradient and every parameter
     * gradient with finite differences of {@code L = Σ forward() ⊙ R}. Returns the maximum relative error.
     */
    static double check(String label, ParamStore ps, Supplier<INDArray> forward,
                        Function<INDArray, Map<String, INDArray>> backward, Map<String, INDArray> inputs, Random rnd) {
        INDArray y = forward.get();
        INDArray r = normal(DataType.DOUBLE, rnd, 1.0, y.shape());
        ps.zeroGrads();
        Map<String, INDArray> inGrads = backward.apply(r.dup());

        List<String> names = new ArrayList<>();
        List<INDArray> values = new ArrayList<>();
        List<INDArray> analytic = new ArrayList<>();
        for (var in : inputs.entrySet()) {
            names.add(in.getKey());
            values.add(in.getValue());
            analytic.add(inGrads.get(in.getKey()).dup());
        }
        for (Param p : ps.all()) {
            names.add(p.name());
            values.add(p.value());
            analytic.add(p.grad().dup());
        }
        Supplier<Double> loss = () -> forward.get().mul(r).sumNumber().doubleValue();

        double worst = 0;
        StringBuilder report = new StringBuilder(), failures = new StringBuilder();
        for (int t = 0; t < names.size(); t++) {
            INDArray v = values.get(t), a = analytic.get(t);
            assertTrue(!v.isView() && v.ordering() == 'c', names.get(t) + " must be a contiguous c-order array");
            assertEquals(DataType.DOUBLE, a.dataType(), names.get(t) + " gradient dtype");
            assertTrue(a.norm2Number().doubleValue() > 0, label + ": gradient of " + names.get(t) + " is identically zero");
            long n = v.length();
            long[] idx = indices(n, rnd);
            double maxRel = 0, maxAbs = 0;
            for (long i : idx) {
                double orig = v.getDouble(i);
                double[] l = new double[4];
                double[] off = {H, -H, 2 * H, -2 * H};
                for (int k = 0; k < 4; k++) {
                    v.putScalar(i, orig + off[k]);
                    l[k] = loss.get();
                }
                v.putScalar(i, orig);
                double num = (8 * (l[0] - l[1]) - (l[2] - l[3])) / (12 * H);
                double an = a.getDouble(i);
                double abs = Math.abs(an - num);
                double rel = abs / Math.max(Math.max(Math.abs(an), Math.abs(num)), FLOOR);
                maxRel = Math.max(maxRel, rel);
                maxAbs = Math.max(maxAbs, abs);
            }
            String line = String.format("%n    %-22s %4d/%4d elements  max rel %.2e  max abs %.2e", names.get(t), idx.length, n,
                    maxRel, maxAbs);
            report.append(line);
            if (!(maxRel <= TOL)) failures.append(line);
            worst = Math.max(worst, maxRel);
        }
        System.out.printf("[grad-check] %-32s max rel err %.2e%s%n", label, worst, report);
        assertTrue(worst <= TOL, String.format("%s: max rel err %.3e > %.0e in%s", label, worst, TOL, failures));
        return worst;
    }

    private static long[] indices(long n, Random rnd) {
        if (n <= FULL_CHECK_MAX) {
            long[] all = new long[(int) n];
            for (int i = 0; i < n; i++) all[i] = i;
            return all;
        }
        return rnd.longs(0, n).distinct().limit(SAMPLE).toArray();
    }
}
