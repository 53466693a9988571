package io.dcsldm.core.nn;

import io.dcsldm.core.mask.AttentionMask;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_dgemm;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;

/**
 * The attention layout for masks in which every query group sees exactly one contiguous run of keys — the
 * level-causal rule of images (each level sees a prefix of the levels) and every call of cached progressive
 * inference — on ND4J's CPU backend, in fp32 or fp64.
 *
 * <p>The products are CBLAS calls made directly per (query group, sample·head) on the strided
 * {@code [B, H, T, d]} arrays themselves, so masked blocks are neither computed nor read (DESIGN §5.2) and
 * nothing is gathered or copied; the probabilities are one contiguous {@code [B, H, Tq_g, Tk_g]} array per
 * group. ND4J's batched matmul makes the same per-matrix CBLAS calls, but only on contiguous operands: the
 * block-sparse layout through it paid a copy for every strided view, and the dense layout multiplies and
 * normalises the masked blocks too (37.5 % of a 4-level causal score matrix). At the benchmark block's shape
 * (B·H = 32, 4 levels of 64 tokens, d = 64), in one JVM inside a step workspace, forward and backward took
 * 13.2 and 18.3 ms against 16.8 and 20.4 ms for the dense layout.</p>
 *
 * <p>Splitting the (sample, head) pairs across Java threads over single-threaded BLAS made the score products
 * alone 2× faster in isolation, but changing BLAS's thread count costs 1–2 ms per change and within the step
 * it was no faster overall, so BLAS keeps its own threads.</p>
 */
final class RunAttention {
    private RunAttention() {}

    /** Off for tests of the other layouts and for measuring ({@code -Ddcs.attention.blasRuns=false}). */
    static boolean enabled = Boolean.parseBoolean(System.getProperty("dcs.attention.blasRuns", "true"));

    /** Whether this layout runs attention with {@code mask} on arrays like {@code q}. */
    static boolean applies(AttentionMask mask, INDArray q) {
        if (!enabled || !Nd4j.getEnvironment().isCPU()) return false;
        if (q.dataType() != DataType.FLOAT && q.dataType() != DataType.DOUBLE) return false;
        for (int g = 0; g < mask.queries().count(); g++) if (mask.keyRuns(g).length != 2) return false;
        return true;
    }

    /** Writes {@code softmax(q·kᵀ)·v} into {@code out} and returns each query group's probabilities. */
    static INDArray[] forward(INDArray q, INDArray k, INDArray v, AttentionMask mask, INDArray out) {
        checkTypes(q, k, v, out);
        q = readable(q);
        k = readable(k);
        v = readable(v);
        INDArray target = out;
        out = writable(out);
        int groups = mask.queries().count();
        INDArray[] probs = new INDArray[groups];
        long b = q.size(0), h = q.size(1);
        for (int g = 0; g < groups; g++)
            probs[g] = Nd4j.createUninitialized(q.dataType(), b, h, querySize(mask, g), keySize(mask, g));
        Strided qs = new Strided(q), ks = new Strided(k), vs = new Strided(v), os = new Strided(out);
        Strided[] ps = strided(probs);
        int d = (int) q.size(3);
        for (int g = 0; g < groups; g++) { // S_g = Q_g · K_runᵀ
            int q0 = mask.queries().start(g), nq = querySize(mask, g), k0 = mask.keyRuns(g)[0], nk = keySize(mask, g);
            for (int bh = 0; bh < b * h; bh++) gemm(false, true, nq, nk, d, qs, bh, q0, ks, k0, 0, ps[g], 0);
        }
        for (INDArray p : probs) Nd4j.exec(new SoftMax(p, p, -1));
        for (int g = 0; g < groups; g++) { // O_g = P_g · V_run
            int q0 = mask.queries().start(g), nq = querySize(mask, g), k0 = mask.keyRuns(g)[0], nk = keySize(mask, g);
            for (int bh = 0; bh < b * h; bh++) gemm(false, false, nq, d, nk, ps[g], bh, 0, vs, k0, 0, os, q0);
        }
        if (out != target) target.assign(out);
        return probs;
    }

    /**
     * Backward of {@link #forward}: writes dq (w.r.t. the scaled queries), dk and dv, ignoring their previous
     * contents. {@code out} is the forward's output or null (see {@link AttentionCore#backward}).
     */
    static void backward(INDArray q, INDArray k, INDArray v, AttentionMask mask, INDArray[] probs, INDArray out,
                         INDArray dOut, INDArray dq, INDArray dk, INDArray dv) {
        checkTypes(q, k, v, dOut);
        checkTypes(dq, dk, dv, q);
        q = readable(q);
        k = readable(k);
        v = readable(v);
        dOut = readable(dOut);
        INDArray[] targets = {dq, dk, dv};
        dq = writable(dq);
        dk = writable(dk);
        dv = writable(dv);
        int groups = mask.queries().count();
        long b = q.size(0), h = q.size(1);
        int d = (int) q.size(3);
        INDArray[] dps = new INDArray[groups];
        for (int g = 0; g < groups; g++) dps[g] = probs[g].ulike();
        dk.assign(0); // accumulated over the query groups that see each key
        dv.assign(0);
        Strided qs = new Strided(q), ks = new Strided(k), vs = new Strided(v), dos = new Strided(dOut);
        Strided dqs = new Strided(dq), dks = new Strided(dk), dvs = new Strided(dv);
        Strided[] ps = strided(probs), dpss = strided(dps);
        // Σ_j dP_ij P_ij = dO_i · O_i: a d-long instead of a Tk-long dot product per query
        INDArray rowDot = out == null ? null : dOut.mul(out).sum(true, 3);
        for (int g = 0; g < groups; g++) {
            int q0 = mask.queries().start(g), nq = querySize(mask, g), k0 = mask.keyRuns(g)[0], nk = keySize(mask, g);
            for (int bh = 0; bh < b * h; bh++) gemm(false, true, nq, nk, d, dos, bh, q0, vs, k0, 0, dpss[g], 0); // dP_g = dO_g · V_runᵀ
            // dS_g = P_g ⊙ (dP_g − rowDot), row-wise on [B·H·Tq_g, Tk_g]
            INDArray p2 = probs[g].reshape('c', b * h * nq, nk), dp2 = dps[g].reshape('c', b * h * nq, nk);
            INDArray rd = rowDot != null
                    ? rowDot.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(q0, q0 + nq), NDArrayIndex.all())
                            .dup('c').reshape('c', b * h * nq, 1)
                    : dp2.mul(p2).sum(true, 1);
            dp2.subiColumnVector(rd).muli(p2);
            for (int bh = 0; bh < b * h; bh++) {
                gemm(false, false, nq, d, nk, dpss[g], bh, 0, ks, k0, 0, dqs, q0); // dQ_g = dS_g · K_run
                gemm(true, false, nk, d, nq, dpss[g], bh, 0, qs, q0, 1, dks, k0);  // dK_run += dS_gᵀ · Q_g
                gemm(true, false, nk, d, nq, ps[g], bh, 0, dos, q0, 1, dvs, k0);   // dV_run += P_gᵀ · dO_g
            }
        }
        INDArray[] results = {dq, dk, dv};
        for (int i = 0; i < 3; i++) if (results[i] != targets[i]) targets[i].assign(results[i]);
    }

    private static int querySize(AttentionMask mask, int g) {
        return mask.queries().end(g) - mask.queries().start(g);
    }

    private static int keySize(AttentionMask mask, int g) {
        return mask.keyRuns(g)[1] - mask.keyRuns(g)[0];
    }

    private static void checkTypes(INDArray a, INDArray b, INDArray c, INDArray d) {
        for (INDArray x : new INDArray[]{a, b, c, d})
            if (x != null && (x.rank() != 4 || x.dataType() != a.dataType()))
                throw new IllegalArgumentException("attention operands must be [B, H, T, d] arrays of one type, got "
                        + x.dataType() + " " + java.util.Arrays.toString(x.shape()) + " with " + a.dataType() + " queries");
    }

    /**
     * Whether BLAS can address x's matrices in place: unit stride along d, rows at least d apart (a single row
     * may have any row stride), non-negative strides. Permuted or 'f'-ordered views are not.
     */
    private static boolean blasReady(INDArray x) {
        return x.stride(3) == 1 && (x.size(2) == 1 || x.stride(2) >= x.size(3)) && x.stride(1) >= 0 && x.stride(0) >= 0;
    }

    private static INDArray readable(INDArray x) {
        return blasReady(x) ? x : x.dup('c');
    }

    /** x itself when BLAS can write it in place, else a scratch array that the caller copies back. */
    private static INDArray writable(INDArray x) {
        return blasReady(x) ? x : Nd4j.createUninitialized(x.dataType(), x.shape());
    }

    private static Strided[] strided(INDArray[] xs) {
        Strided[] s = new Strided[xs.length];
        for (int i = 0; i < xs.length; i++) s[i] = new Strided(xs[i]);
        return s;
    }

    /**
     * {@code C[bh, c0:] = op(A[bh, a0:]) · op(B[bh, b0:]) + beta·C} in row-major order, where {@code x0} is the
     * first row of the matrix taken from pair {@code bh} of each {@code [B, H, T, d]} array and op transposes the
     * stored matrix when asked. Shapes are those of the product: {@code m × n}, inner size {@code kk}.
     */
    private static void gemm(boolean ta, boolean tb, int m, int n, int kk, Strided a, int bh, int a0,
                             Strided b, int b0, double beta, Strided c, int c0) {
        cblas(c.doubles, ta, tb, m, n, kk, a.base, a.at(bh, a0), a.ld, b.base, b.at(bh, b0), b.ld, beta, c.base, c.at(bh, c0), c.ld);
    }

    /**
     * One row-major CBLAS call in fp64 or fp32: {@code c[pc…] = op(a[pa…])·op(b[pb…]) + beta·c[pc…]},
     * {@code m × n} with inner size {@code k}; {@code b*} are buffer pointers ({@code INDArray.data().addressPointer()}),
     * {@code p*} element offsets from them, {@code ld*} row strides.
     */
    private static void cblas(boolean doubles, boolean ta, boolean tb, int m, int n, int k, Pointer ba, long pa, int lda,
                              Pointer bb, long pb, int ldb, double beta, Pointer bc, long pc, int ldc) {
        int transA = ta ? CblasTrans : CblasNoTrans, transB = tb ? CblasTrans : CblasNoTrans;
        if (doubles) {
            cblas_dgemm(CblasRowMajor, transA, transB, m, n, k, 1.0, new DoublePointer(ba).position(pa), lda,
                    new DoublePointer(bb).position(pb), ldb, beta, new DoublePointer(bc).position(pc), ldc);
        } else {
            cblas_sgemm(CblasRowMajor, transA, transB, m, n, k, 1f, new FloatPointer(ba).position(pa), lda,
                    new FloatPointer(bb).position(pb), ldb, (float) beta, new FloatPointer(bc).position(pc), ldc);
        }
    }

    /** Addressing of a {@code [B, H, T, d]} array with unit stride in d: pair (b, h) = bh, row t. */
    private static final class Strided {
        final Pointer base;
        final long offset, sb, sh;
        final int ld, heads;
        final boolean doubles;

        Strided(INDArray x) {
            base = x.data().addressPointer();
            offset = Ops.pointerOffset(x);
            sb = x.stride(0);
            sh = x.stride(1);
            ld = Math.toIntExact(x.size(2) == 1 ? Math.max(x.stride(2), x.size(3)) : x.stride(2)); // BLAS wants ld ≥ d
            heads = (int) x.size(1);
            doubles = x.dataType() == DataType.DOUBLE;
        }

        long at(int bh, int row) {
            return offset + (bh / heads) * sb + (bh % heads) * sh + (long) row * ld;
        }
    }
}
