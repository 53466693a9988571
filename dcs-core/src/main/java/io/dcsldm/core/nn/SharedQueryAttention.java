package io.dcsldm.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Single-head attention whose {@code Q} queries are the same for all {@code S} sequences, each sequence
 * with its own {@code K} keys and values. This is the shape of both pixel-side attentions of DCS-Tok:
 * latent queries reading a patch's pixels (PLA) and pixel-position queries reading a patch's tokens
 * (LPA). Sharing the queries turns the scores of all sequences into one GEMM, {@code K_all·Qᵀ}, instead
 * of {@code S} tiny batched products — the difference between a few and a few hundred milliseconds per
 * step at these shapes.
 *
 * <p>Keys a sequence may not use ({@code keep = 0}) get a score of −10³⁰ before the softmax: exactly zero
 * weight, and their values are multiplied by zero, so whatever they hold cannot change the output.</p>
 */
public final class SharedQueryAttention {
    private static final double MASKED = -1e30;
    private final double scale;
    private int sequences, queries, keys;
    private INDArray q, k, v, prob;

    public SharedQueryAttention(int dim) {
        this.scale = 1.0 / Math.sqrt(dim);
    }

    /**
     * {@code q: [Q, d]}, {@code k, v: [S·K, d]}, {@code keep: [S, K]} of 0/1 or null →
     * {@code [S·Q, d]}, rows grouped by sequence.
     */
    public INDArray forward(INDArray q, INDArray k, INDArray v, INDArray keep, int sequences) {
        this.q = q;
        this.k = k;
        this.v = v;
        this.sequences = sequences;
        this.queries = (int) q.rows();
        this.keys = (int) (k.rows() / sequences);
        long d = q.columns();
        INDArray scores = Nd4j.createUninitialized(q.dataType(), (long) sequences * keys, queries);
        Nd4j.gemm(k, q, scores, false, true, scale, 0.0);
        INDArray s3 = scores.reshape(sequences, keys, queries);
        if (keep != null) {
            Nd4j.getExecutioner().exec(new BroadcastMulOp(s3, keep, s3, 0, 1));
            Nd4j.getExecutioner().exec(new BroadcastAddOp(s3, keep.rsub(1.0).muli(MASKED), s3, 0, 1));
        }
        Nd4j.exec(new SoftMax(s3, s3, 1)); // over the keys of each sequence
        prob = s3;
        return Nd4j.matmul(prob, v.reshape(sequences, keys, d), null, true, false, false) // [S, Q, d]
                .reshape((long) sequences * queries, d);
    }

    /** Returns {dq [Q, d], dk [S·K, d], dv [S·K, d]} for {@code dOut: [S·Q, d]}. */
    public INDArray[] backward(INDArray dOut) {
        long d = q.columns();
        INDArray dO = dOut.reshape(sequences, queries, d);
        INDArray dProb = Nd4j.matmul(v.reshape(sequences, keys, d), dO, null, false, true, false); // [S, K, Q]
        INDArray dv = Nd4j.matmul(prob, dO, null, false, false, false);                          // [S, K, d]
        INDArray rowDot = dProb.mul(prob).sum(true, 1);
        INDArray dScores = dProb.subi(rowDot).muli(prob).reshape((long) sequences * keys, queries);
        INDArray dk = Nd4j.createUninitialized(dOut.dataType(), (long) sequences * keys, d);
        Nd4j.gemm(dScores, q, dk, false, false, scale, 0.0);
        INDArray dq = Nd4j.createUninitialized(dOut.dataType(), queries, d);
        Nd4j.gemm(dScores, k, dq, true, false, scale, 0.0);
        return new INDArray[]{dq, dk, dv.reshape((long) sequences * keys, d)};
    }
}
