package io.dcsldm.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Reshapes between token matrices {@code [B·T, parts·C]} and per-head tensors {@code [B, H, T, d]}. */
final class Heads {
    private Heads() {}

    /** {@code [B·T, parts·H·d]} → {@code parts} contiguous tensors {@code [B, H, T, d]}. */
    static INDArray[] split(INDArray x, int batch, int parts, int heads) {
        int t = (int) (x.rows() / batch);
        int d = (int) (x.columns() / parts / heads);
        INDArray r = x.reshape(batch, t, parts, heads, d);
        INDArray[] out = new INDArray[parts];
        for (int i = 0; i < parts; i++)
            out[i] = r.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all())
                    .permute(0, 2, 1, 3).dup('c');
        return out;
    }

    /** {@code [B, H, T, d]} → {@code [B·T, H·d]}. */
    static INDArray merge(INDArray o) {
        long b = o.size(0), h = o.size(1), t = o.size(2), d = o.size(3);
        return o.permute(0, 2, 1, 3).dup('c').reshape(b * t, h * d);
    }

    /** Inverse of {@link #split}: parts {@code [B, H, T, d]} → {@code [B·T, parts·H·d]}. */
    static INDArray mergeParts(INDArray[] parts) {
        INDArray p0 = parts[0];
        long b = p0.size(0), h = p0.size(1), t = p0.size(2), d = p0.size(3);
        INDArray out = Nd4j.createUninitialized(p0.dataType(), b, t, parts.length, h, d);
        for (int i = 0; i < parts.length; i++)
            out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all())
                    .assign(parts[i].permute(0, 2, 1, 3));
        return out.reshape(b * t, parts.length * h * d);
    }
}
