package io.dcsldm.tok;

import io.dcsldm.core.embed.Sinusoidal;
import io.dcsldm.core.nn.LayerNorm;
import io.dcsldm.core.nn.Linear;
import io.dcsldm.core.nn.Mlp;
import io.dcsldm.core.nn.Ops;
import io.dcsldm.core.nn.Param;
import io.dcsldm.core.nn.ParamStore;
import io.dcsldm.core.nn.SharedQueryAttention;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Pixel-to-Latent Attention (DESIGN §2.2): per patch, {@code L·m} learned latent queries attend to the
 * patch's pixel tokens; the result, after an MLP, is {@code L·m} tokens per patch.
 *
 * <p>A pixel token is its value plus Fourier features of its normalised position in the patch, so one
 * network reads any patch size. Every patch of every sample is an independent sequence; the cost is
 * queries × pixels, linear in the resolution.</p>
 *
 * <p>The queries read pixels only, not each other: each latent token of a patch then depends on the
 * pixels and its own query alone, so level causality inside the patch holds trivially, and the queries
 * being the same for every patch makes the whole attention a few large GEMMs
 * ({@link SharedQueryAttention}). Mixing between levels happens in the level-causal encoder.</p>
 */
final class Patchifier {
    private final TokConfig cfg;
    private final Linear pixelValue;   // C → Dp
    private final Linear pixelPos;     // fourier → Dp (computed once per patch size, shared by all patches)
    private final Param queries;       // [L·m, Dp] learned latent queries
    private final LayerNorm normQ;
    private final Linear qProj;        // Dp → Dp
    private final Linear kvProj;       // Dp → 2·Dp
    private final Linear proj;         // Dp → Dp
    private final SharedQueryAttention attn;
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final Linear out;          // Dp → D
    private final ContinuousKernel analysis; // (u, v, τ) → C·L·m·Dp linear read-out of the patch
    private int sequences, pixels;
    private INDArray pixelsFlat, kernel;

    Patchifier(ParamStore.Scope s, TokConfig cfg) {
        this.cfg = cfg;
        int dp = cfg.pixelWidth;
        this.pixelValue = new Linear(s.scope("pixelValue"), cfg.channels, dp, false);
        this.pixelPos = new Linear(s.scope("pixelPos"), Sinusoidal.fourierWidth(3, cfg.fourierFreqs), dp, true);
        this.queries = s.normal("queries", 0.02, false, cfg.tokensPerPatch(), dp);
        this.normQ = new LayerNorm(s.scope("normQ"), dp, 1e-6, true);
        this.qProj = new Linear(s.scope("q"), dp, dp, true);
        this.kvProj = new Linear(s.scope("kv"), dp, 2 * dp, true);
        this.proj = new Linear(s.scope("proj"), dp, dp, true);
        this.attn = new SharedQueryAttention(dp);
        this.norm2 = new LayerNorm(s.scope("norm2"), dp, 1e-6, true);
        this.mlp = new Mlp(s.scope("mlp"), dp, cfg.pixelMlpRatio * dp, dp);
        this.out = new Linear(s.scope("out"), dp, cfg.width, true);
        this.analysis = new ContinuousKernel(s.scope("analysis"), Sinusoidal.fourierWidth(3, cfg.fourierFreqs), dp,
                cfg.channels * cfg.tokensPerPatch() * dp);
    }

    /**
     * {@code pixels: [S·P, C]} (S patches of P pixels, values in [−1, 1]), {@code fourier: [P, F]} →
     * latent tokens {@code [S·L·m, D]}, per patch in level order.
     */
    INDArray forward(INDArray pixelValues, INDArray fourier, int sequences, boolean train) {
        this.sequences = sequences;
        int dp = cfg.pixelWidth;
        INDArray pe = train ? pixelValue.forward(pixelValues) : pixelValue.apply(pixelValues);
        Ops.addPerPosition(pe, train ? pixelPos.forward(fourier) : pixelPos.apply(fourier), sequences);
        INDArray kv = train ? kvProj.forward(pe) : kvProj.apply(pe);
        INDArray k = kv.get(NDArrayIndex.all(), NDArrayIndex.interval(0, dp)).dup('c');
        INDArray v = kv.get(NDArrayIndex.all(), NDArrayIndex.interval(dp, 2 * dp)).dup('c');
        INDArray q = train ? qProj.forward(normQ.forward(queries.value())) : qProj.apply(normQ.apply(queries.value()));
        INDArray o = attn.forward(q, k, v, null, sequences);                      // [S·Lm, Dp]
        INDArray lat1 = train ? proj.forward(o) : proj.apply(o);
        Ops.addPerPosition(lat1, queries.value(), sequences);                     // residual from the queries
        // linear read-out: (1/P)·Σ_p K(u_p)·x_p for every latent token, one GEMM for all patches
        int p = (int) fourier.rows(), lm = cfg.tokensPerPatch(), c = cfg.channels;
        this.pixels = p;
        pixelsFlat = pixelValues.reshape(sequences, (long) p * c);
        kernel = analysis.forward(fourier, train).reshape((long) p * c, (long) lm * dp);
        INDArray lin = Nd4j.createUninitialized(lat1.dataType(), sequences, (long) lm * dp);
        Nd4j.gemm(pixelsFlat, kernel, lin, false, false, 1.0 / p, 0.0);
        lat1.addi(lin.reshape((long) sequences * lm, dp));
        INDArray ff = train ? mlp.forward(norm2.forward(lat1)) : mlp.apply(norm2.apply(lat1));
        INDArray lat2 = ff.addi(lat1);
        return train ? out.forward(lat2) : out.apply(lat2);
    }

    /** Backward of a training forward; pixel values need no gradient. */
    void backward(INDArray dy) {
        INDArray dLat2 = out.backward(dy);
        INDArray dLat1 = norm2.backward(mlp.backward(dLat2)).addi(dLat2);
        queries.grad().addi(Ops.sumOverSequences(dLat1, sequences));
        int lm = cfg.tokensPerPatch(), dp = cfg.pixelWidth;
        INDArray dKernel = Nd4j.createUninitialized(dy.dataType(), kernel.rows(), kernel.columns());
        Nd4j.gemm(pixelsFlat, dLat1.reshape(sequences, (long) lm * dp), dKernel, true, false, 1.0 / pixels, 0.0);
        analysis.backward(dKernel.reshape(pixels, kernel.length() / pixels));
        INDArray[] d = attn.backward(proj.backward(dLat1));
        queries.grad().addi(normQ.backward(qProj.backward(d[0])));
        INDArray dpe = kvProj.backward(Nd4j.concat(1, d[1], d[2]));
        pixelValue.backwardParamsOnly(dpe);
        pixelPos.backwardParamsOnly(Ops.sumOverSequences(dpe, sequences));
    }
}
