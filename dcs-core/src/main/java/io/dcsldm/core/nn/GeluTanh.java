package io.dcsldm.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The tanh approximation of GELU used by DiT, {@code ½x(1 + tanh(√(2/π)(x + 0.044715x³)))}, built from
 * primitives because ND4J's own {@code gelu} is the sigmoid form and {@code precise_gelu} is neither.
 *
 * <p>Computed through the identity {@code ½(1 + tanh(u)) = σ(2u)}: ND4J's sigmoid costs about half its
 * tanh on these machines, and the transcendental is the expensive part of this op. Keeps {@code x},
 * {@code s = σ(2u)} and the output for the backward.</p>
 */
public final class GeluTanh {
    static final double K = Math.sqrt(2.0 / Math.PI);
    static final double A = 0.044715;
    private INDArray x;
    private INDArray s;
    private INDArray y;

    /** Training forward; keeps x, s and the returned y for {@link #backward} (callers must not modify y in place). */
    public INDArray forward(INDArray x) {
        this.x = x;
        s = gate(x);
        y = s.mul(x);
        return y;
    }

    /** Inference: the argument in one {@link RowKernels} pass where it applies, then ND4J's sigmoid and product. */
    public static INDArray apply(INDArray x) {
        if (!RowKernels.applies(x)) return gate(x).muli(x);
        return Transforms.sigmoid(RowKernels.cubicArgument(x, 2 * K, A), false).muli(x);
    }

    /** {@code σ(x·(2K + 2KA·x²))}: five passes over x-sized arrays (one fewer than {@code 2K·x·(1 + A·x²)}). */
    private static INDArray gate(INDArray x) {
        INDArray u = x.mul(x).muli(2 * K * A).addi(2 * K).muli(x);
        return Transforms.sigmoid(u, false);
    }

    /** dy/dx = s + x·s(1 − s)·2K(1 + 3A·x²), with x·s = y from the forward: eight passes. */
    public INDArray backward(INDArray dy) {
        INDArray d = x.mul(x).muli(6 * K * A).addi(2 * K);     // 2K(1 + 3A x²)
        d.muli(y).muli(s.rsub(1.0)).addi(s);
        return d.muli(dy);
    }
}
