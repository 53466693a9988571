package io.dcsldm.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The tanh approximation of GELU used by DiT, {@code ½x(1 + tanh(√(2/π)(x + 0.044715x³)))}, built from
 * primitives because ND4J's own {@code gelu} is the sigmoid form and {@code precise_gelu} is neither.
 * Keeps {@code x} and {@code tanh(·)} for the backward.
 */
public final class GeluTanh {
    static final double K = Math.sqrt(2.0 / Math.PI);
    static final double A = 0.044715;
    private INDArray x;
    private INDArray t;

    public INDArray forward(INDArray x) {
        this.x = x;
        // inner = K·x·(1 + A·x²)
        INDArray inner = x.mul(x).muli(A).addi(1.0).muli(x).muli(K);
        t = Transforms.tanh(inner, false);
        return t.add(1.0).muli(x).muli(0.5);
    }

    public static INDArray apply(INDArray x) {
        INDArray inner = x.mul(x).muli(A).addi(1.0).muli(x).muli(K);
        INDArray t = Transforms.tanh(inner, false);
        return t.addi(1.0).muli(x).muli(0.5);
    }

    /** dy/dx = ½(1 + t) + ½x(1 − t²)·K(1 + 3A·x²). */
    public INDArray backward(INDArray dy) {
        INDArray x2 = x.mul(x);
        INDArray dInner = x2.muli(3 * A).addi(1.0).muli(K);          // K(1 + 3A x²)
        INDArray sech2 = t.mul(t).rsubi(1.0);                          // 1 − t²
        INDArray d = sech2.muli(dInner).muli(x).addi(t).addi(1.0).muli(0.5);
        return d.muli(dy);
    }
}
