package io.dcsldm.core.nn;

import io.dcsldm.core.mask.AttentionMask;
import io.dcsldm.core.mask.TokenGroups;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/** {@code depth} transformer blocks applied in order, all reading the same conditioning vector. */
public final class TransformerStack {
    private final List<TransformerBlock> blocks = new ArrayList<>();
    private final boolean conditioned;
    private int batch;

    public TransformerStack(ParamStore.Scope scope, int depth, int channels, int heads, int mlpHidden, boolean conditioned) {
        this(scope, depth, channels, heads, mlpHidden, conditioned, AttentionMask.LEVEL_TIME_CAUSAL);
    }

    public TransformerStack(ParamStore.Scope scope, int depth, int channels, int heads, int mlpHidden,
                            boolean conditioned, AttentionMask.Rule rule) {
        this.conditioned = conditioned;
        for (int i = 0; i < depth; i++)
            blocks.add(new TransformerBlock(scope.scope(Integer.toString(i)), channels, heads, mlpHidden, conditioned, rule));
    }

    public int depth() { return blocks.size(); }

    public List<TransformerBlock> blocks() { return blocks; }

    public INDArray forward(INDArray x, INDArray cond, int batch, AttentionMask mask) {
        this.batch = cond == null ? batch : (int) cond.rows(); // rows of the conditioning gradient
        for (TransformerBlock b : blocks) x = b.forward(x, cond, batch, mask);
        return x;
    }

    /** Per-block adaLN modulations of a conditioning vector (entries null when unconditioned). */
    public INDArray[] modulationsFor(INDArray cond) {
        INDArray[] m = new INDArray[blocks.size()];
        for (int i = 0; i < m.length; i++) m[i] = blocks.get(i).modulationFor(cond);
        return m;
    }

    public INDArray apply(INDArray x, INDArray cond, int batch, AttentionMask mask) {
        return applyModulated(x, modulationsFor(cond), batch, mask);
    }

    /** Inference with precomputed modulations (see {@link #modulationsFor}). */
    public INDArray applyModulated(INDArray x, INDArray[] mods, int batch, AttentionMask mask) {
        for (int i = 0; i < blocks.size(); i++) x = blocks.get(i).applyModulated(x, mods[i], batch, mask);
        return x;
    }

    /** Cached inference: one {@link KvCache} per block, appended with {@code newGroups}. */
    public INDArray applyCachedModulated(INDArray xNew, INDArray[] mods, int batch, TokenGroups newGroups, KvCache[] caches) {
        for (int i = 0; i < blocks.size(); i++) xNew = blocks.get(i).applyCachedModulated(xNew, mods[i], batch, newGroups, caches[i]);
        return xNew;
    }

    /**
     * Backward through all blocks. When conditioned, the conditioning gradient summed over blocks is
     * written into {@code dCond} ([B, C], may be null if not needed — then a scratch array is used).
     */
    public INDArray backward(INDArray dy, INDArray dCond) {
        INDArray dc = dCond;
        if (conditioned && dc == null) dc = Nd4j.zeros(dy.dataType(), batch, dy.columns());
        else if (conditioned) dc.assign(0);
        for (int i = blocks.size() - 1; i >= 0; i--) dy = blocks.get(i).backward(dy, dc);
        return dy;
    }
}
