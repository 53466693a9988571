package io.dcsldm.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.floating.SquaredNorm;
import org.nd4j.linalg.api.ops.impl.reduce3.Dot;
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

    public double eps() { return eps; }

    public LayerNorm(ParamStore.Scope scope, int channels, double eps, boolean affine) {
        this.channels = channels;
        this.eps = eps;
        this.gamma = affine ? scope.constant("g", 1, false, 1, channels) : null;
        this.beta = affine ? scope.constant("b", 0, false, 1, channels) : null;
    }

    public int channels() { return channels; }

    /*
     * Each pass over x costs about as much as the arithmetic here, so the row statistics are single reductions:
     * Σ x_c² as one squared-norm reduction (not a square then a mean) and, in the backward, Σ g·x̂ as one row-wise
     * dot product. Same sums in the same order, so the results are bit-identical to the two-pass forms; the
     * forward of a [2048, 256] input took 1.0–1.3 ms against 1.5–1.7 ms (a microbenchmark, one JVM, alternating).
     */
    public INDArray forward(INDArray x) {
        long n = x.rows();
        INDArray mean = x.mean(true, 1);
        INDArray xc = x.sub(mean);
        INDArray sq = Nd4j.createUninitialized(x.dataType(), n);
        Nd4j.exec(new SquaredNorm(xc, sq, false, 1));
        rstd = Transforms.pow(sq.reshape(n, 1).divi(x.columns()).addi(eps), -0.5, false);
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
        long n = g.rows();
        INDArray meanG = g.mean(true, 1);
        INDArray dot = Nd4j.createUninitialized(g.dataType(), n);
        Nd4j.exec(new Dot(g, xhat, dot, 1));
        INDArray meanGX = dot.reshape(n, 1).divi(g.columns());
        // dx = rstd · (g − mean(g) − x̂ · mean(g·x̂))
        INDArray dx = xhat.mulColumnVector(meanGX);
        dx.rsubi(g).subiColumnVector(meanG).muliColumnVector(rstd);
        return dx;
    }
}
