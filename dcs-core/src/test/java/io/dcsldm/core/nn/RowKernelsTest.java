package io.dcsldm.core.nn;

import io.dcsldm.core.mask.AttentionMask;
import io.dcsldm.core.mask.TokenGroups;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.dcsldm.core.nn.TestArrays.maxAbsDiff;
import static io.dcsldm.core.nn.TestArrays.normal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fp32 row kernels ({@link RowKernels}) against the ND4J compositions they replace, evaluated in fp64 on the
 * same values: layer norm + adaLN modulation, the gated residual, the bias fill before a GEMM, GELU's argument,
 * and a whole conditioned block, inference and training step, with the kernels on and off. Operands are views
 * (column chunks of a modulation matrix, rows of a larger buffer), as in the block. Where a whole block is
 * compared, the kernels must be no further from the fp64 result than ND4J's own fp32 ops are.
 */
class RowKernelsTest {
    @AfterEach
    void restore() {
        RowKernels.enabled = true;
        RowKernels.headsEnabled = true;
    }

    @Test
    void normModulateEqualsLayerNormThenModulation() {
        Random rnd = new Random(3);
        int batch = 4, t = 6, c = 40;
        INDArray x = normal(DataType.DOUBLE, rnd, 2.0, batch * t, c).addi(0.5);
        INDArray mod = normal(DataType.DOUBLE, rnd, 0.7, batch, 6 * c);
        INDArray xf = x.castTo(DataType.FLOAT), modf = mod.castTo(DataType.FLOAT);
        INDArray xhat = Nd4j.create(DataType.FLOAT, batch * t, c), rstd = Nd4j.create(DataType.FLOAT, batch * t, 1);
        INDArray got = RowKernels.normModulate(xf, 1e-6, columns(modf, 1, c), columns(modf, 2, c), batch, xhat, rstd);

        LayerNorm ln = new LayerNorm(new ParamStore(DataType.DOUBLE, 1).scope("ln"), c, 1e-6, false);
        INDArray ref = ln.apply(x);
        INDArray expected = Ops.addPerSample(Ops.mulPerSampleNew(ref, columns(mod, 2, c).add(1.0), batch), columns(mod, 1, c), batch);
        assertTrue(maxAbsDiff(got, expected) <= 2e-6, "output: max |Δ| " + maxAbsDiff(got, expected));
        assertTrue(maxAbsDiff(xhat, ref) <= 1e-6, "x̂: max |Δ| " + maxAbsDiff(xhat, ref));
        INDArray var = x.subColumnVector(x.mean(true, 1));
        INDArray expectedRstd = org.nd4j.linalg.ops.transforms.Transforms.pow(var.mul(var).mean(true, 1).addi(1e-6), -0.5, false);
        assertTrue(TestArrays.normRelErr(rstd, expectedRstd) <= 1e-6, "rstd");
    }

    @Test
    void addGatedAndFillRowsOnViews() {
        Random rnd = new Random(4);
        int batch = 3, t = 5, c = 24;
        INDArray big = normal(DataType.FLOAT, rnd, 1.0, 2 * batch * t, c);
        INDArray x = big.get(NDArrayIndex.interval(batch * t, 2 * batch * t), NDArrayIndex.all()); // offset view
        INDArray y = normal(DataType.FLOAT, rnd, 1.0, batch * t, c), y0 = y.dup();
        INDArray gate = columns(normal(DataType.FLOAT, rnd, 1.0, batch, 3 * c), 1, c);
        RowKernels.addGated(x, y, gate, batch);
        INDArray expected = x.add(Ops.mulPerSampleNew(y0, gate, batch));
        assertTrue(maxAbsDiff(y, expected) <= 1e-6, "addGated: max |Δ| " + maxAbsDiff(y, expected));

        INDArray bias = normal(DataType.FLOAT, rnd, 1.0, 1, c);
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, 7, c);
        RowKernels.fillRows(out, bias);
        for (int r = 0; r < 7; r++) assertEquals(0.0, maxAbsDiff(out.getRow(r, true), bias), "fillRows row " + r);
    }

    @Test
    void linearApplyWithBiasFillEqualsForward() {
        Random rnd = new Random(5);
        ParamStore store = new ParamStore(DataType.FLOAT, 2);
        Linear lin = new Linear(store.scope("lin"), 48, 72, true);
        TestArrays.randomizeParams(store, rnd, 0.5);
        INDArray x = normal(DataType.FLOAT, rnd, 1.0, 30, 48);
        INDArray applied = lin.apply(x), trained = lin.forward(x);
        assertTrue(maxAbsDiff(applied, trained) <= 1e-5, "max |Δ| " + maxAbsDiff(applied, trained));
    }

    /** GELU's inference path against the tanh formula in double and against the training forward, in both precisions. */
    @Test
    void geluApplyEqualsTheTanhFormula() {
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            Random rnd = new Random(7);
            INDArray x = normal(dt, rnd, 3.0, 33, 20);
            INDArray got = GeluTanh.apply(x);
            double[] xv = x.castTo(DataType.DOUBLE).data().asDouble();
            double[] expected = new double[xv.length];
            for (int i = 0; i < xv.length; i++)
                expected[i] = 0.5 * xv[i] * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (xv[i] + 0.044715 * xv[i] * xv[i] * xv[i])));
            double tol = dt == DataType.DOUBLE ? 1e-13 : 2e-6;
            INDArray ref = Nd4j.create(expected, x.shape(), 'c');
            assertTrue(maxAbsDiff(got, ref) <= tol, dt + ": max |Δ| " + maxAbsDiff(got, ref));
            INDArray trained = new GeluTanh().forward(x);
            assertTrue(maxAbsDiff(got, trained) <= tol, dt + " vs training forward: max |Δ| " + maxAbsDiff(got, trained));
        }
    }

    /** A conditioned block's inference: fp32 with the kernels is as close to the fp64 result as fp32 without them. */
    @Test
    void conditionedBlockInference() {
        INDArray reference = blockInference(DataType.DOUBLE, false)[0];
        INDArray[] withKernels = blockInference(DataType.FLOAT, true), without = blockInference(DataType.FLOAT, false);
        double errKernels = TestArrays.normRelErr(withKernels[0], reference), errNd4j = TestArrays.normRelErr(without[0], reference);
        assertTrue(errKernels <= Math.max(1.5 * errNd4j, 1e-6), "kernels " + errKernels + " vs ND4J ops " + errNd4j);
        assertEquals(0.0, maxAbsDiff(without[0], without[1]), "without kernels inference runs the training forward's ops");
    }

    /** Inference output and training-forward output of a seeded conditioned block. */
    private static INDArray[] blockInference(DataType dt, boolean kernels) {
        Random rnd = new Random(6);
        int batch = 2, c = 32;
        ParamStore store = new ParamStore(dt, 3);
        TransformerBlock block = new TransformerBlock(store.scope("b"), c, 4, 4 * c, true);
        TestArrays.randomizeParams(store, rnd, 0.3);
        TokenGroups groups = new TokenGroups(new int[]{0, 1, 2}, new int[]{0, 0, 0}, new int[]{1, 2, 5});
        INDArray x = normal(dt, rnd, 1.0, batch * 8, c), cond = normal(dt, rnd, 1.0, batch, c);
        AttentionMask mask = AttentionMask.levelCausal(groups);
        RowKernels.enabled = kernels;
        try {
            assertEquals(kernels, RowKernels.applies(x, cond));
            return new INDArray[]{block.apply(x, cond, batch, mask).castTo(DataType.DOUBLE),
                    block.forward(x, cond, batch, mask).castTo(DataType.DOUBLE)};
        } finally {
            RowKernels.enabled = true;
        }
    }

    /**
     * A conditioned block's training step (forward, backward, every parameter gradient and the conditioning
     * gradient), at a size where each kernel is split across two threads ({@link RowKernels#PARALLEL_MIN_ELEMENTS}):
     * fp32 with the kernels is as close to the fp64 result as fp32 without them.
     */
    @Test
    void trainingStepWithKernels() {
        INDArray[] reference = trainingStep(DataType.DOUBLE, false);
        INDArray[] withKernels = trainingStep(DataType.FLOAT, true), without = trainingStep(DataType.FLOAT, false);
        for (int i = 0; i < reference.length; i++) {
            double errKernels = TestArrays.normRelErr(withKernels[i], reference[i]);
            double errNd4j = TestArrays.normRelErr(without[i], reference[i]);
            assertTrue(errKernels <= Math.max(1.5 * errNd4j, 1e-6),
                    "tensor " + i + ": kernels " + errKernels + " vs ND4J ops " + errNd4j + " from the fp64 result");
        }
    }

    /** Output, dx, dCond and every parameter gradient of one step of a seeded conditioned block, in fp64. */
    private static INDArray[] trainingStep(DataType dt, boolean kernels) {
        int batch = 4, perLevel = 16, levels = 4, c = 128;
        assertTrue((long) batch * perLevel * levels * c >= RowKernels.PARALLEL_MIN_ELEMENTS);
        Random rnd = new Random(8);
        ParamStore store = new ParamStore(dt, 4);
        TransformerBlock block = new TransformerBlock(store.scope("b"), c, 4, 2 * c, true);
        TestArrays.randomizeParams(store, rnd, 0.2);
        AttentionMask mask = AttentionMask.levelCausal(TokenGroups.levelMajor(levels, 1, perLevel));
        INDArray x = normal(dt, rnd, 1.0, batch * perLevel * levels, c), cond = normal(dt, rnd, 1.0, batch, c);
        INDArray dy = normal(dt, rnd, 1.0, batch * perLevel * levels, c);
        RowKernels.enabled = kernels;
        try {
            assertEquals(kernels, RowKernels.applies(x, cond));
            INDArray y = block.forward(x, cond, batch, mask).dup();
            INDArray dCond = Nd4j.zeros(dt, batch, c);
            INDArray dx = block.backward(dy, dCond);
            List<INDArray> r = new ArrayList<>(List.of(y, dx, dCond));
            for (Param p : store.all()) r.add(p.grad());
            return r.stream().map(a -> a.castTo(DataType.DOUBLE)).toArray(INDArray[]::new);
        } finally {
            RowKernels.enabled = true;
        }
    }

    /** Head split into views (rows of a larger buffer) with the queries scaled, and the merge back: exact moves. */
    @Test
    void splitAndMergeHeads() {
        Random rnd = new Random(9);
        int batch = 3, t = 5, heads = 2, d = 4, c = heads * d;
        INDArray tokens = normal(DataType.FLOAT, rnd, 1.0, batch * t, 3 * c);
        INDArray[] expected = Heads.split(tokens, batch, 3, heads);
        INDArray q = Nd4j.createUninitialized(DataType.FLOAT, batch, heads, t, d);
        INDArray kBuf = Nd4j.valueArrayOf(new long[]{batch, heads, t + 3, d}, Float.NaN, DataType.FLOAT);
        INDArray vBuf = Nd4j.valueArrayOf(new long[]{batch, heads, t + 3, d}, Float.NaN, DataType.FLOAT);
        INDArray k = AttentionCore.rows(kBuf, 2, 2 + t), v = AttentionCore.rows(vBuf, 2, 2 + t);
        RowKernels.splitHeads(tokens, batch, heads, 0.5, new INDArray[]{q, k, v});
        assertEquals(0.0, maxAbsDiff(q, expected[0].mul(0.5)), "queries, scaled");
        assertEquals(0.0, maxAbsDiff(k, expected[1]), "keys");
        assertEquals(0.0, maxAbsDiff(v, expected[2]), "values");
        assertTrue(Double.isNaN(kBuf.getDouble(0, 0, 0, 0)) && Double.isNaN(vBuf.getDouble(batch - 1, heads - 1, t + 2, d - 1)),
                "rows outside the view untouched");
        assertEquals(0.0, maxAbsDiff(RowKernels.mergeHeads(q), Heads.merge(q)), "merge");
    }

    /** Cached attention fed group by group: with the head kernels as without them, and as the whole sequence at once. */
    @Test
    void cachedAttentionWithHeadKernels() {
        Random rnd = new Random(10);
        int batch = 2, c = 16;
        ParamStore store = new ParamStore(DataType.FLOAT, 5);
        MultiHeadAttention mha = new MultiHeadAttention(store.scope("a"), c, 4);
        TestArrays.randomizeParams(store, rnd, 0.4);
        TokenGroups groups = TokenGroups.levelMajor(3, 1, 4);
        INDArray x = normal(DataType.FLOAT, rnd, 1.0, batch * 12, c);
        INDArray full = mha.apply(x, batch, AttentionMask.levelCausal(groups));
        for (boolean kernels : new boolean[]{true, false}) {
            RowKernels.headsEnabled = kernels;
            KvCache cache = new KvCache(DataType.FLOAT, batch, 4, 12, c / 4);
            INDArray[] outs = new INDArray[3];
            for (int g = 0; g < 3; g++) {
                INDArray xg = x.reshape(batch, 12, c).get(NDArrayIndex.all(), NDArrayIndex.interval(4 * g, 4 * g + 4), NDArrayIndex.all())
                        .dup('c').reshape(batch * 4, c);
                outs[g] = mha.applyCached(xg, batch, groups.slice(g, g + 1), cache).reshape(batch, 4, c);
            }
            INDArray cached = Nd4j.concat(1, outs).reshape(batch * 12, c);
            double err = TestArrays.normRelErr(cached, full);
            assertTrue(err <= 1e-6, "head kernels " + kernels + ": relative error " + err);
        }
    }

    @Test
    void unsupportedArraysAreDeclinedOrRejected() {
        INDArray f = Nd4j.create(DataType.FLOAT, new long[]{4, 8}, 'f');
        assertFalse(RowKernels.applies(f));
        assertFalse(RowKernels.applies(Nd4j.create(DataType.HALF, 4, 8)));
        assertFalse(RowKernels.applies(Nd4j.create(DataType.DOUBLE, 4, 8)), "fp64 runs the ND4J ops");
        assertFalse(RowKernels.applies(Nd4j.create(DataType.FLOAT, 4, 8), Nd4j.create(DataType.DOUBLE, 4, 8)));
        assertFalse(RowKernels.applies(Nd4j.create(DataType.FLOAT, 2, 4, 8)));
        INDArray d = Nd4j.create(DataType.DOUBLE, 4, 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RowKernels.cubicArgument(d, 1, 1));
        assertTrue(e.getMessage().contains("fp32"), e.getMessage());
    }

    /** Column chunk {@code i} of width {@code c}: a view with row stride {@code m.columns()}. */
    private static INDArray columns(INDArray m, int i, int c) {
        return m.get(NDArrayIndex.all(), NDArrayIndex.interval((long) i * c, (long) (i + 1) * c));
    }
}
