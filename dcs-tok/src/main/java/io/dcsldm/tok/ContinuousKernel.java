package io.dcsldm.tok;

import io.dcsldm.core.nn.GeluTanh;
import io.dcsldm.core.nn.Linear;
import io.dcsldm.core.nn.ParamStore;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A learned function of the normalised in-patch position, {@code K(u, v, τ) = MLP(fourier(u, v, τ))},
 * evaluated at the pixel centres of whatever patch size is in use. It gives the tokenizer linear paths
 * between pixels and tokens that are defined on the continuous patch, not on a pixel grid:
 * <ul>
 * <li>analysis (patchifier): {@code token += (1/P)·Σ_p K(u_p)·x_p}, a Riemann sum of an integral over the
 * patch, so the result does not change with the resolution;</li>
 * <li>synthesis (depatchifier): {@code x(u) += Σ_tokens K'(u)·token}, evaluated at any output pixel.</li>
 * </ul>
 * Such linear paths learn in a few hundred steps what attention pooling needs thousands of steps for
 * (a PCA-like basis per patch); the attention paths add content-dependent detail on top.
 */
final class ContinuousKernel {
    private final Linear fc1;
    private final Linear fc2;
    private final GeluTanh act = new GeluTanh();

    ContinuousKernel(ParamStore.Scope s, int fourierWidth, int hidden, int out) {
        this.fc1 = new Linear(s.scope("fc1"), fourierWidth, hidden, true);
        // zero-initialised output: the linear path starts silent and grows as it learns, instead of adding
        // a large random term to every token/pixel at step 0 (which made early training unstable)
        this.fc2 = new Linear(s.scope("fc2"), hidden, out, true, 0.0);
    }

    /** {@code fourier: [P, F]} → {@code [P, out]}. */
    INDArray forward(INDArray fourier, boolean train) {
        return train ? fc2.forward(act.forward(fc1.forward(fourier))) : fc2.apply(GeluTanh.apply(fc1.apply(fourier)));
    }

    void backward(INDArray dy) {
        fc1.backwardParamsOnly(act.backward(fc2.backward(dy)));
    }
}
