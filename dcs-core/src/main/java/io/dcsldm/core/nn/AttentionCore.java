package io.dcsldm.core.nn;

import io.dcsldm.core.mask.AttentionMask;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Block-sparse scaled dot-product attention on {@code [B, H, T, d]} tensors. For each query group only the
 * key runs its mask allows are multiplied, so masked blocks cost nothing and — because they are never
 * read — whatever keys and values they hold cannot change the output (DESIGN §5.2).
 *
 * <p>Queries must already be scaled by {@code 1/√d}. The probabilities of each query group are returned
 * for the backward pass.</p>
 */
public final class AttentionCore {
    private AttentionCore() {}

    /** Writes {@code softmax(q·kᵀ)·v} into {@code out} ([B, H, Tq, d]) and returns each group's probabilities. */
    public static INDArray[] forward(INDArray q, INDArray k, INDArray v, AttentionMask mask, INDArray out) {
        int groups = mask.queries().count();
        INDArray[] probs = new INDArray[groups];
        for (int g = 0; g < groups; g++) {
            int qs = mask.queries().start(g), qe = mask.queries().end(g);
            int[] runs = mask.keyRuns(g);
            INDArray og = rows(out, qs, qe);
            if (runs.length == 0) { // sees nothing: output zero (cannot happen with the level-causal rule)
                og.assign(0);
                probs[g] = null;
                continue;
            }
            INDArray kg = gatherRuns(k, runs), vg = gatherRuns(v, runs);
            INDArray s = Nd4j.matmul(rows(q, qs, qe), kg, null, false, true, false);
            Nd4j.exec(new SoftMax(s, s, -1));
            Nd4j.matmul(s, vg, og, false, false, false);
            probs[g] = s;
        }
        return probs;
    }

    /**
     * Backward of {@link #forward}: given dOut, writes dq (w.r.t. the scaled queries), and accumulates into
     * dk, dv (which the caller zeroes first).
     */
    public static void backward(INDArray q, INDArray k, INDArray v, AttentionMask mask, INDArray[] probs,
                                INDArray dOut, INDArray dq, INDArray dk, INDArray dv) {
        for (int g = 0; g < mask.queries().count(); g++) {
            int qs = mask.queries().start(g), qe = mask.queries().end(g);
            int[] runs = mask.keyRuns(g);
            INDArray dqg = rows(dq, qs, qe);
            if (runs.length == 0) {
                dqg.assign(0);
                continue;
            }
            INDArray p = probs[g];
            INDArray dog = rows(dOut, qs, qe);
            INDArray kg = gatherRuns(k, runs), vg = gatherRuns(v, runs);
            // dP = dO·Vᵀ; dS = P ⊙ (dP − Σ_j dP⊙P)
            INDArray dp = Nd4j.matmul(dog, vg, null, false, true, false);
            INDArray rowDot = dp.mul(p).sum(true, -1);
            INDArray ds = dp.subi(rowDot).muli(p);
            Nd4j.matmul(ds, kg, dqg, false, false, false);
            INDArray dkg = Nd4j.matmul(ds, rows(q, qs, qe), null, true, false, false);
            INDArray dvg = Nd4j.matmul(p, dog, null, true, false, false);
            scatterAddRuns(dk, runs, dkg);
            scatterAddRuns(dv, runs, dvg);
        }
    }

    /** {@code x[:, :, from:to, :]} as a view. */
    static INDArray rows(INDArray x, int from, int to) {
        return x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(from, to), NDArrayIndex.all());
    }

    /** The allowed key rows as one tensor: a view for a single run, a copy for several. */
    static INDArray gatherRuns(INDArray x, int[] runs) {
        if (runs.length == 2) return rows(x, runs[0], runs[1]);
        INDArray[] parts = new INDArray[runs.length / 2];
        for (int i = 0; i < parts.length; i++) parts[i] = rows(x, runs[2 * i], runs[2 * i + 1]);
        return Nd4j.concat(2, parts);
    }

    private static void scatterAddRuns(INDArray target, int[] runs, INDArray src) {
        int off = 0;
        for (int i = 0; i < runs.length; i += 2) {
            int n = runs[i + 1] - runs[i];
            rows(target, runs[i], runs[i + 1]).addi(rows(src, off, off + n));
            off += n;
        }
    }
}
