package io.dcsldm.tok;

import io.dcsldm.core.embed.Sinusoidal;
import io.dcsldm.core.mask.AttentionMask;
import io.dcsldm.core.mask.TokenGroups;
import io.dcsldm.core.nn.CrossAttention;
import io.dcsldm.core.nn.LayerNorm;
import io.dcsldm.core.nn.Linear;
import io.dcsldm.core.nn.Mlp;
import io.dcsldm.core.nn.Ops;
import io.dcsldm.core.nn.Param;
import io.dcsldm.core.nn.ParamStore;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Pixel-to-Latent Attention (DESIGN §2.2): per patch, {@code L·m} learned latent queries attend to the
 * patch's pixel tokens and, level-causally, to each other; the result is {@code L·m} tokens per patch.
 *
 * <p>A pixel token is its value plus Fourier features of its normalised position in the patch, so one
 * network reads any patch size. Every patch of every sample is an independent sequence; the cost is
 * queries × pixels, linear in the resolution.</p>
 */
final class Patchifier {
    private final TokConfig cfg;
    private final Linear pixelValue;   // C → Dp
    private final Linear pixelPos;     // fourier → Dp (computed once per patch size, shared by all patches)
    private final Param queries;       // [L·m, Dp] learned latent queries
    private final LayerNorm normQ;
    private final CrossAttention attn;
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final Linear out;          // Dp → D
    private final TokenGroups queryGroups;
    // forward cache
    private int sequences, pixels;

    Patchifier(ParamStore.Scope s, TokConfig cfg) {
        this.cfg = cfg;
        int dp = cfg.pixelWidth;
        this.pixelValue = new Linear(s.scope("pixelValue"), cfg.channels, dp, false);
        this.pixelPos = new Linear(s.scope("pixelPos"), Sinusoidal.fourierWidth(3, cfg.fourierFreqs), dp, true);
        this.queries = s.normal("queries", 0.02, false, cfg.tokensPerPatch(), dp);
        this.normQ = new LayerNorm(s.scope("normQ"), dp, 1e-6, true);
        this.attn = new CrossAttention(s.scope("attn"), dp, cfg.pixelHeads);
        this.norm2 = new LayerNorm(s.scope("norm2"), dp, 1e-6, true);
        this.mlp = new Mlp(s.scope("mlp"), dp, cfg.mlpRatio * dp, dp);
        this.out = new Linear(s.scope("out"), dp, cfg.width, true);
        this.queryGroups = TokenGroups.levelMajor(cfg.levels, 1, cfg.tokensPerLevel);
    }

    /** Keys: the patch's pixels (visible to every level), then the latent queries themselves. */
    private AttentionMask mask(int pixels) {
        TokenGroups pix = new TokenGroups(new int[]{-1}, new int[]{0}, new int[]{pixels});
        return new AttentionMask(queryGroups, pix.concat(queryGroups), AttentionMask.LEVEL_TIME_CAUSAL);
    }

    /**
     * {@code pixels: [S·P, C]} (S patches of P pixels, values in [−1, 1]), {@code fourier: [P, F]} →
     * latent tokens {@code [S·L·m, D]}, per patch in level order.
     */
    INDArray forward(INDArray pixelValues, INDArray fourier, int sequences, boolean train) {
        this.sequences = sequences;
        int p = (int) fourier.rows();
        this.pixels = p;
        int lm = cfg.tokensPerPatch(), dp = cfg.pixelWidth;
        INDArray pe = train ? pixelValue.forward(pixelValues) : pixelValue.apply(pixelValues);
        INDArray pos = train ? pixelPos.forward(fourier) : pixelPos.apply(fourier);
        Ops.addPerPosition(pe, pos, sequences);
        INDArray lat0 = Nd4j.tile(queries.value(), sequences, 1); // [S·Lm, Dp]
        INDArray h = train ? normQ.forward(lat0) : normQ.apply(lat0);
        INDArray kv = concatPerSequence(pe, p, h, lm, sequences, dp);
        AttentionMask m = mask(p);
        INDArray lat1 = (train ? attn.forward(h, kv, sequences, m) : attn.apply(h, kv, sequences, m)).addi(lat0);
        INDArray ff = train ? mlp.forward(norm2.forward(lat1)) : mlp.apply(norm2.apply(lat1));
        INDArray lat2 = ff.addi(lat1);
        return train ? out.forward(lat2) : out.apply(lat2);
    }

    /** Backward of a training forward; pixel values need no gradient. */
    void backward(INDArray dy) {
        int lm = cfg.tokensPerPatch(), dp = cfg.pixelWidth;
        INDArray dLat2 = out.backward(dy);
        INDArray dLat1 = norm2.backward(mlp.backward(dLat2)).addi(dLat2);
        INDArray[] d = attn.backward(dLat1);
        INDArray dh = d[0];
        INDArray dkv = d[1].reshape(sequences, pixels + lm, dp);
        INDArray dpe = dkv.get(NDArrayIndex.all(), NDArrayIndex.interval(0, pixels), NDArrayIndex.all()).dup('c')
                .reshape((long) sequences * pixels, dp);
        dh.addi(dkv.get(NDArrayIndex.all(), NDArrayIndex.interval(pixels, pixels + lm), NDArrayIndex.all()).dup('c')
                .reshape((long) sequences * lm, dp));
        INDArray dLat0 = normQ.backward(dh).addi(dLat1);
        Nd4j.gemm(Ops.ones(dy.dataType(), sequences), dLat0.reshape(sequences, (long) lm * dp),
                queries.grad().reshape(1, (long) lm * dp), false, false, 1.0, 1.0);
        pixelValue.backwardParamsOnly(dpe);
        pixelPos.backwardParamsOnly(Ops.sumOverSequences(dpe, sequences));
    }

    /** Per sequence: rows of {@code a} ({@code na} per sequence) then rows of {@code b}. */
    private static INDArray concatPerSequence(INDArray a, int na, INDArray b, int nb, int sequences, int width) {
        INDArray out = Nd4j.createUninitialized(a.dataType(), sequences, na + nb, width);
        out.get(NDArrayIndex.all(), NDArrayIndex.interval(0, na), NDArrayIndex.all()).assign(a.reshape(sequences, na, width));
        out.get(NDArrayIndex.all(), NDArrayIndex.interval(na, na + nb), NDArrayIndex.all()).assign(b.reshape(sequences, nb, width));
        return out.reshape((long) sequences * (na + nb), width);
    }
}
