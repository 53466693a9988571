package io.dcsldm.core.optim;

import io.dcsldm.core.nn.Param;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Exponential moving average of the weights, {@code e ← d·e + (1 − d)·p}, used for evaluation and
 * sampling. {@link #swap()} exchanges live and averaged weights in place (call it twice to undo).
 */
public final class Ema {
    private final List<Param> params;
    private final double decay;
    private final INDArray[] shadow;

    public Ema(List<Param> params, double decay) {
        this.params = List.copyOf(params);
        this.decay = decay;
        this.shadow = new INDArray[this.params.size()];
        try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (int i = 0; i < shadow.length; i++) shadow[i] = this.params.get(i).value().dup();
        }
    }

    public double decay() { return decay; }

    public void update() {
        for (int i = 0; i < shadow.length; i++)
            shadow[i].muli(decay).addi(params.get(i).value().mul(1.0 - decay));
    }

    /** Exchanges the live weights and the averages. */
    public void swap() {
        for (int i = 0; i < shadow.length; i++) {
            INDArray live = params.get(i).value();
            INDArray tmp = live.dup();
            live.assign(shadow[i]);
            shadow[i].assign(tmp);
        }
    }

    /** {@code ema/<name>} → averaged weights (live views). */
    public Map<String, INDArray> state() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (int i = 0; i < shadow.length; i++) m.put("ema/" + params.get(i).name(), shadow[i]);
        return m;
    }

    public void load(Map<String, INDArray> saved) {
        for (int i = 0; i < shadow.length; i++) {
            String key = "ema/" + params.get(i).name();
            INDArray s = saved.get(key);
            if (s == null) throw new IllegalArgumentException("EMA state has no entry " + key);
            shadow[i].assign(s);
        }
    }
}
