package io.dcsldm.core.nn;

import io.dcsldm.core.mask.AttentionMask;
import io.dcsldm.core.mask.TokenGroups;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Random;

import static io.dcsldm.core.nn.TestArrays.maxAbsDiff;
import static io.dcsldm.core.nn.TestArrays.normal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused inference kernels ({@link RowKernels}) against the ND4J compositions they replace: layer norm +
 * adaLN modulation, the gated residual, the bias fill before a GEMM, and a whole conditioned block with the
 * kernels on and off. Operands are views (column chunks of a modulation matrix, rows of a larger buffer),
 * as in the block.
 */
class RowKernelsTest {
    @AfterEach
    void restore() { RowKernels.enabled = true; }

    @Test
    void normModulateEqualsLayerNormThenModulation() {
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            Random rnd = new Random(3);
            int batch = 4, t = 6, c = 40;
            INDArray x = normal(dt, rnd, 2.0, batch * t, c).addi(0.5);
            INDArray mod = normal(dt, rnd, 0.7, batch, 6 * c);
            INDArray shift = mod.get(NDArrayIndex.all(), NDArrayIndex.interval(c, 2 * c));
            INDArray scale = mod.get(NDArrayIndex.all(), NDArrayIndex.interval(2 * c, 3 * c));
            INDArray got = RowKernels.normModulate(x, 1e-6, shift, scale, batch);

            INDArray ln = new LayerNorm(new ParamStore(dt, 1).scope("ln"), c, 1e-6, false).apply(x);
            INDArray expected = Ops.addPerSample(Ops.mulPerSampleNew(ln, scale.add(1.0), batch), shift, batch);
            double tol = dt == DataType.DOUBLE ? 1e-12 : 2e-6;
            assertTrue(maxAbsDiff(got, expected) <= tol, dt + ": max |Δ| " + maxAbsDiff(got, expected));
        }
    }

    @Test
    void addGatedAndFillRowsOnViews() {
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            Random rnd = new Random(4);
            int batch = 3, t = 5, c = 24;
            INDArray big = normal(dt, rnd, 1.0, 2 * batch * t, c);
            INDArray x = big.get(NDArrayIndex.interval(batch * t, 2 * batch * t), NDArrayIndex.all()); // offset view
            INDArray y = normal(dt, rnd, 1.0, batch * t, c), y0 = y.dup();
            INDArray gate = normal(dt, rnd, 1.0, batch, 3 * c).get(NDArrayIndex.all(), NDArrayIndex.interval(c, 2 * c));
            RowKernels.addGated(x, y, gate, batch);
            INDArray expected = x.add(Ops.mulPerSampleNew(y0, gate, batch));
            double tol = dt == DataType.DOUBLE ? 1e-14 : 1e-6;
            assertTrue(maxAbsDiff(y, expected) <= tol, dt + " addGated: max |Δ| " + maxAbsDiff(y, expected));

            INDArray bias = normal(dt, rnd, 1.0, 1, c);
            INDArray out = Nd4j.createUninitialized(dt, 7, c);
            RowKernels.fillRows(out, bias);
            for (int r = 0; r < 7; r++) assertEquals(0.0, maxAbsDiff(out.getRow(r, true), bias), dt + " fillRows row " + r);
        }
    }

    @Test
    void linearApplyWithBiasFillEqualsForward() {
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            Random rnd = new Random(5);
            ParamStore store = new ParamStore(dt, 2);
            Linear lin = new Linear(store.scope("lin"), 48, 72, true);
            TestArrays.randomizeParams(store, rnd, 0.5);
            INDArray x = normal(dt, rnd, 1.0, 30, 48);
            INDArray applied = lin.apply(x), trained = lin.forward(x);
            double tol = dt == DataType.DOUBLE ? 1e-13 : 1e-5;
            assertTrue(maxAbsDiff(applied, trained) <= tol, dt + ": max |Δ| " + maxAbsDiff(applied, trained));
        }
    }

    /** GELU's inference path (kernel argument, ND4J sigmoid) against the tanh formula in double, and the training forward. */
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

    /** A conditioned block's inference with the kernels equals the same block with them switched off. */
    @Test
    void conditionedBlockEqualsTheNd4jComposition() {
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            Random rnd = new Random(6);
            int batch = 2, c = 32;
            ParamStore store = new ParamStore(dt, 3);
            TransformerBlock block = new TransformerBlock(store.scope("b"), c, 4, 4 * c, true);
            TestArrays.randomizeParams(store, rnd, 0.3);
            TokenGroups groups = new TokenGroups(new int[]{0, 1, 2}, new int[]{0, 0, 0}, new int[]{1, 2, 5});
            int t = 8;
            INDArray x = normal(dt, rnd, 1.0, batch * t, c), cond = normal(dt, rnd, 1.0, batch, c);
            AttentionMask mask = AttentionMask.levelCausal(groups);

            RowKernels.enabled = true;
            assertTrue(RowKernels.applies(x, cond));
            INDArray fused = block.apply(x, cond, batch, mask);
            RowKernels.enabled = false;
            assertFalse(RowKernels.applies(x));
            INDArray plain = block.apply(x, cond, batch, mask);
            INDArray trained = block.forward(x, cond, batch, mask);
            double tol = dt == DataType.DOUBLE ? 1e-13 : 2e-6; // relative: outputs reach tens with these weights
            double err = TestArrays.normRelErr(fused, plain);
            assertTrue(err <= tol, dt + ": kernels vs ND4J relative error " + err);
            assertTrue(maxAbsDiff(plain, trained) == 0.0, dt + ": without kernels inference is the training forward");
        }
    }

    /**
     * A conditioned block's training step (forward, backward, every parameter gradient and the conditioning
     * gradient) with the kernels against the ND4J ops, at a size where each kernel is split across two threads
     * ({@link RowKernels#PARALLEL_MIN_ELEMENTS}). In double they agree to 1e-12. In float both differ from the
     * double result by rounding; the kernels (statistics in double) must be no further from it than the ND4J ops.
     */
    @Test
    void trainingStepWithKernelsEqualsTheNd4jOps() {
        INDArray[] doubleKernels = trainingStep(DataType.DOUBLE, true), doubleNd4j = trainingStep(DataType.DOUBLE, false);
        INDArray[] floatKernels = trainingStep(DataType.FLOAT, true), floatNd4j = trainingStep(DataType.FLOAT, false);
        for (int i = 0; i < doubleKernels.length; i++) {
            double err = TestArrays.normRelErr(doubleKernels[i], doubleNd4j[i]);
            assertTrue(err <= 1e-12, "double: tensor " + i + " kernels vs ND4J relative error " + err);
            double errKernels = TestArrays.normRelErr(floatKernels[i], doubleNd4j[i]);
            double errNd4j = TestArrays.normRelErr(floatNd4j[i], doubleNd4j[i]);
            assertTrue(errKernels <= Math.max(1.5 * errNd4j, 1e-6),
                    "float: tensor " + i + " kernels " + errKernels + " vs ND4J ops " + errNd4j + " from the double result");
        }
    }

    /** Output, dx, dCond and every parameter gradient of one step of a seeded conditioned block. */
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
            INDArray y = block.forward(x, cond, batch, mask).dup();
            INDArray dCond = Nd4j.zeros(dt, batch, c);
            INDArray dx = block.backward(dy, dCond);
            java.util.List<INDArray> r = new java.util.ArrayList<>(java.util.List.of(y, dx, dCond));
            for (Param p : store.all()) r.add(p.grad().castTo(DataType.DOUBLE));
            return r.stream().map(a -> a.castTo(DataType.DOUBLE)).toArray(INDArray[]::new);
        } finally {
            RowKernels.enabled = true;
        }
    }

    @Test
    void unsupportedLayoutsAreDeclined() {
        INDArray f = Nd4j.create(DataType.FLOAT, new long[]{4, 8}, 'f');
        INDArray half = Nd4j.create(DataType.HALF, 4, 8);
        INDArray mixed = Nd4j.create(DataType.DOUBLE, 4, 8);
        assertFalse(RowKernels.applies(f));
        assertFalse(RowKernels.applies(half));
        assertFalse(RowKernels.applies(Nd4j.create(DataType.FLOAT, 4, 8), mixed));
        assertFalse(RowKernels.applies(Nd4j.create(DataType.FLOAT, 2, 4, 8)));
    }
}
