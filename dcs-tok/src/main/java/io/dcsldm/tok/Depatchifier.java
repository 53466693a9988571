package io.dcsldm.tok;

import io.dcsldm.core.embed.Sinusoidal;
import io.dcsldm.core.nn.LayerNorm;
import io.dcsldm.core.nn.Linear;
import io.dcsldm.core.nn.Mlp;
import io.dcsldm.core.nn.Ops;
import io.dcsldm.core.nn.ParamStore;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Latent-to-Pixel Attention (DESIGN §2.5). For the requested output scale every pixel of a patch is a
 * query built from the Fourier features of its normalised position; it attends to the decoded tokens of
 * its own patch (only the available levels) and an MLP maps the result to pixel values. The output size
 * is an argument of each call, so one latent renders at any scale.
 *
 * <p>Queries depend only on the in-patch position, so they are computed once per call ({@code [P, Dp]})
 * and shared by all patches; the scores of all patches are one GEMM {@code K·Qᵀ}. Levels a sample does
 * not have are excluded by setting their scores to −10³⁰ before the softmax (exactly zero weight), which
 * lets one batch mix samples truncated to different levels during training.</p>
 */
final class Depatchifier {
    private static final double MASKED = -1e30;
    private final TokConfig cfg;
    private final Linear queryPos;  // fourier → Dp
    private final LayerNorm normKv;
    private final Linear kv;        // D → 2·Dp
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final LayerNorm normOut;
    private final Linear out;       // Dp → C
    private final double scale;
    // forward cache
    private int sequences, pixels, keys;
    private INDArray q, k, v, prob;

    Depatchifier(ParamStore.Scope s, TokConfig cfg) {
        this.cfg = cfg;
        int dp = cfg.pixelWidth;
        this.queryPos = new Linear(s.scope("queryPos"), Sinusoidal.fourierWidth(3, cfg.fourierFreqs), dp, true);
        this.normKv = new LayerNorm(s.scope("normKv"), cfg.width, 1e-6, true);
        this.kv = new Linear(s.scope("kv"), cfg.width, 2 * dp, true);
        this.norm2 = new LayerNorm(s.scope("norm2"), dp, 1e-6, true);
        this.mlp = new Mlp(s.scope("mlp"), dp, cfg.mlpRatio * dp, dp);
        this.normOut = new LayerNorm(s.scope("normOut"), dp, 1e-6, true);
        this.out = new Linear(s.scope("out"), dp, cfg.channels, true);
        this.scale = 1.0 / Math.sqrt(dp);
    }

    /**
     * {@code tokens: [S·n, D]} decoded tokens per patch ({@code n} = levels·m present), {@code keep: [S, n]}
     * 1 for usable tokens and 0 for levels beyond a sample's truncation (null: all usable),
     * {@code fourier: [P, F]} for the output patch size → pixel values {@code [S·P, C]} in [−1, 1] scale.
     */
    INDArray forward(INDArray tokens, INDArray keep, INDArray fourier, int sequences, boolean train) {
        int dp = cfg.pixelWidth;
        this.sequences = sequences;
        this.pixels = (int) fourier.rows();
        this.keys = (int) (tokens.rows() / sequences);
        q = train ? queryPos.forward(fourier) : queryPos.apply(fourier);             // [P, Dp]
        INDArray kvOut = train ? kv.forward(normKv.forward(tokens)) : kv.apply(normKv.apply(tokens));
        k = kvOut.get(NDArrayIndex.all(), NDArrayIndex.interval(0, dp)).dup('c');   // [S·n, Dp]
        v = kvOut.get(NDArrayIndex.all(), NDArrayIndex.interval(dp, 2 * dp)).dup('c');
        INDArray scores = Nd4j.createUninitialized(tokens.dataType(), (long) sequences * keys, pixels);
        Nd4j.gemm(k, q, scores, false, true, scale, 0.0);
        INDArray s3 = scores.reshape(sequences, keys, pixels);
        if (keep != null) {
            Nd4j.getExecutioner().exec(new BroadcastMulOp(s3, keep, s3, 0, 1));
            INDArray bias = keep.rsub(1.0).muli(MASKED);
            Nd4j.getExecutioner().exec(new BroadcastAddOp(s3, bias, s3, 0, 1));
        }
        Nd4j.exec(new SoftMax(s3, s3, 1));
        prob = s3;
        INDArray o = Nd4j.matmul(prob, v.reshape(sequences, keys, dp), null, true, false, false) // [S, P, Dp]
                .reshape((long) sequences * pixels, dp);
        Ops.addPerPosition(o, q, sequences);
        INDArray x2 = (train ? mlp.forward(norm2.forward(o)) : mlp.apply(norm2.apply(o))).addi(o);
        return train ? out.forward(normOut.forward(x2)) : out.apply(normOut.apply(x2));
    }

    /** Backward of a training forward; returns the gradient w.r.t. the decoded tokens. */
    INDArray backward(INDArray dy) {
        int dp = cfg.pixelWidth;
        INDArray dx2 = normOut.backward(out.backward(dy));
        INDArray dx1 = norm2.backward(mlp.backward(dx2)).addi(dx2);          // [S·P, Dp] = dO, and dq part
        INDArray dq = Ops.sumOverSequences(dx1, sequences);                  // [P, Dp]
        INDArray dO = dx1.reshape(sequences, pixels, dp);
        INDArray v3 = v.reshape(sequences, keys, dp);
        INDArray dProb = Nd4j.matmul(v3, dO, null, false, true, false);      // [S, n, P]
        INDArray dv = Nd4j.matmul(prob, dO, null, false, false, false);      // [S, n, Dp]
        INDArray rowDot = dProb.mul(prob).sum(true, 1);                      // softmax over the key axis
        INDArray dScores = dProb.subi(rowDot).muli(prob).reshape((long) sequences * keys, pixels);
        INDArray dk = Nd4j.createUninitialized(dy.dataType(), (long) sequences * keys, dp);
        Nd4j.gemm(dScores, q, dk, false, false, scale, 0.0);
        Nd4j.gemm(dScores, k, dq, true, false, scale, 1.0);
        queryPos.backwardParamsOnly(dq);
        INDArray dkv = Nd4j.concat(1, dk, dv.reshape((long) sequences * keys, dp));
        return normKv.backward(kv.backward(dkv));
    }
}
