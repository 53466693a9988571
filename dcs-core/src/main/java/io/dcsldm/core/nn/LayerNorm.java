package io.dcsldm.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Layer normalisation over the channel axis of {@code x: [N, C]} with an epsilon (SameDiff's
 * {@code layerNorm} has none, so constant rows give NaN there) and an optional affine {@code γ, β}.
 * adaLN blocks use it without affine: the modulation supplies scale and shift.
 */
public final class LayerNorm {
    private final int channels;
    private final double eps;
    private final Param gamma; // null without affine
    private final Param beta;
    private INDArray xhat;
    private INDArray rstd;

    public LayerNorm(ParamStore.Scope scope, int channels, double eps, boolean affine) {
        this.channels = channels;
        this.eps = eps;
        this.gamma = affine ? scope.constant("g", 1, false, 1, channels) : null;
        this.beta = affine ? scope.constant("b", 0, false, 1, channels) : null;
    }

    public int channels() { return channels; }

    public INDArray forward(INDArray x) {
        INDArray mean = x.mean(true, 1);
        INDArray xc = x.subColumnVector(mean);
        INDArray var = xc.mul(xc).mean(true, 1);
        rstd = Transforms.pow(var.addi(eps), -0.5, false);
        xhat = xc.muliColumnVector(rstd);
        if (gamma == null) return xhat;
        return xhat.mulRowVector(gamma.value()).addiRowVector(beta.value());
    }

    public INDArray apply(INDArray x) {
        INDArray savedX = xhat, savedR = rstd;
        INDArray y = forward(x);
        xhat = savedX;
        rstd = savedR;
        return y;
    }

    public INDArray backward(INDArray dy) {
        INDArray g = dy;
        if (gamma != null) {
            Ops.addColumnSums(dy.mul(xhat), gamma.grad());
            Ops.addColumnSums(dy, beta.grad());
            g = dy.mulRowVector(gamma.value());
        }
        INDArray meanG = g.mean(true, 1);
        INDArray meanGX = g.mul(xhat).mean(true, 1);
        // dx = rstd · (g − mean(g) − x̂ · mean(g·x̂))
        INDArray dx = xhat.mulColumnVector(meanGX);
        dx.rsubi(g).subiColumnVector(meanG).muliColumnVector(rstd);
        return dx;
    }
}
