package io.dcsldm.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** {@code SiLU(x) = x·σ(x)}; keeps x and σ(x) for the backward {@code σ(x)(1 + x(1 − σ(x)))}. */
public final class Silu {
    private INDArray x;
    private INDArray sig;

    public INDArray forward(INDArray x) {
        this.x = x;
        this.sig = Transforms.sigmoid(x, true);
        return x.mul(sig);
    }

    public static INDArray apply(INDArray x) {
        return x.mul(Transforms.sigmoid(x, true));
    }

    public INDArray backward(INDArray dy) {
        INDArray d = sig.rsub(1.0).muli(x).addi(1.0).muli(sig);
        return d.muli(dy);
    }
}
