package io.dcsldm.tok;

import io.dcsldm.core.embed.Sinusoidal;
import io.dcsldm.core.nn.LayerNorm;
import io.dcsldm.core.nn.Linear;
import io.dcsldm.core.nn.Mlp;
import io.dcsldm.core.nn.Ops;
import io.dcsldm.core.nn.ParamStore;
import io.dcsldm.core.nn.SharedQueryAttention;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Latent-to-Pixel Attention (DESIGN §2.5). For the requested output scale every pixel of a patch is a
 * query built from the Fourier features of its normalised position; it attends to the decoded tokens of
 * its own patch (only the available levels) and an MLP maps the result to pixel values. The output size
 * is an argument of each call, so one latent renders at any scale.
 *
 * <p>Queries depend only on the in-patch position, so they are computed once per call ({@code [P, Dp]})
 * and shared by all patches ({@link SharedQueryAttention}). Levels a sample does not have are masked out
 * of its keys, which lets one batch mix samples truncated to different levels during training.</p>
 */
final class Depatchifier {
    private final TokConfig cfg;
    private final Linear queryPos;  // fourier → Dp
    private final LayerNorm normKv;
    private final Linear kv;        // D → 2·Dp
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final LayerNorm normOut;
    private final Linear out;       // Dp → C
    private final SharedQueryAttention attn;
    private final ContinuousKernel synthesis; // (u, v, τ) → C·L·m·D linear rendering of the tokens
    // forward cache
    private int sequences, pixels;
    private INDArray q, tokensKept, kernel, keep;

    Depatchifier(ParamStore.Scope s, TokConfig cfg) {
        this.cfg = cfg;
        int dp = cfg.pixelWidth;
        this.queryPos = new Linear(s.scope("queryPos"), Sinusoidal.fourierWidth(3, cfg.fourierFreqs), dp, true);
        this.normKv = new LayerNorm(s.scope("normKv"), cfg.width, 1e-6, true);
        this.kv = new Linear(s.scope("kv"), cfg.width, 2 * dp, true);
        this.norm2 = new LayerNorm(s.scope("norm2"), dp, 1e-6, true);
        this.mlp = new Mlp(s.scope("mlp"), dp, cfg.pixelMlpRatio * dp, dp);
        this.normOut = new LayerNorm(s.scope("normOut"), dp, 1e-6, true);
        // with a linear code this path is a residual on the linear reconstruction and starts at zero
        this.out = cfg.linearCode ? new Linear(s.scope("out"), dp, cfg.channels, true, 0) : new Linear(s.scope("out"), dp, cfg.channels, true);
        this.attn = new SharedQueryAttention(dp);
        this.synthesis = new ContinuousKernel(s.scope("synthesis"), Sinusoidal.fourierWidth(3, cfg.fourierFreqs), dp,
                cfg.channels * cfg.tokensPerPatch() * cfg.width);
    }

    /**
     * {@code tokens: [S·n, D]} decoded tokens per patch ({@code n} = levels·m present), {@code keep: [S, n]}
     * 1 for usable tokens and 0 for levels beyond a sample's truncation (null: all usable),
     * {@code fourier: [P, F]} for the output patch size → pixel values {@code [S·P, C]} in [−1, 1] scale.
     */
    INDArray forward(INDArray tokens, INDArray keep, INDArray fourier, int sequences, boolean train) {
        int dp = cfg.pixelWidth;
        this.sequences = sequences;
        q = train ? queryPos.forward(fourier) : queryPos.apply(fourier);             // [P, Dp]
        INDArray tn = train ? normKv.forward(tokens) : normKv.apply(tokens);
        INDArray kvOut = train ? kv.forward(tn) : kv.apply(tn);
        INDArray k = kvOut.get(NDArrayIndex.all(), NDArrayIndex.interval(0, dp)).dup('c');   // [S·n, Dp]
        INDArray v = kvOut.get(NDArrayIndex.all(), NDArrayIndex.interval(dp, 2 * dp)).dup('c');
        INDArray o = attn.forward(q, k, v, keep, sequences);                       // [S·P, Dp]
        Ops.addPerPosition(o, q, sequences);
        INDArray x2 = (train ? mlp.forward(norm2.forward(o)) : mlp.apply(norm2.apply(o))).addi(o);
        INDArray y = train ? out.forward(normOut.forward(x2)) : out.apply(normOut.apply(x2));
        // linear rendering: x(u) += Σ_tokens K'(u)·token over the tokens a sample has, one GEMM for all patches
        this.pixels = (int) fourier.rows();
        this.keep = keep;
        int lm = (int) (tokens.rows() / sequences), c = cfg.channels;
        INDArray t3 = tn.dup('c').reshape(sequences, lm, cfg.width);
        if (keep != null) Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp(t3, keep, t3, 0, 1));
        tokensKept = t3.reshape(sequences, (long) lm * cfg.width);
        INDArray kk = synthesis.forward(fourier, train);                                 // [P, C·Lm·D]
        if (lm != cfg.tokensPerPatch())                                                   // a prefix: its leading tokens' kernels
            kk = kk.reshape((long) pixels * c, cfg.tokensPerPatch(), cfg.width)
                    .get(NDArrayIndex.all(), NDArrayIndex.interval(0, lm), NDArrayIndex.all()).dup('c');
        kernel = kk.reshape((long) pixels * c, (long) lm * cfg.width);
        INDArray lin = Nd4j.createUninitialized(y.dataType(), sequences, (long) pixels * c);
        Nd4j.gemm(tokensKept, kernel, lin, false, true, 1.0, 0.0);
        return y.addi(lin.reshape((long) sequences * pixels, c));
    }

    /** Backward of a training forward; returns the gradient w.r.t. the decoded tokens. */
    INDArray backward(INDArray dy) {
        int c = cfg.channels, lm = cfg.tokensPerPatch();
        INDArray dLin = dy.reshape(sequences, (long) pixels * c);
        INDArray dKernel = Nd4j.createUninitialized(dy.dataType(), (long) pixels * c, (long) lm * cfg.width);
        Nd4j.gemm(dLin, tokensKept, dKernel, true, false, 1.0, 0.0);
        synthesis.backward(dKernel.reshape(pixels, (long) c * lm * cfg.width));
        INDArray dTn = Nd4j.createUninitialized(dy.dataType(), sequences, (long) lm * cfg.width);
        Nd4j.gemm(dLin, kernel, dTn, false, false, 1.0, 0.0);
        INDArray dT3 = dTn.reshape(sequences, lm, cfg.width);
        if (keep != null) Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp(dT3, keep, dT3, 0, 1));
        INDArray dx2 = normOut.backward(out.backward(dy));
        INDArray dx1 = norm2.backward(mlp.backward(dx2)).addi(dx2);          // dO, and the query residual
        INDArray[] d = attn.backward(dx1);
        INDArray dq = Ops.sumOverSequences(dx1, sequences).addi(d[0]);       // [P, Dp]
        queryPos.backwardParamsOnly(dq);
        INDArray dtn = kv.backward(Nd4j.concat(1, d[1], d[2])).addi(dT3.reshape((long) sequences * lm, cfg.width));
        return normKv.backward(dtn);
    }
}
