package io.dcsldm.core.nn;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * Fused row-wise kernels for the inference path of a transformer block, written in plain Java over the
 * arrays' off-heap memory: one pass per fused operation instead of one ND4J op per step of it.
 *
 * <p>Why: on this 2-core machine every ND4J op costs 20–90 µs whatever its size (dispatch, shape buffers,
 * waking the op threads), while a {@code [512, 128]} row pass in Java costs 20–50 µs in total. A DiT block's
 * layer norm and adaLN modulation alone were ten ND4J ops; the progressive sampler makes four times as many
 * block calls as the joint one, each a quarter of the size, so per-op cost was most of the wall-time gap
 * between the two (docs/dit.md). The kernels compute in double and round once per output element.</p>
 *
 * <p>They apply to fp32 and fp64 arrays on ND4J's CPU backend whose rows are contiguous (unit column stride);
 * {@link #applies} says so, and callers keep the ND4J composition for anything else. {@code
 * -Ddcs.rowKernels=false} turns them off everywhere (then inference runs exactly the ops training runs).</p>
 */
public final class RowKernels {
    static boolean enabled = Boolean.parseBoolean(System.getProperty("dcs.rowKernels", "true"));

    private RowKernels() {}

    /** Whether the kernels can run on all of these arrays (nulls are ignored). */
    public static boolean applies(INDArray... xs) {
        if (!enabled || !Nd4j.getEnvironment().isCPU()) return false;
        DataType dt = null;
        for (INDArray x : xs) {
            if (x == null) continue;
            if (dt == null) dt = x.dataType();
            if (x.dataType() != dt || (dt != DataType.FLOAT && dt != DataType.DOUBLE)) return false;
            if (x.rank() != 2 || x.stride(1) != 1 || x.stride(0) < x.size(1) || x.length() == 0) return false;
        }
        return true;
    }

    /**
     * {@code out[r] = LN(x[r]) ⊙ (1 + scale[g]) + shift[g]} with {@code g = r / (rows / groups)}: layer norm
     * without affine followed by adaLN modulation, for {@code x: [rows, C]}, {@code shift, scale: [groups, C]}
     * (e.g. column chunks of a modulation matrix). Returns a new array.
     */
    public static INDArray normModulate(INDArray x, double eps, INDArray shift, INDArray scale, int groups) {
        int rows = (int) x.rows(), c = (int) x.columns(), per = perGroup(rows, groups);
        INDArray out = Nd4j.createUninitialized(x.dataType(), rows, c);
        Rows in = new Rows(x), o = new Rows(out), sh = new Rows(shift), sc = new Rows(scale);
        double[] v = new double[c], a = new double[c], s = new double[c];
        for (int r = 0; r < rows; r++) {
            if (r % per == 0) {
                sc.read(r / per, a);
                for (int j = 0; j < c; j++) a[j] += 1.0;
                sh.read(r / per, s);
            }
            in.read(r, v);
            double rstd = normalize(v, eps);
            for (int j = 0; j < c; j++) v[j] = v[j] * rstd * a[j] + s[j];
            o.write(r, v);
        }
        return out;
    }

    /**
     * In place on {@code y}: {@code y[r] = x[r] + gate[g] ⊙ y[r]} with {@code g = r / (rows / groups)}, the
     * gated residual of adaLN-Zero. Returns {@code y}.
     */
    public static INDArray addGated(INDArray x, INDArray y, INDArray gate, int groups) {
        int rows = (int) x.rows(), c = (int) x.columns(), per = perGroup(rows, groups);
        if (y.rows() != rows || y.columns() != c) throw new IllegalArgumentException("shape mismatch");
        Rows in = new Rows(x), io = new Rows(y), g = new Rows(gate);
        double[] xv = new double[c], yv = new double[c], gv = new double[c];
        for (int r = 0; r < rows; r++) {
            if (r % per == 0) g.read(r / per, gv);
            in.read(r, xv);
            io.read(r, yv);
            for (int j = 0; j < c; j++) yv[j] = xv[j] + gv[j] * yv[j];
            io.write(r, yv);
        }
        return y;
    }

    /**
     * {@code a · x · (1 + b·x²)} elementwise into a new array: the polynomial argument of the tanh-GELU's sigmoid
     * ({@link GeluTanh}), one pass instead of four ND4J ops. Computed in the arrays' own precision.
     */
    public static INDArray cubicArgument(INDArray x, double a, double b) {
        int rows = (int) x.rows(), c = (int) x.columns();
        INDArray out = Nd4j.createUninitialized(x.dataType(), rows, c);
        Rows in = new Rows(x), o = new Rows(out);
        if (in.d != null) {
            double[] v = new double[c];
            for (int r = 0; r < rows; r++) {
                in.d.get(in.at(r), v, 0, c);
                for (int j = 0; j < c; j++) v[j] = a * v[j] * (1.0 + b * v[j] * v[j]);
                o.d.put(o.at(r), v, 0, c);
            }
        } else {
            float[] v = new float[c];
            float fa = (float) a, fb = (float) b;
            for (int r = 0; r < rows; r++) {
                in.f.get(in.at(r), v, 0, c);
                for (int j = 0; j < c; j++) v[j] = fa * v[j] * (1f + fb * v[j] * v[j]);
                o.f.put(o.at(r), v, 0, c);
            }
        }
        return out;
    }

    /** Every row of {@code y: [rows, C]} set to {@code row: [1, C]} (a bias, before a GEMM that adds into y). */
    public static void fillRows(INDArray y, INDArray row) {
        int rows = (int) y.rows(), c = (int) y.columns();
        Rows o = new Rows(y);
        double[] v = new double[c];
        new Rows(row.reshape(1, c)).read(0, v);
        for (int r = 0; r < rows; r++) o.write(r, v);
    }

    /** Centres v in place and returns 1 / sqrt(var + eps); partial sums in four lanes so the JIT can overlap them. */
    private static double normalize(double[] v, double eps) {
        int c = v.length, j = 0;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (; j + 3 < c; j += 4) { s0 += v[j]; s1 += v[j + 1]; s2 += v[j + 2]; s3 += v[j + 3]; }
        for (; j < c; j++) s0 += v[j];
        double mean = ((s0 + s1) + (s2 + s3)) / c;
        double q0 = 0, q1 = 0, q2 = 0, q3 = 0;
        for (j = 0; j < c; j++) v[j] -= mean;
        for (j = 0; j + 3 < c; j += 4) { q0 += v[j] * v[j]; q1 += v[j + 1] * v[j + 1]; q2 += v[j + 2] * v[j + 2]; q3 += v[j + 3] * v[j + 3]; }
        for (; j < c; j++) q0 += v[j] * v[j];
        return 1.0 / Math.sqrt(((q0 + q1) + (q2 + q3)) / c + eps);
    }

    private static int perGroup(int rows, int groups) {
        if (groups < 1 || rows % groups != 0)
            throw new IllegalArgumentException(rows + " rows do not split into " + groups + " equal groups");
        return rows / groups;
    }

    /** Row access to a rank-2 array with unit column stride, in fp32 or fp64, converting to and from double. */
    private static final class Rows {
        private final FloatBuffer f;
        private final DoubleBuffer d;
        private final int offset, ld, cols;
        private final float[] tmp;

        Rows(INDArray x) {
            Pointer base = x.data().addressPointer();
            long off = x.offset() - x.data().offset(); // a view's buffer pointer already starts at the buffer's offset
            long end = off + (x.rows() - 1) * x.stride(0) + x.columns();
            offset = Math.toIntExact(off);
            ld = Math.toIntExact(x.stride(0));
            cols = (int) x.columns();
            if (x.dataType() == DataType.DOUBLE) {
                d = new DoublePointer(base).position(0).capacity(end).limit(end).asBuffer();
                f = null;
                tmp = null;
            } else {
                f = new FloatPointer(base).position(0).capacity(end).limit(end).asBuffer();
                d = null;
                tmp = new float[cols];
            }
        }

        int at(int r) { return offset + r * ld; }

        void read(int r, double[] dst) {
            int at = at(r);
            if (d != null) {
                d.get(at, dst, 0, cols);
            } else {
                f.get(at, tmp, 0, cols);
                for (int j = 0; j < cols; j++) dst[j] = tmp[j];
            }
        }

        void write(int r, double[] src) {
            int at = at(r);
            if (d != null) {
                d.put(at, src, 0, cols);
            } else {
                for (int j = 0; j < cols; j++) tmp[j] = (float) src[j];
                f.put(at, tmp, 0, cols);
            }
        }
    }
}
