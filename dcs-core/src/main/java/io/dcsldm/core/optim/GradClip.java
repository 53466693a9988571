package io.dcsldm.core.optim;

import io.dcsldm.core.nn.Param;

import java.util.List;

/** Global-norm gradient clipping (as {@code torch.nn.utils.clip_grad_norm_}). */
public final class GradClip {
    private GradClip() {}

    /** L2 norm of all gradients together (NaN/Inf when any gradient is). */
    public static double globalNorm(List<Param> params) {
        double sq = 0;
        for (Param p : params) {
            double n = p.grad().norm2Number().doubleValue();
            sq += n * n;
        }
        return Math.sqrt(sq);
    }

    /** Scales all gradients so their global norm is at most {@code maxNorm}; returns the norm before. */
    public static double clip(List<Param> params, double maxNorm) {
        double norm = globalNorm(params);
        if (maxNorm > 0 && norm > maxNorm && Double.isFinite(norm)) {
            double s = maxNorm / (norm + 1e-6);
            for (Param p : params) p.grad().muli(s);
        }
        return norm;
    }
}
