package io.dcsldm.core.nn;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * Fused row-wise kernels of the adaLN transformer block, written in plain Java over the arrays' off-heap
 * memory: one pass per fused operation instead of one ND4J op per step of it.
 *
 * <p>Why: on this 2-core machine every ND4J op costs 20–90 µs whatever its size (dispatch, shape buffers,
 * waking the op threads), while a {@code [512, 128]} row pass in Java costs 20–50 µs in total. A DiT block's
 * layer norm and adaLN modulation alone were ten ND4J ops; the progressive sampler makes four times as many
 * block calls as the joint one, each a quarter of the size, so per-op cost was most of the wall-time gap
 * between the two (docs/dit.md). In training the conditioned block's norm, modulation and gate steps, forward
 * and backward, run here too (docs/core.md, "Benchmark"). The kernels work in fp32 with row sums in double;
 * large arrays are split by whole groups over the caller and one ForkJoin worker.</p>
 *
 * <p>They apply to fp32 arrays on ND4J's CPU backend whose rows are contiguous (unit column stride); {@link
 * #applies} says so, and callers keep the ND4J composition for anything else — fp64 too, so the double-precision
 * gradient checks test the ND4J path and {@code RowKernelsTest} tests these kernels against fp64 results. {@code
 * -Ddcs.rowKernels=false} turns them off everywhere: training then runs the ND4J ops that trained the shipped
 * models, and inference runs exactly the ops of the training forward.</p>
 */
public final class RowKernels {
    static boolean enabled = Boolean.parseBoolean(System.getProperty("dcs.rowKernels", "true"));
    /** The head split/merge kernels of cached attention alone, for measuring them against ND4J's copies. */
    static boolean headsEnabled = true;
    /** Below this many elements a kernel runs on the calling thread only (a fork costs tens of µs). */
    static final long PARALLEL_MIN_ELEMENTS = 1L << 15;

    private RowKernels() {}

    /** Whether the kernels can run on all of these arrays (nulls are ignored). */
    public static boolean applies(INDArray... xs) {
        if (!enabled || !Nd4j.getEnvironment().isCPU()) return false;
        for (INDArray x : xs) {
            if (x == null) continue;
            if (x.dataType() != DataType.FLOAT) return false;
            if (x.rank() != 2 || x.stride(1) != 1 || x.stride(0) < x.size(1) || x.length() == 0) return false;
            if (end(x) > Integer.MAX_VALUE) return false; // NIO buffers index with int
        }
        return true;
    }

    /** Whether the head kernels can write or read these fp32 {@code [B, H, T, d]} arrays (unit stride along d). */
    public static boolean appliesToHeads(INDArray... xs) {
        if (!enabled || !headsEnabled || !Nd4j.getEnvironment().isCPU()) return false;
        for (INDArray x : xs) {
            if (x.rank() != 4 || x.stride(3) != 1 || x.dataType() != DataType.FLOAT || x.length() == 0) return false;
            for (int i = 0; i < 4; i++) if (x.stride(i) < 0) return false;
            if (end(x) > Integer.MAX_VALUE) return false;
        }
        return true;
    }

    /**
     * Token rows {@code [B·T, P·H·d]} (a fused q/k/v projection) → the P head arrays {@code parts[p]: [B, H, T, d]},
     * part 0 multiplied by {@code firstScale} (attention's 1/√d on the queries): one pass instead of a permuting
     * copy, a scaling op and, for a {@link KvCache}, the copies into it — the parts may be the cache's rows.
     */
    public static void splitHeads(INDArray tokens, int batch, int heads, double firstScale, INDArray[] parts) {
        int rows = (int) tokens.rows(), c = (int) tokens.columns(), t = rows / batch, d = c / parts.length / heads;
        float scale = (float) firstScale;
        forGroups(rows, c, t, (from, to) -> {
            Rows in = new Rows(tokens);
            HeadRows[] out = new HeadRows[parts.length];
            for (int p = 0; p < parts.length; p++) out[p] = new HeadRows(parts[p]);
            float[] v = new float[c];
            for (int r = from; r < to; r++) {
                in.read(r, v);
                for (int j = 0; j < heads * d; j++) v[j] *= scale;
                for (int p = 0; p < parts.length; p++)
                    for (int h = 0; h < heads; h++) out[p].write(r / t, h, r % t, v, (p * heads + h) * d);
            }
        });
    }

    /** Head arrays {@code [B, H, T, d]} → token rows {@code [B·T, H·d]} as a new array. */
    public static INDArray mergeHeads(INDArray o) {
        int b = (int) o.size(0), heads = (int) o.size(1), t = (int) o.size(2), d = (int) o.size(3);
        INDArray out = Nd4j.createUninitialized(o.dataType(), (long) b * t, (long) heads * d);
        forGroups(b * t, heads * d, t, (from, to) -> {
            HeadRows in = new HeadRows(o);
            Rows w = new Rows(out);
            float[] v = new float[heads * d];
            for (int r = from; r < to; r++) {
                for (int h = 0; h < heads; h++) in.read(r / t, h, r % t, v, h * d);
                w.write(r, v);
            }
        });
        return out;
    }

    /**
     * {@code out[r] = LN(x[r]) ⊙ (1 + scale[g]) + shift[g]} with {@code g = r / (rows / groups)}: layer norm
     * without affine followed by adaLN modulation, for {@code x: [rows, C]}, {@code shift, scale: [groups, C]}
     * (e.g. column chunks of a modulation matrix). Returns a new array.
     */
    public static INDArray normModulate(INDArray x, double eps, INDArray shift, INDArray scale, int groups) {
        return normModulate(x, eps, shift, scale, groups, null, null);
    }

    /**
     * {@link #normModulate(INDArray, double, INDArray, INDArray, int)} that also keeps what its backward
     * ({@link #normModulateBackward}) needs: the normalised rows {@code xhat: [rows, C]} and {@code rstd: [rows, 1]}
     * (both preallocated, or null when not wanted).
     */
    public static INDArray normModulate(INDArray x, double eps, INDArray shift, INDArray scale, int groups,
                                        INDArray xhat, INDArray rstd) {
        int rows = (int) x.rows(), c = (int) x.columns(), per = perGroup(rows, groups);
        INDArray out = Nd4j.createUninitialized(x.dataType(), rows, c);
        forGroups(rows, c, per, (from, to) -> {
            Rows in = new Rows(x), o = new Rows(out), sh = new Rows(shift), sc = new Rows(scale);
            Rows xh = xhat == null ? null : new Rows(xhat), rs = rstd == null ? null : new Rows(rstd);
            float[] v = new float[c], a = new float[c], s = new float[c], one = new float[1];
            for (int r = from; r < to; r++) {
                if (r % per == 0) {
                    sc.read(r / per, a);
                    for (int j = 0; j < c; j++) a[j] += 1f;
                    sh.read(r / per, s);
                }
                in.read(r, v);
                float rstdRow = normalize(v, eps);
                for (int j = 0; j < c; j++) v[j] *= rstdRow;
                if (xh != null) xh.write(r, v);
                if (rs != null) {
                    one[0] = rstdRow;
                    rs.write(r, one);
                }
                for (int j = 0; j < c; j++) v[j] = v[j] * a[j] + s[j];
                o.write(r, v);
            }
        });
        return out;
    }

    /**
     * Backward of {@link #normModulate} with its residual: for {@code out = LN(x) ⊙ (1 + scale) + shift} and
     * the upstream gradient {@code dOut}, writes {@code dShift[g] = Σ dOut}, {@code dScale[g] = Σ dOut ⊙ xhat}
     * over the group's rows and returns {@code dx = rstd·(dh − mean(dh) − xhat·mean(dh ⊙ xhat)) + residual},
     * {@code dh = dOut ⊙ (1 + scale)}, as a new array. {@code residual} (may be null) is the gradient reaching
     * x by the skip connection.
     */
    public static INDArray normModulateBackward(INDArray dOut, INDArray xhat, INDArray rstd, INDArray scale, int groups,
                                                INDArray dShift, INDArray dScale, INDArray residual) {
        int rows = (int) dOut.rows(), c = (int) dOut.columns(), per = perGroup(rows, groups);
        INDArray dx = Nd4j.createUninitialized(dOut.dataType(), rows, c);
        forGroups(rows, c, per, (from, to) -> {
            Rows gIn = new Rows(dOut), xh = new Rows(xhat), rs = new Rows(rstd), sc = new Rows(scale), o = new Rows(dx);
            Rows res = residual == null ? null : new Rows(residual), dsh = new Rows(dShift), dsc = new Rows(dScale);
            float[] g = new float[c], h = new float[c], a = new float[c], r0 = new float[c], one = new float[1];
            float[] sumG = new float[c], sumGH = new float[c];
            for (int r = from; r < to; r++) {
                if (r % per == 0) {
                    sc.read(r / per, a);
                    for (int j = 0; j < c; j++) a[j] += 1f;
                    Arrays.fill(sumG, 0);
                    Arrays.fill(sumGH, 0);
                }
                gIn.read(r, g);
                xh.read(r, h);
                rs.read(r, one);
                for (int j = 0; j < c; j++) {
                    sumG[j] += g[j];
                    sumGH[j] += g[j] * h[j];
                    g[j] *= a[j];
                }
                float rstdRow = one[0], mgf = (float) (sum(g) / c), mghf = (float) (dot(g, h) / c);
                if (res != null) {
                    res.read(r, r0);
                    for (int j = 0; j < c; j++) g[j] = rstdRow * (g[j] - mgf - h[j] * mghf) + r0[j];
                } else {
                    for (int j = 0; j < c; j++) g[j] = rstdRow * (g[j] - mgf - h[j] * mghf);
                }
                o.write(r, g);
                if (r % per == per - 1) {
                    dsh.write(r / per, sumG);
                    dsc.write(r / per, sumGH);
                }
            }
        });
        return dx;
    }

    /**
     * In place on {@code y}: {@code y[r] = x[r] + gate[g] ⊙ y[r]} with {@code g = r / (rows / groups)}, the
     * gated residual of adaLN-Zero. Returns {@code y}.
     */
    public static INDArray addGated(INDArray x, INDArray y, INDArray gate, int groups) {
        return addGated(x, y, gate, groups, y);
    }

    /** {@code out[r] = x[r] + gate[g] ⊙ y[r]}; {@code out} may be {@code x} or {@code y}. Returns {@code out}. */
    public static INDArray addGated(INDArray x, INDArray y, INDArray gate, int groups, INDArray out) {
        int rows = (int) x.rows(), c = (int) x.columns(), per = perGroup(rows, groups);
        if (y.rows() != rows || y.columns() != c || out.rows() != rows || out.columns() != c)
            throw new IllegalArgumentException("shape mismatch");
        forGroups(rows, c, per, (from, to) -> {
            Rows in = new Rows(x), yr = new Rows(y), g = new Rows(gate), o = new Rows(out);
            float[] xv = new float[c], yv = new float[c], gv = new float[c];
            for (int r = from; r < to; r++) {
                if (r % per == 0) g.read(r / per, gv);
                in.read(r, xv);
                yr.read(r, yv);
                for (int j = 0; j < c; j++) yv[j] = xv[j] + gv[j] * yv[j];
                o.write(r, yv);
            }
        });
        return out;
    }

    /**
     * Backward of a gate {@code y = gate[g] ⊙ f}: returns {@code dy ⊙ gate[g]} as a new array and writes
     * {@code dGate[g] = Σ dy ⊙ f} over the group's rows.
     */
    public static INDArray gateBackward(INDArray dy, INDArray f, INDArray gate, int groups, INDArray dGate) {
        int rows = (int) dy.rows(), c = (int) dy.columns(), per = perGroup(rows, groups);
        INDArray df = Nd4j.createUninitialized(dy.dataType(), rows, c);
        forGroups(rows, c, per, (from, to) -> {
            Rows d = new Rows(dy), fr = new Rows(f), g = new Rows(gate), o = new Rows(df), dg = new Rows(dGate);
            float[] dv = new float[c], fv = new float[c], gv = new float[c], sum = new float[c];
            for (int r = from; r < to; r++) {
                if (r % per == 0) {
                    g.read(r / per, gv);
                    Arrays.fill(sum, 0);
                }
                d.read(r, dv);
                fr.read(r, fv);
                for (int j = 0; j < c; j++) {
                    sum[j] += dv[j] * fv[j];
                    dv[j] *= gv[j];
                }
                o.write(r, dv);
                if (r % per == per - 1) dg.write(r / per, sum);
            }
        });
        return df;
    }

    /**
     * {@code a · x · (1 + b·x²)} elementwise into a new array: the polynomial argument of the tanh-GELU's sigmoid
     * ({@link GeluTanh}), one pass instead of four ND4J ops.
     */
    public static INDArray cubicArgument(INDArray x, double a, double b) {
        int rows = (int) x.rows(), c = (int) x.columns();
        INDArray out = Nd4j.createUninitialized(x.dataType(), rows, c);
        forGroups(rows, c, 1, (from, to) -> {
            Rows in = new Rows(x), o = new Rows(out);
            float[] v = new float[c];
            float fa = (float) a, fb = (float) b;
            for (int r = from; r < to; r++) {
                in.read(r, v);
                for (int j = 0; j < c; j++) v[j] = fa * v[j] * (1f + fb * v[j] * v[j]);
                o.write(r, v);
            }
        });
        return out;
    }

    /** Every row of {@code y: [rows, C]} set to {@code row: [1, C]} (a bias, before a GEMM that adds into y). */
    public static void fillRows(INDArray y, INDArray row) {
        int rows = (int) y.rows(), c = (int) y.columns();
        float[] v = new float[c];
        new Rows(row.reshape(1, c)).read(0, v);
        Rows o = new Rows(y);
        for (int r = 0; r < rows; r++) o.write(r, v);
    }

    /** Centres v in place and returns 1 / sqrt(var + eps). */
    private static float normalize(float[] v, double eps) {
        float mean = (float) (sum(v) / v.length);
        for (int j = 0; j < v.length; j++) v[j] -= mean;
        return (float) (1.0 / Math.sqrt(dot(v, v) / v.length + eps));
    }

    /** Σ v in double, in four lanes so the additions overlap. */
    private static double sum(float[] v) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 3 < v.length; j += 4) { s0 += v[j]; s1 += v[j + 1]; s2 += v[j + 2]; s3 += v[j + 3]; }
        for (; j < v.length; j++) s0 += v[j];
        return (s0 + s1) + (s2 + s3);
    }

    /** Σ a·b in double, in four lanes. */
    private static double dot(float[] a, float[] b) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 3 < a.length; j += 4) {
            s0 += a[j] * b[j];
            s1 += a[j + 1] * b[j + 1];
            s2 += a[j + 2] * b[j + 2];
            s3 += a[j + 3] * b[j + 3];
        }
        for (; j < a.length; j++) s0 += a[j] * b[j];
        return (s0 + s1) + (s2 + s3);
    }

    private static int perGroup(int rows, int groups) {
        if (groups < 1 || rows % groups != 0)
            throw new IllegalArgumentException(rows + " rows do not split into " + groups + " equal groups");
        return rows / groups;
    }

    /** Rows {@code [from, to)} of one kernel; each call makes its own row buffers, so two may run at once. */
    private interface RowRange {
        void run(int from, int to);
    }

    /**
     * Runs {@code body} over all rows: on the calling thread for small arrays, else split at a group boundary
     * (groups of {@code per} rows, whose sums must stay on one thread) between the caller and a ForkJoin worker.
     * Workers only read and write the arrays' memory; every ND4J call stays on the calling thread.
     */
    private static void forGroups(int rows, int cols, int per, RowRange body) {
        int groups = rows / per;
        if (groups < 2 || (long) rows * cols < PARALLEL_MIN_ELEMENTS || ForkJoinPool.getCommonPoolParallelism() < 1) {
            body.run(0, rows);
            return;
        }
        int split = groups / 2 * per;
        ForkJoinTask<?> other = ForkJoinPool.commonPool().submit(() -> body.run(split, rows));
        body.run(0, split);
        other.join();
    }

    /** One past x's last element, counted from its buffer pointer ({@link Ops#pointerOffset}); strides non-negative. */
    private static long end(INDArray x) {
        long end = Ops.pointerOffset(x) + 1;
        for (int i = 0; i < x.rank(); i++) end += (x.size(i) - 1) * x.stride(i);
        return end;
    }

    /** An fp32 buffer over x's memory, indexed from its buffer pointer, up to {@link #end}. */
    private static FloatBuffer floats(INDArray x) {
        long end = end(x);
        return new FloatPointer(x.data().addressPointer()).position(0).capacity(end).limit(end).asBuffer();
    }

    /** Access to the d-long rows {@code (b, h, t)} of an fp32 {@code [B, H, T, d]} array with unit stride along d. */
    private static final class HeadRows {
        private final FloatBuffer f;
        private final long offset, sb, sh, st;
        private final int d;

        HeadRows(INDArray x) {
            if (x.dataType() != DataType.FLOAT || x.rank() != 4 || x.stride(3) != 1)
                throw new IllegalArgumentException("head kernels take fp32 [B, H, T, d] arrays with unit stride along d, got "
                        + x.dataType() + " " + Arrays.toString(x.shape()) + " strides " + Arrays.toString(x.stride()));
            offset = Ops.pointerOffset(x);
            sb = x.stride(0);
            sh = x.stride(1);
            st = x.stride(2);
            d = (int) x.size(3);
            f = floats(x);
        }

        private int at(int b, int h, int t) { return (int) (offset + b * sb + h * sh + t * st); }

        void read(int b, int h, int t, float[] dst, int from) { f.get(at(b, h, t), dst, from, d); }

        void write(int b, int h, int t, float[] src, int from) { f.put(at(b, h, t), src, from, d); }
    }

    /** Row access to an fp32 rank-2 array with unit column stride. */
    private static final class Rows {
        private final FloatBuffer f;
        private final int offset, ld, cols;

        Rows(INDArray x) {
            if (x.dataType() != DataType.FLOAT || x.rank() != 2 || x.stride(1) != 1)
                throw new IllegalArgumentException("row kernels take fp32 [rows, C] arrays with unit column stride, got "
                        + x.dataType() + " " + Arrays.toString(x.shape()) + " strides " + Arrays.toString(x.stride()));
            offset = Math.toIntExact(Ops.pointerOffset(x));
            ld = Math.toIntExact(x.stride(0));
            cols = (int) x.columns();
            f = floats(x);
        }

        void read(int r, float[] dst) { f.get(offset + r * ld, dst, 0, cols); }

        void write(int r, float[] src) { f.put(offset + r * ld, src, 0, cols); }
    }
}
