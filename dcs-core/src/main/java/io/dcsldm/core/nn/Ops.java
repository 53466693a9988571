package io.dcsldm.core.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.concurrent.ConcurrentHashMap;

/** Small numeric helpers shared by the modules. */
public final class Ops {
    private Ops() {}

    private static final ConcurrentHashMap<String, INDArray> ONES = new ConcurrentHashMap<>();

    /**
     * A detached {@code [1, n]} row of ones, cached per (dtype, n): bias gradients are {@code 1ᵀ·dy}
     * GEMMs, far faster in ND4J than {@code sum(0)}.
     */
    public static INDArray ones(DataType dt, long n) {
        return ONES.computeIfAbsent(dt + ":" + n, k -> {
            try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                return Nd4j.ones(dt, 1, n);
            }
        });
    }

    /**
     * {@code acc += Σ_rows x} for {@code x: [N, C]} and a contiguous {@code acc: [1, C]} (a bias gradient), as the
     * GEMM {@code xᵀ·1} with β = 1 into acc viewed as {@code [C, 1]}. Measured here for {@code [2048, 768]}:
     * ≈2 ms, against ≈5–8 ms for the row-vector form {@code 1ᵀ·x} and ≈3–6 ms for {@code sum(0)}.
     */
    public static void addColumnSums(INDArray x, INDArray acc) {
        INDArray col = acc.reshape(acc.length(), 1);
        Nd4j.gemm(x, ones(x.dataType(), x.rows()).reshape(x.rows(), 1), col, true, false, 1.0, 1.0);
        if (!sameStart(col, acc)) acc.assign(col.reshape(acc.shape())); // only if the reshape had to copy (acc not contiguous)
    }

    /**
     * Element offset of x's first element from {@code x.data().addressPointer()}, which already starts at a view
     * buffer's own offset. (Unlike {@link #sameStart}, which measures from the raw {@code data().address()}.)
     */
    static long pointerOffset(INDArray x) {
        return x.offset() - x.data().offset();
    }

    /** Whether two arrays start at the same memory: tells whether a reshape returned a view or a copy. */
    static boolean sameStart(INDArray x, INDArray y) {
        return x.data().address() + x.offset() * x.data().getElementSize() == y.data().address() + y.offset() * y.data().getElementSize();
    }

    /**
     * {@code x[b, t, c] *= v[b, c]} for a token matrix {@code x: [B·T, C]} viewed as {@code [B, T, C]}:
     * per-sample modulation (adaLN scale and gate).
     */
    public static INDArray mulPerSample(INDArray x, INDArray v, int batch) {
        INDArray x3 = x.reshape(batch, x.rows() / batch, x.columns());
        Nd4j.getExecutioner().exec(new BroadcastMulOp(x3, v, x3, 0, 2));
        return x;
    }

    /** {@code x[b, t, c] · v[b, c]} into a new array (one pass instead of {@code dup} + in-place multiply). */
    public static INDArray mulPerSampleNew(INDArray x, INDArray v, int batch) {
        INDArray out = Nd4j.createUninitialized(x.dataType(), x.shape());
        INDArray x3 = x.reshape(batch, x.rows() / batch, x.columns()), o3 = out.reshape(x3.shape());
        Nd4j.getExecutioner().exec(new BroadcastMulOp(x3, v, o3, 0, 2));
        return out;
    }

    /** {@code x[b, t, c] += v[b, c]} (adaLN shift). */
    public static INDArray addPerSample(INDArray x, INDArray v, int batch) {
        INDArray x3 = x.reshape(batch, x.rows() / batch, x.columns());
        Nd4j.getExecutioner().exec(new BroadcastAddOp(x3, v, x3, 0, 2));
        return x;
    }

    /** {@code out[b, c] = Σ_t x[b, t, c]}: the gradient of a per-sample broadcast. */
    public static INDArray sumPerSample(INDArray x, int batch) {
        return x.reshape(batch, x.rows() / batch, x.columns()).sum(1);
    }

    /**
     * {@code x[s, p, c] += v[p, c]} for {@code x: [S·P, C]} viewed as {@code [S, P, C]}: a per-position term
     * (positional embedding) shared by every sequence.
     */
    public static INDArray addPerPosition(INDArray x, INDArray v, int sequences) {
        INDArray x3 = x.reshape(sequences, x.rows() / sequences, x.columns());
        Nd4j.getExecutioner().exec(new BroadcastAddOp(x3, v, x3, 1, 2));
        return x;
    }

    /** {@code out[p, c] = Σ_s x[s, p, c]}: the gradient of {@link #addPerPosition}, as one GEMM. */
    public static INDArray sumOverSequences(INDArray x, int sequences) {
        long per = x.rows() / sequences;
        INDArray flat = x.reshape(sequences, per * x.columns());
        INDArray out = Nd4j.createUninitialized(x.dataType(), 1, per * x.columns());
        Nd4j.gemm(ones(x.dataType(), sequences), flat, out, false, false, 1.0, 0.0);
        return out.reshape(per, x.columns());
    }

    /**
     * Exact equality: same shape, same data type and the same bits in every element (C order). Use this,
     * not {@code INDArray.equals}, for "bit-identical" claims: ND4J's {@code equals} allows a 1e-5 difference.
     */
    public static boolean bitIdentical(INDArray a, INDArray b) {
        if (!java.util.Arrays.equals(a.shape(), b.shape()) || a.dataType() != b.dataType()) return false;
        INDArray x = a.dup('c'), y = b.dup('c');
        if (a.dataType() == org.nd4j.linalg.api.buffer.DataType.DOUBLE)
            return java.util.Arrays.equals(x.data().asDouble(), y.data().asDouble());
        return java.util.Arrays.equals(x.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).data().asFloat(),
                y.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).data().asFloat());
    }
}
