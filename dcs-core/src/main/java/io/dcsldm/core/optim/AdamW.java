package io.dcsldm.core.optim;

import io.dcsldm.core.nn.Param;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW: ND4J's {@link AdamUpdater} for the adaptive step plus decoupled weight decay
 * {@code p ← p − lr·wd·p} (Loshchilov &amp; Hutter) on parameters flagged {@link Param#decay()}.
 *
 * <p>State (first and second moments) is allocated once per parameter as one detached {@code [1, 2n]}
 * view array; {@link #state()} exposes it for checkpoints. The bias correction uses the step count passed
 * to {@link #step}, so a resumed run continues exactly.</p>
 */
public final class AdamW {
    private final List<Param> params;
    private final Adam config;
    private final double weightDecay;
    private final AdamUpdater[] updaters;
    private final INDArray[] states;

    public AdamW(List<Param> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        this.params = List.copyOf(params);
        this.config = new Adam(lr, beta1, beta2, eps);
        this.weightDecay = weightDecay;
        this.updaters = new AdamUpdater[this.params.size()];
        this.states = new INDArray[this.params.size()];
        try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (int i = 0; i < updaters.length; i++) {
                Param p = this.params.get(i);
                states[i] = Nd4j.zeros(p.value().dataType(), 1, 2 * p.size());
                updaters[i] = new AdamUpdater(config);
                updaters[i].setStateViewArray(states[i], p.value().shape(), 'c', true);
            }
        }
    }

    /**
     * One update with learning rate {@code lr}; {@code step} counts from 0 and drives bias correction.
     * Consumes the gradients (they hold the update afterwards).
     */
    public void step(long step, double lr) {
        config.setLearningRate(lr);
        for (int i = 0; i < updaters.length; i++) {
            Param p = params.get(i);
            INDArray g = p.grad();
            updaters[i].applyUpdater(g, (int) step, 0);
            if (weightDecay > 0 && p.decay()) p.value().muli(1.0 - lr * weightDecay);
            p.value().subi(g);
        }
    }

    /** Moments per parameter, {@code opt/<name>} → {@code [1, 2n]} (m then v), live views. */
    public Map<String, INDArray> state() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (int i = 0; i < states.length; i++) m.put("opt/" + params.get(i).name(), states[i]);
        return m;
    }

    /** Restores moments saved by {@link #state()}; shapes must match. */
    public void load(Map<String, INDArray> saved) {
        for (int i = 0; i < states.length; i++) {
            String key = "opt/" + params.get(i).name();
            INDArray s = saved.get(key);
            if (s == null) throw new IllegalArgumentException("optimizer state has no entry " + key);
            if (s.length() != states[i].length())
                throw new IllegalArgumentException("optimizer state " + key + " has " + s.length() + " values, expected " + states[i].length());
            states[i].assign(s.reshape(states[i].shape()));
        }
    }
}
