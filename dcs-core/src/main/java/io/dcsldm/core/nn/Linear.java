package io.dcsldm.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code y = x·W + b} on row-major token matrices {@code x: [N, in]}. {@code W} is stored {@code [in, out]}
 * so the forward is one GEMM with no transposes.
 *
 * <p>Backward: {@code dW += xᵀ·dy} and {@code db += dyᵀ·1} as GEMMs with β = 1 straight into the
 * gradient buffers (see {@link Ops#addColumnSums}), {@code dx = dy·Wᵀ}.</p>
 */
public final class Linear {
    private final Param w;
    private final Param b; // null when the layer has no bias
    private final int in;
    private final int out;
    private INDArray x; // cached input of the last forward

    /** Xavier-uniform weights and zero bias, as in DiT. */
    public Linear(ParamStore.Scope scope, int in, int out, boolean bias) {
        this(scope, in, out, bias, Math.sqrt(6.0 / (in + out)));
    }

    /** Uniform(−a, a) weights; {@code a = 0} gives a zero-initialised layer (adaLN-Zero, final layers). */
    public Linear(ParamStore.Scope scope, int in, int out, boolean bias, double a) {
        this.in = in;
        this.out = out;
        this.w = a == 0 ? scope.constant("w", 0, true, in, out) : scope.uniform("w", a, true, in, out);
        this.b = bias ? scope.constant("b", 0, false, 1, out) : null;
    }

    public int in() { return in; }

    public int out() { return out; }

    public Param weight() { return w; }

    public Param bias() { return b; }

    /** Forward for training: caches {@code x} for {@link #backward}. */
    public INDArray forward(INDArray x) {
        this.x = x;
        return project(x, false);
    }

    /** Forward without caching anything (inference). */
    public INDArray apply(INDArray x) {
        return project(x, true);
    }

    /**
     * {@code x·W + b}. For inference ({@code fillBias}) the bias is written into the output rows by a Java
     * pass and the GEMM adds into them (beta = 1): one ND4J op fewer per layer (docs/dit.md). Training keeps
     * GEMM then bias add, so training runs are unchanged by inference-only speed-ups.
     */
    private INDArray project(INDArray x, boolean fillBias) {
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.rows(), out);
        if (b != null && fillBias && RowKernels.applies(y, b.value())) {
            RowKernels.fillRows(y, b.value());
            Nd4j.gemm(x, w.value(), y, false, false, 1.0, 1.0);
            return y;
        }
        Nd4j.gemm(x, w.value(), y, false, false, 1.0, 0.0);
        if (b != null) y.addiRowVector(b.value());
        return y;
    }

    /** Accumulates dW, db and returns dx. */
    public INDArray backward(INDArray dy) {
        accumulateGrads(x, dy);
        INDArray dx = Nd4j.createUninitialized(dy.dataType(), dy.rows(), in);
        Nd4j.gemm(dy, w.value(), dx, false, true, 1.0, 0.0);
        return dx;
    }

    /** Only the parameter gradients (for a layer whose input needs no gradient). */
    public void backwardParamsOnly(INDArray dy) {
        accumulateGrads(x, dy);
    }

    private void accumulateGrads(INDArray x, INDArray dy) {
        Nd4j.gemm(x, dy, w.grad(), true, false, 1.0, 1.0);
        if (b != null) Ops.addColumnSums(dy, b.grad());
    }
}
