package io.dcsldm.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The tanh approximation of GELU used by DiT, {@code ½x(1 + tanh(√(2/π)(x + 0.044715x³)))}, built from
 * primitives because ND4J's own {@code gelu} is the sigmoid form and {@code precise_gelu} is neither.
 *
 * <p>Computed through the identity {@code ½(1 + tanh(u)) = σ(2u)}: ND4J's sigmoid costs about half its
 * tanh on these machines, and the transcendental is the expensive part of this op. Keeps {@code x} and
 * {@code s = σ(2u)} for the backward.</p>
 */
public final class GeluTanh {
    static final double K = Math.sqrt(2.0 / Math.PI);
    static final double A = 0.044715;
    private INDArray x;
    private INDArray s;

    public INDArray forward(INDArray x) {
        this.x = x;
        s = gate(x);
        return s.mul(x);
    }

    public static INDArray apply(INDArray x) {
        return gate(x).muli(x);
    }

    /** {@code σ(2K·x·(1 + A·x²))}. */
    private static INDArray gate(INDArray x) {
        INDArray u = x.mul(x).muli(A).addi(1.0).muli(x).muli(2 * K);
        return Transforms.sigmoid(u, false);
    }

    /** dy/dx = s + x·s(1 − s)·2K(1 + 3A·x²). */
    public INDArray backward(INDArray dy) {
        INDArray d = x.mul(x).muli(3 * A).addi(1.0).muli(2 * K);     // 2K(1 + 3A x²)
        d.muli(x).muli(s).muli(s.rsub(1.0)).addi(s);
        return d.muli(dy);
    }
}
