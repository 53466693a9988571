package io.dcsldm.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code fc2(GELU_tanh(fc1(x)))}, the transformer feed-forward with hidden width {@code ratio·C}. */
public final class Mlp {
    private final Linear fc1;
    private final Linear fc2;
    private final GeluTanh act = new GeluTanh();

    public Mlp(ParamStore.Scope scope, int channels, int hidden, int out) {
        this.fc1 = new Linear(scope.scope("fc1"), channels, hidden, true);
        this.fc2 = new Linear(scope.scope("fc2"), hidden, out, true);
    }

    public INDArray forward(INDArray x) {
        return fc2.forward(act.forward(fc1.forward(x)));
    }

    public INDArray apply(INDArray x) {
        return fc2.apply(GeluTanh.apply(fc1.apply(x)));
    }

    public INDArray backward(INDArray dy) {
        return fc1.backward(act.backward(fc2.backward(dy)));
    }
}
