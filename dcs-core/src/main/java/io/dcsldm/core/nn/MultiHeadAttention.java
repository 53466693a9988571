package io.dcsldm.core.nn;

import io.dcsldm.core.mask.AttentionMask;
import io.dcsldm.core.mask.TokenGroups;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Multi-head self-attention with a group-block mask ({@link AttentionMask}) and an optional
 * {@link KvCache}. Tokens are rows of {@code x: [B·T, C]}; one fused {@code qkv} projection, heads split
 * to {@code [B, H, T, d]}, {@link AttentionCore} on the allowed blocks only, output projection.
 */
public final class MultiHeadAttention {
    private final Linear qkv;
    private final Linear proj;
    private final int channels;
    private final int heads;
    private final int headDim;
    private final double scale;
    private final AttentionMask.Rule rule;
    // cached by forward for backward
    private INDArray q, k, v, o;
    private INDArray[] probs;
    private AttentionMask mask;
    private int batch;

    public MultiHeadAttention(ParamStore.Scope scope, int channels, int heads) {
        this(scope, channels, heads, AttentionMask.LEVEL_TIME_CAUSAL);
    }

    public MultiHeadAttention(ParamStore.Scope scope, int channels, int heads, AttentionMask.Rule rule) {
        if (channels % heads != 0) throw new IllegalArgumentException("channels " + channels + " not divisible by heads " + heads);
        this.channels = channels;
        this.heads = heads;
        this.headDim = channels / heads;
        this.scale = 1.0 / Math.sqrt(headDim);
        this.rule = rule;
        this.qkv = new Linear(scope.scope("qkv"), channels, 3 * channels, true);
        this.proj = new Linear(scope.scope("proj"), channels, channels, true);
    }

    public int heads() { return heads; }

    public int headDim() { return headDim; }

    public AttentionMask.Rule rule() { return rule; }

    /** Training forward over a whole sequence ({@code mask.queries() == mask.keys()} = the tokens of x). */
    public INDArray forward(INDArray x, int batch, AttentionMask mask) {
        this.batch = batch;
        this.mask = mask;
        INDArray[] s = splitQkv(qkv.forward(x), batch);
        q = s[0]; k = s[1]; v = s[2];
        o = Nd4j.createUninitialized(x.dataType(), q.shape());
        probs = AttentionCore.forward(q, k, v, mask, o);
        return proj.forward(Heads.merge(o));
    }

    /** Inference over a whole sequence: nothing cached. */
    public INDArray apply(INDArray x, int batch, AttentionMask mask) {
        INDArray[] s = splitQkv(qkv.apply(x), batch);
        INDArray o = Nd4j.createUninitialized(x.dataType(), s[0].shape());
        AttentionCore.forward(s[0], s[1], s[2], mask, o);
        return proj.apply(Heads.merge(o));
    }

    /**
     * Inference for new tokens: their keys/values are appended to {@code cache}, then their queries attend
     * to everything in the cache that the rule allows. Fed group by group this equals {@link #apply} over
     * the whole sequence.
     */
    public INDArray applyCached(INDArray xNew, int batch, TokenGroups newGroups, KvCache cache) {
        INDArray qkvOut = qkv.apply(xNew);
        TokenGroups before = cache.groups();
        INDArray[] cacheRows = cache.nextRows(newGroups.total());
        boolean kernels = RowKernels.applies(qkvOut) && RowKernels.appliesToHeads(cacheRows); // then a fresh q qualifies too
        INDArray q;
        if (kernels) { // scaled queries, and keys and values straight into the cache, in one row pass
            q = Nd4j.createUninitialized(xNew.dataType(), batch, heads, xNew.rows() / batch, headDim);
            RowKernels.splitHeads(qkvOut, batch, heads, scale, new INDArray[]{q, cacheRows[0], cacheRows[1]});
            cache.advance(newGroups);
        } else {
            INDArray[] s = splitQkv(qkvOut, batch);
            q = s[0];
            cache.append(s[1], s[2], newGroups);
        }
        // query indices count from the first new token; key indices from the start of the cache
        AttentionMask m = new AttentionMask(newGroups, before.concat(newGroups), rule);
        INDArray o = Nd4j.createUninitialized(xNew.dataType(), q.shape());
        AttentionCore.forwardBlockSparse(q, cache.keys(), cache.values(), m, o);
        return proj.apply(kernels ? RowKernels.mergeHeads(o) : Heads.merge(o));
    }

    public INDArray backward(INDArray dy) {
        INDArray dO = Heads.split(proj.backward(dy), batch, 1, heads)[0];
        // dq, dk, dv as parts of one stacked array, so that merging them back is one copy
        INDArray dqkv = Nd4j.createUninitialized(dy.dataType(), 3, q.size(0), q.size(1), q.size(2), q.size(3));
        INDArray[] g = Heads.parts(dqkv);
        AttentionCore.backward(q, k, v, mask, probs, o, dO, g[0], g[1], g[2]);
        g[0].muli(scale); // q was scaled after the projection
        return qkv.backward(Heads.mergeStacked(dqkv));
    }

    /** {@code [B·T, 3C]} → q (scaled by 1/√d), k, v, each {@code [B, H, T, d]}. */
    private INDArray[] splitQkv(INDArray qkvOut, int batch) {
        INDArray[] s = Heads.split(qkvOut, batch, 3, heads);
        s[0].muli(scale);
        return s;
    }
}
