package io.dcsldm.core.embed;

import io.dcsldm.core.nn.Param;
import io.dcsldm.core.nn.ParamStore;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A learned lookup table {@code [rows, D]}. Lookups are done as a one-hot GEMM, {@code E·table}, and the
 * gradient as {@code Eᵀ·dy}: for the small tables used here (levels, classes, latent queries) this is
 * exact, fast, and needs no scatter op.
 */
public final class Embedding {
    private final Param table;
    private final int rows;
    private INDArray oneHot;

    public Embedding(ParamStore.Scope scope, int rows, int dim, double std) {
        this.rows = rows;
        this.table = scope.normal("table", std, false, rows, dim);
    }

    public int rows() { return rows; }

    public Param table() { return table; }

    /** Rows {@code ids[i]} of the table, {@code [ids.length, D]}; caches the selection for backward. */
    public INDArray forward(int[] ids) {
        oneHot = oneHot(ids);
        return oneHot.mmul(table.value());
    }

    public INDArray apply(int[] ids) {
        return oneHot(ids).mmul(table.value());
    }

    public void backward(INDArray dy) {
        Nd4j.gemm(oneHot, dy, table.grad(), true, false, 1.0, 1.0);
    }

    private INDArray oneHot(int[] ids) {
        INDArray e = Nd4j.zeros(table.value().dataType(), ids.length, rows);
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= rows) throw new IndexOutOfBoundsException("embedding id " + ids[i] + " not in [0, " + rows + ")");
            e.putScalar(i, ids[i], 1.0);
        }
        return e;
    }
}
