package io.dcsldm.core.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.concurrent.ConcurrentHashMap;

/** Small numeric helpers shared by the modules. */
public final class Ops {
    private Ops() {}

    private static final ConcurrentHashMap<String, INDArray> ONES = new ConcurrentHashMap<>();

    /**
     * A detached {@code [1, n]} row of ones, cached per (dtype, n): bias gradients are {@code 1ᵀ·dy}
     * GEMMs, far faster in ND4J than {@code sum(0)}.
     */
    public static INDArray ones(DataType dt, long n) {
        return ONES.computeIfAbsent(dt + ":" + n, k -> {
            try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                return Nd4j.ones(dt, 1, n);
            }
        });
    }

    /**
     * {@code x[b, t, c] *= v[b, c]} for a token matrix {@code x: [B·T, C]} viewed as {@code [B, T, C]}:
     * per-sample modulation (adaLN scale and gate).
     */
    public static INDArray mulPerSample(INDArray x, INDArray v, int batch) {
        INDArray x3 = x.reshape(batch, x.rows() / batch, x.columns());
        Nd4j.getExecutioner().exec(new BroadcastMulOp(x3, v, x3, 0, 2));
        return x;
    }

    /** {@code x[b, t, c] += v[b, c]} (adaLN shift). */
    public static INDArray addPerSample(INDArray x, INDArray v, int batch) {
        INDArray x3 = x.reshape(batch, x.rows() / batch, x.columns());
        Nd4j.getExecutioner().exec(new BroadcastAddOp(x3, v, x3, 0, 2));
        return x;
    }

    /** {@code out[b, c] = Σ_t x[b, t, c]}: the gradient of a per-sample broadcast. */
    public static INDArray sumPerSample(INDArray x, int batch) {
        return x.reshape(batch, x.rows() / batch, x.columns()).sum(1);
    }
}
