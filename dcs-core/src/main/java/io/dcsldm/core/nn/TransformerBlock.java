package io.dcsldm.core.nn;

import io.dcsldm.core.mask.AttentionMask;
import io.dcsldm.core.mask.TokenGroups;
import io.dcsldm.core.runtime.Profiler;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A pre-norm transformer block: {@code x + attn(norm(x))}, then {@code x + mlp(norm(x))}.
 *
 * <p>Two flavours share the code. <b>Conditioned</b> (DiT, adaLN-Zero): a zero-initialised
 * {@code Linear(C → 6C)} of the conditioning vector gives per-sample shift/scale/gate for both branches,
 * so every block starts as the identity. <b>Unconditioned</b> (tokenizer encoder/decoder): affine layer
 * norms and ungated residuals.</p>
 */
public final class TransformerBlock {
    private final int channels;
    private final boolean conditioned;
    private final LayerNorm norm1;
    private final LayerNorm norm2;
    private final MultiHeadAttention attn;
    private final Mlp mlp;
    private final Linear modulation; // null when unconditioned
    // forward cache
    private int batch;
    private INDArray mod, a, f;
    /** x̂ of the two layer norms; on the fused path also their 1/σ (the ND4J path's LayerNorms keep their own). */
    private final INDArray[] xhat = new INDArray[2], rstd = new INDArray[2];
    /** Whether the last forward ran the fused {@link RowKernels} path. */
    private boolean fused;

    public TransformerBlock(ParamStore.Scope scope, int channels, int heads, int mlpHidden, boolean conditioned) {
        this(scope, channels, heads, mlpHidden, conditioned, AttentionMask.LEVEL_TIME_CAUSAL);
    }

    public TransformerBlock(ParamStore.Scope scope, int channels, int heads, int mlpHidden, boolean conditioned,
                            AttentionMask.Rule rule) {
        this.channels = channels;
        this.conditioned = conditioned;
        this.norm1 = new LayerNorm(scope.scope("norm1"), channels, 1e-6, !conditioned);
        this.attn = new MultiHeadAttention(scope.scope("attn"), channels, heads, rule);
        this.norm2 = new LayerNorm(scope.scope("norm2"), channels, 1e-6, !conditioned);
        this.mlp = new Mlp(scope.scope("mlp"), channels, mlpHidden, channels);
        this.modulation = conditioned ? new Linear(scope.scope("adaLN"), channels, 6 * channels, true, 0.0) : null;
    }

    public MultiHeadAttention attention() { return attn; }

    public Linear modulation() { return modulation; }

    /**
     * Training forward. {@code cond} (already activated): {@code [B, C]}, one row per sample, or {@code [B·S, C]},
     * one row per run of {@code T/S} consecutive tokens of each sample (per-token flow times, e.g. one per
     * temporal patch); null for an unconditioned block. {@code batch} is the number of attention sequences.
     */
    public INDArray forward(INDArray x, INDArray cond, int batch, AttentionMask mask) {
        long t = Profiler.start();
        mod = conditioned ? modulation.forward(cond) : null;
        this.batch = conditioned ? (int) cond.rows() : batch; // the modulation's row groups
        int groups = this.batch;
        fused = conditioned && RowKernels.applies(x, mod);
        INDArray m1 = normAndModulate(x, 0);
        t = Profiler.lap("block.fwd.norm1+mod", t);
        a = attn.forward(m1, batch, mask);
        t = Profiler.lap("block.fwd.attn", t);
        // a and f stay ungated: backward needs them for dGate
        INDArray x1 = fused ? RowKernels.addGated(x, a, chunk(mod, 2), groups, Nd4j.createUninitialized(x.dataType(), x.rows(), channels))
                : gatedCopy(a, 2).addi(x);
        INDArray m2 = normAndModulate(x1, 1);
        t = Profiler.lap("block.fwd.norm2+mod", t);
        f = mlp.forward(m2);
        t = Profiler.lap("block.fwd.mlp", t);
        INDArray out = fused ? RowKernels.addGated(x1, f, chunk(mod, 5), groups, x1) : x1.addi(gatedCopy(f, 5));
        Profiler.lap("block.fwd.residual", t);
        return out;
    }

    /**
     * The block's adaLN modulation for a conditioning vector ({@code [B, 6C]}), or null when unconditioned.
     * Inference computes it once per flow time and reuses it for every level (progressive generation).
     */
    public INDArray modulationFor(INDArray cond) {
        return conditioned ? modulation.apply(cond) : null;
    }

    /** Inference forward, nothing cached for backward. {@code cond: [B, C]} or null when unconditioned. */
    public INDArray apply(INDArray x, INDArray cond, int batch, AttentionMask mask) {
        return applyModulated(x, modulationFor(cond), batch, mask);
    }

    /** Inference forward with a precomputed {@link #modulationFor modulation}; nothing cached for backward. */
    public INDArray applyModulated(INDArray x, INDArray mod, int batch, AttentionMask mask) {
        return applyWith(x, mod, batch, m -> attn.apply(m, batch, mask));
    }

    /** Inference forward for new tokens against a key/value cache (see {@link MultiHeadAttention#applyCached}). */
    public INDArray applyCached(INDArray xNew, INDArray cond, int batch, TokenGroups newGroups, KvCache cache) {
        return applyCachedModulated(xNew, modulationFor(cond), batch, newGroups, cache);
    }

    /**
     * Inference forward for new tokens against a key/value cache (see {@link MultiHeadAttention#applyCached}),
     * with a precomputed {@link #modulationFor modulation}.
     */
    public INDArray applyCachedModulated(INDArray xNew, INDArray mod, int batch, TokenGroups newGroups, KvCache cache) {
        return applyWith(xNew, mod, batch, m -> attn.applyCached(m, batch, newGroups, cache));
    }

    private INDArray applyWith(INDArray x, INDArray m, int sequences, java.util.function.UnaryOperator<INDArray> attention) {
        long t = Profiler.start();
        int batch = m == null ? sequences : (int) m.rows(); // the modulation's row groups (samples, or runs of tokens)
        boolean fused = m != null && RowKernels.applies(x, m);
        INDArray m1 = fused ? RowKernels.normModulate(x, norm1.eps(), chunk(m, 0), chunk(m, 1), batch) : modulate(norm1.apply(x), m, 0, batch);
        t = Profiler.lap("inf.norm1+mod1", t);
        INDArray at = attention.apply(m1);
        t = Profiler.lap("inf.attn", t);
        INDArray x1 = fused && RowKernels.applies(at) ? RowKernels.addGated(x, at, chunk(m, 2), batch) : x.add(gate(at, m, 2, batch));
        t = Profiler.lap("inf.gate1", t);
        INDArray m2 = fused ? RowKernels.normModulate(x1, norm2.eps(), chunk(m, 3), chunk(m, 4), batch) : modulate(norm2.apply(x1), m, 3, batch);
        t = Profiler.lap("inf.norm2+mod2", t);
        INDArray ff = mlp.apply(m2);
        t = Profiler.lap("inf.mlp", t);
        INDArray r = fused && RowKernels.applies(ff) ? RowKernels.addGated(x1, ff, chunk(m, 5), batch) : x1.addi(gate(ff, m, 5, batch));
        Profiler.lap("inf.gate2", t);
        return r;
    }

    /**
     * Backward of {@link #forward}. Returns dx; adds the conditioning gradient into {@code dCond} (shared by
     * all blocks, so the caller sums it) when the block is conditioned.
     */
    public INDArray backward(INDArray dy, INDArray dCond) {
        INDArray dMod = conditioned ? Nd4j.createUninitialized(dy.dataType(), batch, 6L * channels) : null;
        if (fused) return backwardFused(dy, dMod, dCond);
        long t = Profiler.start();
        // x2 = x1 + gate2·f
        INDArray df = gatedCopy(dy, 5);
        if (conditioned) chunk(dMod, 5).assign(Ops.sumPerSample(dy.mul(f), batch));
        t = Profiler.lap("block.bwd.gate2", t);
        INDArray dm2 = mlp.backward(df);
        t = Profiler.lap("block.bwd.mlp", t);
        INDArray dh2 = unmodulate(dm2, xhat[1], dMod, 3);
        INDArray dx1 = norm2.backward(dh2).addi(dy);
        t = Profiler.lap("block.bwd.norm2+mod", t);
        // x1 = x + gate1·a
        INDArray da = gatedCopy(dx1, 2);
        if (conditioned) chunk(dMod, 2).assign(Ops.sumPerSample(dx1.mul(a), batch));
        t = Profiler.lap("block.bwd.gate1", t);
        INDArray dm1 = attn.backward(da);
        t = Profiler.lap("block.bwd.attn", t);
        INDArray dh1 = unmodulate(dm1, xhat[0], dMod, 0);
        INDArray dx = norm1.backward(dh1).addi(dx1);
        Profiler.lap("block.bwd.norm1+mod", t);
        if (conditioned) {
            INDArray dc = modulation.backward(dMod);
            dCond.addi(dc);
        }
        return dx;
    }

    /**
     * Training forward of layer norm {@code k} (0 or 1) and its modulation (chunks {@code 3k}: shift, {@code 3k + 1}:
     * scale), keeping x̂ (and on the fused path 1/σ) for the backward. Fused: one row pass.
     */
    private INDArray normAndModulate(INDArray x, int k) {
        LayerNorm norm = k == 0 ? norm1 : norm2;
        if (!fused) {
            xhat[k] = norm.forward(x);
            return modulate(xhat[k], 3 * k);
        }
        xhat[k] = Nd4j.createUninitialized(x.dataType(), x.rows(), channels);
        rstd[k] = Nd4j.createUninitialized(x.dataType(), x.rows(), 1);
        return RowKernels.normModulate(x, norm.eps(), chunk(mod, 3 * k), chunk(mod, 3 * k + 1), batch, xhat[k], rstd[k]);
    }

    /** {@link #backward} of the fused forward: the same gradients with the gate and norm steps as row kernels. */
    private INDArray backwardFused(INDArray dy, INDArray dMod, INDArray dCond) {
        long t = Profiler.start();
        INDArray df = RowKernels.gateBackward(dy, f, chunk(mod, 5), batch, chunk(dMod, 5));
        t = Profiler.lap("block.bwd.gate2", t);
        INDArray dm2 = mlp.backward(df);
        t = Profiler.lap("block.bwd.mlp", t);
        INDArray dx1 = RowKernels.normModulateBackward(dm2, xhat[1], rstd[1], chunk(mod, 4), batch, chunk(dMod, 3), chunk(dMod, 4), dy);
        t = Profiler.lap("block.bwd.norm2+mod", t);
        INDArray da = RowKernels.gateBackward(dx1, a, chunk(mod, 2), batch, chunk(dMod, 2));
        t = Profiler.lap("block.bwd.gate1", t);
        INDArray dm1 = attn.backward(da);
        t = Profiler.lap("block.bwd.attn", t);
        INDArray dx = RowKernels.normModulateBackward(dm1, xhat[0], rstd[0], chunk(mod, 1), batch, chunk(dMod, 0), chunk(dMod, 1), dx1);
        Profiler.lap("block.bwd.norm1+mod", t);
        dCond.addi(modulation.backward(dMod));
        return dx;
    }

    // ---- modulation helpers: chunk i of mod is columns [i·C, (i+1)·C): shift1, scale1, gate1, shift2, scale2, gate2

    private INDArray chunk(INDArray m, int i) {
        return m.get(NDArrayIndex.all(), NDArrayIndex.interval((long) i * channels, (long) (i + 1) * channels));
    }

    /** {@code h·(1 + scale) + shift} with shift = chunk {@code i}, scale = chunk {@code i+1}; a new array. */
    private INDArray modulate(INDArray h, int i) { return modulate(h, mod, i, batch); }

    private INDArray modulate(INDArray h, INDArray m, int i, int batch) {
        if (m == null) return h;
        INDArray out = Ops.mulPerSampleNew(h, chunk(m, i + 1).add(1.0), batch);
        return Ops.addPerSample(out, chunk(m, i), batch);
    }

    /** In place: {@code y ·= gate} with gate = chunk {@code i}. */
    private INDArray gated(INDArray y, int i) { return gate(y, mod, i, batch); }

    /** {@code y · gate} with gate = chunk {@code i}, as a new array (y untouched); a copy of y when unconditioned. */
    private INDArray gatedCopy(INDArray y, int i) {
        return mod == null ? y.dup() : Ops.mulPerSampleNew(y, chunk(mod, i), batch);
    }

    private INDArray gate(INDArray y, INDArray m, int i, int batch) {
        return m == null ? y : Ops.mulPerSample(y, chunk(m, i), batch);
    }

    /** Backward of {@link #modulate}: fills dShift, dScale into dMod and returns dh. */
    private INDArray unmodulate(INDArray dm, INDArray h, INDArray dMod, int i) {
        if (!conditioned) return dm;
        chunk(dMod, i).assign(Ops.sumPerSample(dm, batch));
        chunk(dMod, i + 1).assign(Ops.sumPerSample(dm.mul(h), batch));
        return Ops.mulPerSample(dm, chunk(mod, i + 1).add(1.0), batch);
    }
}
