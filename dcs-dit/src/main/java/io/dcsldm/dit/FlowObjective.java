package io.dcsldm.dit;

import io.dcsldm.core.config.InvalidValueException;
import io.dcsldm.core.runtime.Rng;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.SplittableRandom;

/**
 * The rectified-flow training objective (DESIGN §3.2): {@code x_t = (1 − t)·z + t·ε}, target velocity
 * {@code v = ε − z}, mean squared error. {@code t} is logit-normal ({@code t = σ(μ + s·n)}), labels are
 * dropped to the null class with probability {@code labelDropout} so the model also learns the
 * unconditional velocity for guidance. All draws come from generators seeded by {@code (seed, step)}.
 */
public final class FlowObjective {
    /** Objective settings (bound from the {@code flow} section of a DiT config). */
    public static class Settings {
        public double logitMean = 0.0;
        public double logitStd = 1.0;
        public double labelDropout = 0.1;

        public void validate() {
            if (logitStd <= 0) throw new InvalidValueException("flow.logitStd", "must be > 0, got " + logitStd);
            if (labelDropout < 0 || labelDropout > 1) throw new InvalidValueException("flow.labelDropout", "must be in [0, 1], got " + labelDropout);
        }
    }

    private final DcsDiT model;
    private final Settings settings;

    public FlowObjective(DcsDiT model, Settings settings) {
        settings.validate();
        this.model = model;
        this.settings = settings;
    }

    /**
     * Forward and backward for clean latents {@code z [B, T, c]} (all levels) with labels; gradients are
     * accumulated into the model's parameters. Returns the loss.
     */
    public double forwardBackward(INDArray z, int[] labels, long seed, long step) {
        int b = labels.length;
        int levels = model.layout().levels();
        int n = model.layout().tokens(levels), c = model.latentChannels();
        if (z.rank() != 3 || z.size(0) != b || z.size(1) != n || z.size(2) != c)
            throw new IllegalArgumentException("latents must be [" + b + ", " + n + ", " + c + "], got " + java.util.Arrays.toString(z.shape()));
        SplittableRandom r = new SplittableRandom(Rng.mix(seed, step, 1));
        double[] t = new double[b];
        int[] y = labels.clone();
        for (int i = 0; i < b; i++) {
            double g = gaussian(r);
            t[i] = 1.0 / (1.0 + Math.exp(-(settings.logitMean + settings.logitStd * g)));
            if (r.nextDouble() < settings.labelDropout) y[i] = model.nullClass();
        }
        INDArray z2 = z.dup('c').reshape((long) b * n, c);
        INDArray eps = Rng.normal(z.dataType(), Rng.mix(seed, step, 2), (long) b * n, c);
        // x_t = z + t·(ε − z), v = ε − z
        INDArray v = eps.sub(z2);
        INDArray tCol = org.nd4j.linalg.factory.Nd4j.create(t, new long[]{b, 1}).castTo(z.dataType());
        INDArray xt = io.dcsldm.core.nn.Ops.mulPerSample(v.dup(), org.nd4j.linalg.factory.Nd4j.tile(tCol, 1, c), b).addi(z2);
        INDArray pred = model.forward(xt, t, y, levels);
        INDArray diff = pred.subi(v);
        double loss = diff.mul(diff).sumNumber().doubleValue() / diff.length();
        model.backward(diff.muli(2.0 / diff.length()));
        return loss;
    }

    /** Box–Muller on a SplittableRandom (deterministic per seed). */
    static double gaussian(SplittableRandom r) {
        double u1 = r.nextDouble(), u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(Math.max(u1, 1e-300))) * Math.cos(2 * Math.PI * u2);
    }
}
