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
        /**
         * For training causal in time only: the probability that a clip's frontier is temporal patch 0, i.e. that
         * the clip has no clean context and its first patch is denoised from its own noise alone, as the sampler
         * generates it; the other frontiers share the rest equally. {@value #UNIFORM_FRONTIER} (the default): every
         * frontier equally likely, {@code 1/G_t} each, drawn as before this key existed. Why a knob: the first
         * patch is where a clip's digit is decided from noise, and with uniform frontiers only {@code 1/G_t} of
         * the clips train it.
         */
        public double frontierZeroShare = UNIFORM_FRONTIER;

        /** The value of {@link #frontierZeroShare} that draws every frontier with equal probability. */
        public static final double UNIFORM_FRONTIER = -1.0;

        public void validate() {
            if (logitStd <= 0) throw new InvalidValueException("flow.logitStd", "must be > 0, got " + logitStd);
            if (labelDropout < 0 || labelDropout > 1) throw new InvalidValueException("flow.labelDropout", "must be in [0, 1], got " + labelDropout);
            if (frontierZeroShare != UNIFORM_FRONTIER && !(frontierZeroShare >= 0 && frontierZeroShare <= 1))
                throw new InvalidValueException("flow.frontierZeroShare",
                        "must be in [0, 1], or " + UNIFORM_FRONTIER + " for equally likely frontiers, got " + frontierZeroShare);
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

    /**
     * The objective for generation causal in time ({@link FlowSampler#causalInTime}), after Diffusion Forcing: per
     * sample a frontier temporal patch {@code k} is drawn ({@link #frontier}); patches before it are clean ({@code t = 0}, the
     * context the sampler feeds from finished patches) and carry no loss; the frontier and every later patch get
     * their own logit-normal time, shared by the patch's levels (DESIGN §3.3 within a patch). Each token is
     * conditioned on its own patch's time ({@link DcsDiT#forwardPerTime}). Why: with one time shared by a whole clip a
     * time-causal flow can only learn {@code E[v | own x_t]} per patch, which loses most of the coupling between
     * temporal patches (docs/video.md, {@code CausalFlowCouplingTest}); given clean earlier patches the velocity is
     * the exact conditional one. Returns the mean squared error over the tokens that carry loss.
     */
    public double forwardBackwardCausalInTime(INDArray z, int[] labels, long seed, long step) {
        int b = labels.length, levels = model.layout().levels(), times = model.layout().times();
        int n = model.layout().tokens(levels), c = model.latentChannels();
        if (z.rank() != 3 || z.size(0) != b || z.size(1) != n || z.size(2) != c)
            throw new IllegalArgumentException("latents must be [" + b + ", " + n + ", " + c + "], got " + java.util.Arrays.toString(z.shape()));
        SplittableRandom r = new SplittableRandom(Rng.mix(seed, step, 1));
        double[] t = new double[b * times];
        int[] y = labels.clone();
        for (int i = 0; i < b; i++) {
            int frontier = frontier(r, times, settings.frontierZeroShare);
            for (int p = 0; p < times; p++) {
                double g = gaussian(r); // drawn for every patch, so the draws do not depend on the frontier
                t[i * times + p] = p < frontier ? 0.0 : 1.0 / (1.0 + Math.exp(-(settings.logitMean + settings.logitStd * g)));
            }
            if (r.nextDouble() < settings.labelDropout) y[i] = model.nullClass();
        }
        // per token: its patch's time and whether it carries loss (level-major order: level, patch, spatial tokens)
        int group = model.groupSize();
        float[] tTok = new float[b * n], lossTok = new float[b * n];
        int lossTokens = 0;
        for (int i = 0; i < b; i++)
            for (int tok = 0; tok < n; tok++) {
                int p = (tok / group) % times;
                double tp = t[i * times + p];
                tTok[i * n + tok] = (float) tp;
                if (tp > 0) {
                    lossTok[i * n + tok] = 1f;
                    lossTokens++;
                }
            }
        org.nd4j.linalg.api.buffer.DataType dt = z.dataType();
        INDArray tCol = org.nd4j.linalg.factory.Nd4j.create(tTok, new long[]{(long) b * n, 1}).castTo(dt);
        INDArray keep = org.nd4j.linalg.factory.Nd4j.create(lossTok, new long[]{(long) b * n, 1}).castTo(dt);
        INDArray z2 = z.dup('c').reshape((long) b * n, c);
        INDArray eps = Rng.normal(dt, Rng.mix(seed, step, 2), (long) b * n, c);
        INDArray v = eps.sub(z2);
        INDArray xt = v.mulColumnVector(tCol).addi(z2); // x_t = z + t·(ε − z); clean patches stay z exactly
        INDArray pred = model.forwardPerTime(xt, t, y, levels);
        INDArray diff = pred.subi(v).muliColumnVector(keep);
        double count = (double) lossTokens * c;
        double loss = diff.mul(diff).sumNumber().doubleValue() / count;
        model.backward(diff.muli(2.0 / count));
        return loss;
    }

    /**
     * A clip's frontier temporal patch in {@code [0, times)}: patch 0 with probability {@code zeroShare} and each
     * later patch with {@code (1 − zeroShare)/(times − 1)}; with {@link Settings#UNIFORM_FRONTIER} every patch with
     * {@code 1/times}, by the single draw training used before the share existed (so older configs reproduce).
     */
    static int frontier(SplittableRandom r, int times, double zeroShare) {
        if (zeroShare == Settings.UNIFORM_FRONTIER || times == 1) return r.nextInt(times);
        return r.nextDouble() < zeroShare ? 0 : 1 + r.nextInt(times - 1);
    }

    /** Box–Muller on a SplittableRandom (deterministic per seed). */
    static double gaussian(SplittableRandom r) {
        double u1 = r.nextDouble(), u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(Math.max(u1, 1e-300))) * Math.cos(2 * Math.PI * u2);
    }
}
