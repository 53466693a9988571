package io.dcsldm.core.nn;

import io.dcsldm.core.mask.AttentionMask;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Map;
import java.util.WeakHashMap;

/**
 * Scaled dot-product attention with a group-block mask on {@code [B, H, T, d]} tensors, in one of three
 * layouts chosen per mask:
 *
 * <ul>
 *   <li><b>Key runs</b> ({@link RunAttention}): when every query group sees one contiguous run of keys (images'
 *   level-causal rule, cached inference) on the CPU backend in fp32/fp64 — block-sparse with direct BLAS
 *   calls on the strided arrays, no copies. Taken first whenever it applies.</li>
 *   <li><b>Block-sparse</b>: for each query group only the key runs its mask allows are multiplied, so
 *   masked blocks cost nothing and — because they are never read — whatever keys and values they hold
 *   cannot change the output (DESIGN §5.2). Used for sparse masks and always for cached inference
 *   ({@link #forwardBlockSparse}), where masked cache rows may hold anything.</li>
 *   <li><b>Dense</b>: one batched {@code [B·H, Tq, Tk]} score matrix, an additive 0/−∞ mask, one softmax,
 *   and one GEMM per product — used when the mask allows at least {@link #DENSE_MIN_FRACTION} of all pairs
 *   and every query group sees some key. ND4J's small batched GEMMs and its elementwise ops on strided
 *   views are slow, so a few large GEMMs beat several small ones plus scatter-adds even though up to half
 *   of the multiply-adds are wasted (up to 70 % at the threshold). Masked scores become exactly −∞ and their probabilities exactly 0,
 *   so for finite keys and values the visible outputs are bit-identical however the hidden tokens change.</li>
 * </ul>
 *
 * <p>Queries must already be scaled by {@code 1/√d}. The probabilities are returned for the backward pass
 * (one array per query group, or a single {@code [B, H, Tq, Tk]} array in the dense layout).</p>
 */
public final class AttentionCore {
    private AttentionCore() {}

    /**
     * Masks allowing at least this fraction of (query, key) pairs run in the dense layout (system property
     * {@code dcs.attention.denseMinFraction} overrides it, for measuring). 0.3 lets the level × time causal mask
     * of video (4 levels × 4 temporal patches: 39 % of pairs, 16 groups) run dense: eight training steps of
     * configs/tok-video.yaml took 45.5 s against 57.7 s with 0.5 (same draws, one run each, contended).
     */
    static final double DENSE_MIN_FRACTION = Double.parseDouble(System.getProperty("dcs.attention.denseMinFraction", "0.3"));

    private static final Map<AttentionMask, Map<DataType, INDArray>> BIAS = new WeakHashMap<>();

    /** Whether {@link #forward} and {@link #backward} use the dense layout for this mask. */
    static boolean denseEnabled = true;

    static boolean dense(AttentionMask mask) {
        if (!denseEnabled) return false;
        long tq = mask.queries().total(), tk = mask.keys().total();
        for (int g = 0; g < mask.queries().count(); g++) if (mask.keyRuns(g).length == 0) return false;
        return mask.allowedPairs() >= DENSE_MIN_FRACTION * tq * tk;
    }

    /** Writes {@code softmax(q·kᵀ)·v} into {@code out} ([B, H, Tq, d]) and returns the probabilities. */
    public static INDArray[] forward(INDArray q, INDArray k, INDArray v, AttentionMask mask, INDArray out) {
        if (RunAttention.applies(mask, q)) return RunAttention.forward(q, k, v, mask, out);
        return dense(mask) ? new INDArray[]{forwardDense(q, k, v, mask, out)} : forwardGroups(q, k, v, mask, out);
    }

    /**
     * A layout that never reads masked keys and values, whatever the mask: key runs where they apply, else
     * block-sparse.
     */
    public static INDArray[] forwardBlockSparse(INDArray q, INDArray k, INDArray v, AttentionMask mask, INDArray out) {
        return RunAttention.applies(mask, q) ? RunAttention.forward(q, k, v, mask, out) : forwardGroups(q, k, v, mask, out);
    }

    /** The block-sparse layout through ND4J's matmul: per query group, only its allowed key runs. */
    private static INDArray[] forwardGroups(INDArray q, INDArray k, INDArray v, AttentionMask mask, INDArray out) {
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

    private static INDArray forwardDense(INDArray q, INDArray k, INDArray v, AttentionMask mask, INDArray out) {
        long b = q.size(0), h = q.size(1), tq = q.size(2), tk = k.size(2);
        INDArray s = Nd4j.matmul(as3d(q), as3d(k), null, false, true, false); // [B·H, Tq, Tk]
        INDArray bias = bias(mask, s.dataType());
        if (bias != null) s.reshape(b * h, tq * tk).addiRowVector(bias);
        Nd4j.exec(new SoftMax(s, s, -1));
        matmulInto(s, as3d(v), false, out);
        return s.reshape(b, h, tq, tk);
    }

    /**
     * Backward of {@link #forward}: given dOut, writes dq (w.r.t. the scaled queries), dk and dv (their
     * previous contents are ignored). {@code out} is the forward's output, or null; the dense layout uses it
     * for the softmax row term {@code Σ_j dP_ij P_ij = dO_i · O_i} (a {@code d}-long instead of a
     * {@code Tk}-long dot product per query).
     */
    public static void backward(INDArray q, INDArray k, INDArray v, AttentionMask mask, INDArray[] probs,
                                INDArray out, INDArray dOut, INDArray dq, INDArray dk, INDArray dv) {
        if (RunAttention.applies(mask, q)) {
            RunAttention.backward(q, k, v, mask, probs, out, dOut, dq, dk, dv);
            return;
        }
        if (dense(mask)) {
            backwardDense(q, k, v, probs[0], out, dOut, dq, dk, dv);
            return;
        }
        dk.assign(0);
        dv.assign(0);
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

    private static void backwardDense(INDArray q, INDArray k, INDArray v, INDArray p4, INDArray out, INDArray dOut,
                                      INDArray dq, INDArray dk, INDArray dv) {
        long b = q.size(0), h = q.size(1), tq = q.size(2), tk = k.size(2);
        INDArray p = p4.reshape(b * h, tq, tk), dO = as3d(dOut);
        // dP = dO·Vᵀ; dS = P ⊙ (dP − rowDot), rowDot_i = Σ_j dP_ij P_ij = dO_i·O_i; row-wise on [B·H·Tq, Tk]
        INDArray dp = Nd4j.matmul(dO, as3d(v), null, false, true, false);
        INDArray dp2 = dp.reshape(b * h * tq, tk), p2 = p.reshape(b * h * tq, tk);
        INDArray rowDot = out != null
                ? dOut.reshape('c', b * h * tq, dOut.size(3)).mul(out.reshape('c', b * h * tq, out.size(3))).sum(true, 1)
                : dp2.mul(p2).sum(true, 1);
        dp2.subiColumnVector(rowDot).muli(p2);
        matmulInto(dp, as3d(k), false, dq);
        matmulInto(dp, as3d(q), true, dk);
        matmulInto(p, dO, true, dv);
    }

    /**
     * {@code target = op(a)·b} for a {@code [B, H, T, d]} target: straight into it when it is c-contiguous (also a
     * view, e.g. one part of {@link Heads#split}'s stacked array), else through a copy.
     */
    private static void matmulInto(INDArray a, INDArray b, boolean transposeA, INDArray target) {
        if (target.ordering() == 'c' && Shape.hasDefaultStridesForShape(target)) {
            INDArray t3 = target.reshape('c', target.size(0) * target.size(1), target.size(2), target.size(3));
            if (Ops.sameStart(t3, target)) {
                Nd4j.matmul(a, b, t3, transposeA, false, false);
                return;
            }
        }
        target.assign(Nd4j.matmul(a, b, null, transposeA, false, false).reshape(target.shape()));
    }

    /** {@code [B, H, T, d]} → {@code [B·H, T, d]}: a view when x is contiguous, else a copy. */
    private static INDArray as3d(INDArray x) {
        return x.reshape('c', x.size(0) * x.size(1), x.size(2), x.size(3));
    }

    /** The additive mask {@code [1, Tq·Tk]} (0 allowed, −∞ masked), cached per mask and type; null if all allowed. */
    private static INDArray bias(AttentionMask mask, DataType dt) {
        synchronized (BIAS) {
            Map<DataType, INDArray> byType = BIAS.computeIfAbsent(mask, m -> new java.util.EnumMap<>(DataType.class));
            if (byType.containsKey(dt)) return byType.get(dt);
            int tq = mask.queries().total(), tk = mask.keys().total();
            INDArray bias = null;
            if (mask.allowedPairs() < (long) tq * tk) {
                float[] f = new float[tq * tk];
                java.util.Arrays.fill(f, Float.NEGATIVE_INFINITY);
                for (int g = 0; g < mask.queries().count(); g++) {
                    int[] runs = mask.keyRuns(g);
                    for (int i = mask.queries().start(g); i < mask.queries().end(g); i++)
                        for (int r = 0; r < runs.length; r += 2)
                            java.util.Arrays.fill(f, i * tk + runs[r], i * tk + runs[r + 1], 0f);
                }
                try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                    bias = Nd4j.createFromArray(f).reshape(1, (long) tq * tk).castTo(dt);
                }
            }
            byType.put(dt, bias);
            return bias;
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
