package io.dcsldm.dit;

import io.dcsldm.core.embed.Sinusoidal;
import io.dcsldm.core.nn.Linear;
import io.dcsldm.core.nn.ParamStore;
import io.dcsldm.core.nn.Silu;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Embeds scalar flow times into vectors: sinusoidal features, then {@code Linear → SiLU → Linear} (DiT). */
final class TimestepEmbedder {
    private final int frequencyWidth;
    private final Linear fc1;
    private final Linear fc2;
    private final Silu act = new Silu();

    TimestepEmbedder(ParamStore.Scope s, int width, int frequencyWidth) {
        this.frequencyWidth = frequencyWidth;
        this.fc1 = new Linear(s.scope("fc1"), frequencyWidth, width, true, 0.02 * Math.sqrt(3));
        this.fc2 = new Linear(s.scope("fc2"), width, width, true, 0.02 * Math.sqrt(3));
    }

    INDArray forward(double[] t, org.nd4j.linalg.api.buffer.DataType dt) {
        return fc2.forward(act.forward(fc1.forward(Sinusoidal.timestep(t, frequencyWidth, dt))));
    }

    INDArray apply(double[] t, org.nd4j.linalg.api.buffer.DataType dt) {
        return fc2.apply(Silu.apply(fc1.apply(Sinusoidal.timestep(t, frequencyWidth, dt))));
    }

    void backward(INDArray dy) {
        fc1.backwardParamsOnly(act.backward(fc2.backward(dy)));
    }
}
