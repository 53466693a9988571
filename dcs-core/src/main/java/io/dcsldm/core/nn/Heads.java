package io.dcsldm.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Reshapes between token matrices {@code [B·T, parts·C]} and per-head tensors {@code [B, H, T, d]}. */
final class Heads {
    private Heads() {}

    /**
     * {@code [B·T, parts·H·d]} → {@code parts} tensors {@code [B, H, T, d]}, c-contiguous views into one stacked
     * {@code [parts, B, H, T, d]} array filled by one permuting copy. Inside a step workspace this copy took 0.75–0.9 ms
     * for the benchmark's qkv ({@code [2048, 768]}) against 1.5–2.3 ms for a {@code dup} per part (a microbenchmark, two runs).
     */
    static INDArray[] split(INDArray x, int batch, int parts, int heads) {
        int t = (int) (x.rows() / batch);
        int d = (int) (x.columns() / parts / heads);
        INDArray stacked = Nd4j.createUninitialized(x.dataType(), parts, batch, heads, t, d);
        stacked.assign(x.reshape(batch, t, parts, heads, d).permute(2, 0, 3, 1, 4));
        return parts(stacked);
    }

    /** The {@code [B, H, T, d]} parts of a stacked {@code [parts, B, H, T, d]} array, as views. */
    static INDArray[] parts(INDArray stacked) {
        INDArray[] out = new INDArray[(int) stacked.size(0)];
        for (int i = 0; i < out.length; i++)
            out[i] = stacked.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
        return out;
    }

    /** {@code [B, H, T, d]} → {@code [B·T, H·d]}. */
    static INDArray merge(INDArray o) {
        long b = o.size(0), h = o.size(1), t = o.size(2), d = o.size(3);
        return o.permute(0, 2, 1, 3).dup('c').reshape(b * t, h * d);
    }

    /**
     * Inverse of {@link #split}: a stacked {@code [parts, B, H, T, d]} array → {@code [B·T, parts·H·d]}, one permuting
     * copy (0.86–0.96 ms for the benchmark's qkv gradient against 1.16–1.36 ms for one copy per part).
     */
    static INDArray mergeStacked(INDArray stacked) {
        long p = stacked.size(0), b = stacked.size(1), h = stacked.size(2), t = stacked.size(3), d = stacked.size(4);
        INDArray out = Nd4j.createUninitialized(stacked.dataType(), b, t, p, h, d);
        out.assign(stacked.permute(1, 3, 0, 2, 4));
        return out.reshape(b * t, p * h * d);
    }
}
