package io.dcsldm.core.nn;

import io.dcsldm.core.mask.AttentionMask;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Multi-head attention whose queries come from one token set and keys/values from another, over
 * {@code S} independent sequences (e.g. one per patch). {@code xq: [S·Tq, D]}, {@code xkv: [S·Tk, D]};
 * the group-block mask relates query groups to key groups exactly as in {@link MultiHeadAttention}.
 * Cost is {@code Tq·Tk} per sequence, so few queries over many keys (pixel-to-latent) stay linear in keys.
 */
public final class CrossAttention {
    private final Linear qProj;
    private final Linear kvProj;
    private final Linear proj;
    private final int channels;
    private final int heads;
    private final int headDim;
    private final double scale;
    private INDArray q, k, v, o;
    private INDArray[] probs;
    private AttentionMask mask;
    private int sequences;

    public CrossAttention(ParamStore.Scope scope, int channels, int heads) {
        if (channels % heads != 0) throw new IllegalArgumentException("channels " + channels + " not divisible by heads " + heads);
        this.channels = channels;
        this.heads = heads;
        this.headDim = channels / heads;
        this.scale = 1.0 / Math.sqrt(headDim);
        this.qProj = new Linear(scope.scope("q"), channels, channels, true);
        this.kvProj = new Linear(scope.scope("kv"), channels, 2 * channels, true);
        this.proj = new Linear(scope.scope("proj"), channels, channels, true);
    }

    public INDArray forward(INDArray xq, INDArray xkv, int sequences, AttentionMask mask) {
        this.sequences = sequences;
        this.mask = mask;
        q = Heads.split(qProj.forward(xq), sequences, 1, heads)[0].muli(scale);
        INDArray[] kvs = Heads.split(kvProj.forward(xkv), sequences, 2, heads);
        k = kvs[0];
        v = kvs[1];
        o = Nd4j.createUninitialized(xq.dataType(), q.shape());
        probs = AttentionCore.forward(q, k, v, mask, o);
        return proj.forward(Heads.merge(o));
    }

    public INDArray apply(INDArray xq, INDArray xkv, int sequences, AttentionMask mask) {
        INDArray qq = Heads.split(qProj.apply(xq), sequences, 1, heads)[0].muli(scale);
        INDArray[] kvs = Heads.split(kvProj.apply(xkv), sequences, 2, heads);
        INDArray o = Nd4j.createUninitialized(xq.dataType(), qq.shape());
        AttentionCore.forward(qq, kvs[0], kvs[1], mask, o);
        return proj.apply(Heads.merge(o));
    }

    /** Returns {dxq, dxkv}. */
    public INDArray[] backward(INDArray dy) {
        INDArray dO = Heads.split(proj.backward(dy), sequences, 1, heads)[0];
        INDArray dq = Nd4j.createUninitialized(dy.dataType(), q.shape());
        INDArray dkv = Nd4j.createUninitialized(dy.dataType(), 2, k.size(0), k.size(1), k.size(2), k.size(3));
        INDArray[] g = Heads.parts(dkv);
        AttentionCore.backward(q, k, v, mask, probs, o, dO, dq, g[0], g[1]);
        dq.muli(scale);
        INDArray dxq = qProj.backward(Heads.merge(dq));
        INDArray dxkv = kvProj.backward(Heads.mergeStacked(dkv));
        return new INDArray[]{dxq, dxkv};
    }
}
