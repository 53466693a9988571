package io.dcsldm.core.optim;

import io.dcsldm.core.nn.Param;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/** Global-norm gradient clipping (as {@code torch.nn.utils.clip_grad_norm_}). */
public final class GradClip {
    private GradClip() {}

    /**
     * L2 norm of all gradients together (NaN/Inf when any gradient is): {@code sqrt(Σ_p ‖g_p‖²)} with each
     * parameter's norm computed in its own dtype and the sum of squares accumulated in double, in parameter
     * order. The accumulation stays on the device; only the final sum is copied to the host (one
     * synchronisation per call on a GPU, not one per parameter).
     */
    public static double globalNorm(List<Param> params) {
        INDArray sq = null;
        for (Param p : params) {
            INDArray n = p.grad().norm2().castTo(DataType.DOUBLE);
            INDArray s = n.mul(n);
            sq = sq == null ? s : sq.addi(s);
        }
        return sq == null ? 0.0 : Math.sqrt(sq.getDouble(0));
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
