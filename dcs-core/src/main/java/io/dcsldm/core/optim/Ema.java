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

    /** One update with the constant decay. */
    public void update() {
        update(decay);
    }

    /**
     * One update after training step {@code step} (1-based) with a warm-up of the decay,
     * {@code d = min(decay, (1 + step) / (10 + step))}: without it the average of a short run keeps
     * {@code decay^steps} of the initial weights (11 % after 2200 steps at 0.999), and for adaLN-Zero
     * models, whose initial output is zero, that shrinks every prediction (measured on the Fashion-MNIST
     * DiT: conditional accuracy 19 % with the plain EMA against 58 % with the live weights).
     */
    public void update(long step) {
        update(decayAt(step));
    }

    /** The decay {@link #update(long)} uses after {@code step}. */
    public double decayAt(long step) {
        return Math.min(decay, (1.0 + step) / (10.0 + step));
    }

    private void update(double d) {
        for (int i = 0; i < shadow.length; i++)
            shadow[i].muli(d).addi(params.get(i).value().mul(1.0 - d));
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
