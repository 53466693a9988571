package io.dcsldm.dit;

import io.dcsldm.core.nn.LayerNorm;
import io.dcsldm.core.nn.Linear;
import io.dcsldm.core.nn.Ops;
import io.dcsldm.core.nn.ParamStore;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** adaLN-modulated norm and a zero-initialised {@code Linear(D → c)}: the model starts predicting zero velocity. */
final class FinalLayer {
    private final int width;
    private final LayerNorm norm;
    private final Linear modulation; // D → 2D (shift, scale), zero init
    private final Linear out;        // D → c, zero init
    private int batch;
    private INDArray mod, h;

    FinalLayer(ParamStore.Scope s, int width, int outChannels) {
        this.width = width;
        this.norm = new LayerNorm(s.scope("norm"), width, 1e-6, false);
        this.modulation = new Linear(s.scope("adaLN"), width, 2 * width, true, 0.0);
        this.out = new Linear(s.scope("out"), width, outChannels, true, 0.0);
    }

    /** {@code cond}: one row per sample or per run of tokens (see {@code TransformerBlock#forward}). */
    INDArray forward(INDArray x, INDArray cond) {
        this.batch = (int) cond.rows();
        mod = modulation.forward(cond);
        h = norm.forward(x);
        return out.forward(modulate(h, mod, batch));
    }

    /** Shift and scale {@code [B, 2D]} for a conditioning vector, computed once per flow time at inference. */
    INDArray modulationFor(INDArray cond) { return modulation.apply(cond); }

    INDArray apply(INDArray x, INDArray mod) {
        return out.apply(modulate(norm.apply(x), mod, (int) mod.rows()));
    }

    private INDArray modulate(INDArray h, INDArray m, int batch) {
        INDArray y = Ops.mulPerSample(h.dup(), chunk(m, 1).add(1.0), batch);
        return Ops.addPerSample(y, chunk(m, 0), batch);
    }

    private INDArray chunk(INDArray m, int i) {
        return m.get(NDArrayIndex.all(), NDArrayIndex.interval((long) i * width, (long) (i + 1) * width));
    }

    /** Returns dx; adds the conditioning gradient into {@code dCond}. */
    INDArray backward(INDArray dy, INDArray dCond) {
        INDArray dm = out.backward(dy);
        INDArray dMod = Nd4j.createUninitialized(dy.dataType(), batch, 2L * width);
        chunk(dMod, 0).assign(Ops.sumPerSample(dm, batch));
        chunk(dMod, 1).assign(Ops.sumPerSample(dm.mul(h), batch));
        INDArray dh = Ops.mulPerSample(dm, chunk(mod, 1).add(1.0), batch);
        dCond.addi(modulation.backward(dMod));
        return norm.backward(dh);
    }
}
