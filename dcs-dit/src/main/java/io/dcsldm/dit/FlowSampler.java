package io.dcsldm.dit;

import io.dcsldm.core.mask.TokenGroups;
import io.dcsldm.core.nn.KvCache;
import io.dcsldm.core.runtime.StepWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Rectified-flow samplers (DESIGN §3.2–3.3) over a {@link DcsDiT}: integrate {@code dx/dt = v} from pure
 * noise at {@code t = 1} to data at {@code t = 0} on the grid {@code t_i = 1 − i/N}, with Euler or Heun
 * steps and classifier-free guidance {@code v = v_u + w·(v_c − v_u)} ({@code w = 1}: conditional only).
 *
 * <p>Two paths over the same model. {@link #joint} denoises all levels together. {@link #progressive}
 * runs level 0 through all steps, caching every block's keys/values and the conditioning per model
 * evaluation, then level 1 against those caches, and so on: level {@code ℓ} at evaluation {@code e}
 * needs only levels {@code ≤ ℓ} at evaluation {@code e}, so both paths compute the same thing with the
 * same multiply-adds, and a preview of each finished prefix is available early.</p>
 */
public final class FlowSampler {
    public enum Method {
        EULER(1), HEUN(2);
        final int evaluationsPerStep;

        Method(int e) { evaluationsPerStep = e; }
    }

    /** Called after each finished level with the latent prefix {@code [B, T_l, c]}; return false to stop. */
    public interface LevelListener {
        boolean levelDone(int levels, INDArray prefix);
    }

    private final DcsDiT model;
    private final Method method;
    private final int steps;
    private final double guidance;
    private long macs;
    private long cacheBytes;
    /**
     * Every model evaluation's temporaries live in this reused arena. Without it every op allocated fresh
     * off-heap memory (first touch ≈3 ns/byte here); with it and {@link DcsDiT#reusableCaches}, the
     * progressive/joint wall-time ratio of the shipped Fashion-MNIST model fell from 1.67 to 1.40 on a quiet
     * machine (docs/dit.md, "Wall time of the two paths").
     */
    private final StepWorkspace stepWorkspace = new StepWorkspace("dcs-sampling-step");

    public FlowSampler(DcsDiT model, Method method, int steps, double guidance) {
        if (steps < 1) throw new IllegalArgumentException("steps must be ≥ 1, got " + steps);
        this.model = model;
        this.method = method;
        this.steps = steps;
        this.guidance = guidance;
    }

    /** Multiply-adds of the last sampling call (model evaluations only). */
    public long lastMacs() { return macs; }

    /** Bytes of key/value caches held by the last progressive call. */
    public long lastCacheBytes() { return cacheBytes; }

    private boolean guided() { return guidance != 1.0; }

    /** Labels of one model evaluation: the classes, then (with guidance) the null class for each sample. */
    private int[] evalLabels(int[] labels) {
        if (!guided()) return labels;
        int[] y = new int[labels.length * 2];
        System.arraycopy(labels, 0, y, 0, labels.length);
        java.util.Arrays.fill(y, labels.length, y.length, model.nullClass());
        return y;
    }

    /** Flow time after {@code i} of the {@code steps} uniform steps from 1 to 0 (a step's start; its end is {@code i + 1}). */
    private double flowTime(int i) { return 1.0 - (double) i / steps; }

    private static double[] times(double t, int n) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, t);
        return a;
    }

    /** Guided velocity from a stacked [cond; uncond] evaluation ({@code [E·T, c]} rows, E = B or 2B). */
    private INDArray combine(INDArray v, int b, int tokens) {
        if (!guided()) return v;
        INDArray vc = v.get(NDArrayIndex.interval(0, (long) b * tokens), NDArrayIndex.all());
        INDArray vu = v.get(NDArrayIndex.interval((long) b * tokens, 2L * b * tokens), NDArrayIndex.all());
        return vc.sub(vu).muli(guidance).addi(vu);
    }

    private INDArray stackForEval(INDArray x) {
        return guided() ? Nd4j.concat(0, x, x) : x;
    }

    /**
     * Joint generation of the first {@code levels} levels from {@code noise [B, T_levels, c]}; returns the
     * final latent {@code [B, T_levels, c]}.
     */
    public INDArray joint(INDArray noise, int[] labels, int levels) {
        return jointFrom(noise, 1.0, labels, levels);
    }

    /**
     * Joint denoising of a latent {@code start [B, T_levels, c]} that is already at flow time {@code from} ∈ (0, 1]:
     * data noised to {@code from} (SDEdit-style partial denoising, used to find the noise level at which a model loses
     * what the data showed). Takes {@code ⌈steps·from⌉} uniform steps from {@code from} to 0, so no step is longer than
     * the full run's; {@code from = 1} is {@link #joint}, float for float.
     */
    public INDArray jointFrom(INDArray start, double from, int[] labels, int levels) {
        if (!(from > 0 && from <= 1)) throw new IllegalArgumentException("the start flow time must be in (0, 1], got " + from);
        int b = labels.length, n = model.layout().tokens(levels), c = model.latentChannels();
        checkNoise(start, b, n);
        int[] y = evalLabels(labels);
        int e = y.length;
        // ⌈steps·from⌉, less a rounding allowance: 25·0.28 is 7.000000000000001 in doubles and must give 7 steps, not 8
        int count = Math.max(1, (int) Math.ceil(steps * from - 1e-9));
        macs = 0;
        INDArray x = start.get(NDArrayIndex.all(), NDArrayIndex.interval(0, n), NDArrayIndex.all()).dup('c').reshape((long) b * n, c);
        for (int i = 0; i < count; i++) {
            double t0 = from * (1.0 - (double) i / count), t1 = from * (1.0 - (double) (i + 1) / count);
            stepWorkspace.run(() -> {
                integrate(x, t1 - t0,
                        at -> combine(model.apply(stackForEval(at), model.condition(times(t0, e), y), levels), b, n),
                        at -> combine(model.apply(stackForEval(at), model.condition(times(t1, e), y), levels), b, n));
            });
            macs += (long) method.evaluationsPerStep * (model.macsConditioning(e) + model.macs(e, levels));
        }
        return x.reshape(b, n, c);
    }

    /**
     * Level-by-level generation with key/value caches. Generates at most {@code levels} levels; the
     * listener (may be null) sees each finished prefix and may stop early. Returns the generated prefix.
     * The caches come from the model's {@link DcsDiT#reusableCaches pool}: one progressive call per model at a time.
     */
    public INDArray progressive(INDArray noise, int[] labels, int levels, LevelListener listener) {
        int b = labels.length, c = model.latentChannels();
        checkNoise(noise, b, model.layout().tokens(levels));
        int[] y = evalLabels(labels);
        int e = y.length;
        int evals = steps * method.evaluationsPerStep;
        KvCache[][] caches = model.reusableCaches(evals, e);
        DcsDiT.Conditioning[] conds = evaluationConditionings(evals, y);
        cacheBytes = 0;
        for (KvCache[] set : caches) for (KvCache kc : set) cacheBytes += kc.bytes();
        INDArray[] done = new INDArray[levels];
        int generated = 0;
        for (int l = 0; l < levels; l++) {
            int from = model.layout().tokens(l), to = model.layout().tokens(l + 1), n = to - from;
            INDArray x = noise.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup('c').reshape((long) b * n, c);
            for (int i = 0; i < steps; i++) {
                double t0 = flowTime(i), t1 = flowTime(i + 1);
                int k = i * method.evaluationsPerStep, level = l;
                stepWorkspace.run(() -> {
                    integrate(x, t1 - t0,
                            at -> combine(model.applyCached(stackForEval(at), conds[k], level, caches[k]), b, n),
                            at -> combine(model.applyCached(stackForEval(at), conds[k + 1], level, caches[k + 1]), b, n));
                });
                macs += (long) method.evaluationsPerStep * model.macsCached(e, l);
            }
            done[l] = x.reshape(b, n, c);
            generated = l + 1;
            if (listener != null && !listener.levelDone(generated, Nd4j.concat(1, java.util.Arrays.copyOf(done, generated)))) break;
        }
        return Nd4j.concat(1, java.util.Arrays.copyOf(done, generated));
    }

    /**
     * The conditioning of every model evaluation of a run (its flow time: a step's start, or Heun's end), computed
     * once and shared by all levels and temporal patches; resets {@link #lastMacs} to their cost.
     */
    private DcsDiT.Conditioning[] evaluationConditionings(int evals, int[] y) {
        DcsDiT.Conditioning[] conds = new DcsDiT.Conditioning[evals];
        macs = 0;
        for (int k = 0; k < evals; k++) {
            int step = k / method.evaluationsPerStep;
            double t = flowTime(k % method.evaluationsPerStep == 0 ? step : step + 1);
            conds[k] = model.condition(times(t, y.length), y);
            macs += model.macsConditioning(y.length);
        }
        return conds;
    }

    /** Called after each finished temporal patch of {@link #causalInTime} with the latent so far {@code [B, T_l, c]} (later patches still hold their noise). */
    public interface PatchListener {
        void patchDone(int patches, INDArray latent);
    }

    /**
     * Generation causal in time, for models trained with {@link FlowObjective#forwardBackwardCausalInTime}: temporal
     * patch 0 is generated from its noise through all steps, then fed once at flow time 0 into a context cache; patch 1 is
     * generated attending to it, and so on. Within a patch, {@code progressive} goes level by level with one cache per
     * model evaluation, as {@link #progressive} does for the whole sequence (DESIGN §3.3); otherwise the patch's levels
     * are denoised together. Both compute the same thing with the same multiply-adds: the steps of every token plus one
     * context pass per patch. Returns the latent {@code [B, T_levels, c]}.
     */
    public INDArray causalInTime(INDArray noise, int[] labels, int levels, boolean progressive, PatchListener listener) {
        int b = labels.length, times = model.layout().times(), g = model.groupSize();
        checkNoise(noise, b, model.layout().tokens(levels));
        int[] y = evalLabels(labels);
        int e = y.length;
        int evals = steps * method.evaluationsPerStep;
        KvCache[][] caches = model.reusableCaches(evals + 1, e);
        KvCache[] context = caches[evals]; // finished temporal patches at flow time 0
        DcsDiT.Conditioning[] conds = evaluationConditionings(evals, y);
        cacheBytes = 0;
        DcsDiT.Conditioning clean = model.condition(times(0.0, e), y);
        macs += model.macsConditioning(e);
        for (KvCache[] set : caches) for (KvCache kc : set) cacheBytes += kc.bytes();
        INDArray out = noise.get(NDArrayIndex.all(), NDArrayIndex.interval(0, model.layout().tokens(levels)), NDArrayIndex.all()).dup('c');
        for (int p = 0; p < times; p++) {
            TokenGroups patch = model.temporalPatchGroups(p, levels);
            if (progressive) {
                for (KvCache[] set : java.util.Arrays.copyOf(caches, evals))
                    for (int d = 0; d < set.length; d++) set[d].copyFrom(context[d]);
                for (int l = 0; l < levels; l++) {
                    TokenGroups level = patch.slice(l, l + 1);
                    INDArray x = gather(out, level);
                    for (int i = 0; i < steps; i++) {
                        double t0 = flowTime(i), t1 = flowTime(i + 1);
                        int k = i * method.evaluationsPerStep;
                        stepWorkspace.run(() -> integrate(x, t1 - t0,
                                at -> combine(model.applyCached(stackForEval(at), conds[k], level, caches[k]), b, g),
                                at -> combine(model.applyCached(stackForEval(at), conds[k + 1], level, caches[k + 1]), b, g)));
                    }
                    macs += (long) evals * model.macsCached(e, level, context[0].groups().concat(patch.slice(0, l + 1)));
                    scatter(out, level, x);
                }
            } else {
                INDArray x = gather(out, patch);
                int n = patch.total();
                for (int i = 0; i < steps; i++) {
                    double t0 = flowTime(i), t1 = flowTime(i + 1);
                    int k = i * method.evaluationsPerStep;
                    stepWorkspace.run(() -> integrate(x, t1 - t0,
                            at -> combine(applyAfterContext(at, conds[k], patch, caches[k], context), b, n),
                            at -> combine(applyAfterContext(at, conds[k + 1], patch, caches[k + 1], context), b, n)));
                }
                macs += (long) evals * model.macsCached(e, patch, context[0].groups().concat(patch));
                scatter(out, patch, x);
            }
            INDArray finished = gather(out, patch);
            macs += model.macsCached(e, patch, context[0].groups().concat(patch));
            stepWorkspace.run(() -> model.applyCached(stackForEval(finished), clean, patch, context));
            if (listener != null) listener.patchDone(p + 1, out);
        }
        return out;
    }

    /** The patch's velocity in a fresh copy of the context cache (joint within a temporal patch). */
    private INDArray applyAfterContext(INDArray x, DcsDiT.Conditioning cond, TokenGroups patch, KvCache[] cache, KvCache[] context) {
        for (int d = 0; d < cache.length; d++) cache[d].copyFrom(context[d]);
        return model.applyCached(stackForEval(x), cond, patch, cache);
    }

    /** Rows {@code [B·n, c]} of the groups' tokens of a level-major latent {@code [B, T, c]}, in the groups' order (a copy). */
    private INDArray gather(INDArray latent, TokenGroups groups) {
        INDArray[] parts = new INDArray[groups.count()];
        for (int j = 0; j < parts.length; j++) {
            int from = model.groupStart(groups.level(j), groups.time(j));
            parts[j] = latent.get(NDArrayIndex.all(), NDArrayIndex.interval(from, from + groups.size(j)), NDArrayIndex.all());
        }
        INDArray x = parts.length == 1 ? parts[0].dup('c') : Nd4j.concat(1, parts).dup('c');
        return x.reshape(latent.size(0) * groups.total(), latent.size(2));
    }

    /** Writes rows {@code [B·n, c]} back to the groups' tokens of {@code latent}. */
    private void scatter(INDArray latent, TokenGroups groups, INDArray x) {
        INDArray v = x.reshape(latent.size(0), groups.total(), latent.size(2));
        for (int j = 0, at = 0; j < groups.count(); at += groups.size(j), j++) {
            int from = model.groupStart(groups.level(j), groups.time(j));
            latent.get(NDArrayIndex.all(), NDArrayIndex.interval(from, from + groups.size(j)), NDArrayIndex.all())
                    .assign(v.get(NDArrayIndex.all(), NDArrayIndex.interval(at, at + groups.size(j)), NDArrayIndex.all()));
        }
    }

    /**
     * One Euler or Heun step of {@code dt}, in place on {@code x}: {@code first} is the velocity at the
     * step's start, {@code second} (Heun only) at its end. Runs inside the sampling workspace, so the
     * temporaries are carved from one reused arena; only {@code x} (allocated outside it) carries over.
     */
    private void integrate(INDArray x, double dt, java.util.function.UnaryOperator<INDArray> first,
                           java.util.function.UnaryOperator<INDArray> second) {
        INDArray v1 = first.apply(x);
        if (method == Method.EULER) {
            x.addi(v1.muli(dt));
        } else {
            INDArray v2 = second.apply(x.add(v1.mul(dt)));
            x.addi(v1.addi(v2).muli(0.5 * dt));
        }
    }

    private void checkNoise(INDArray noise, int b, int n) {
        if (noise.rank() != 3 || noise.size(0) != b || noise.size(1) < n || noise.size(2) != model.latentChannels())
            throw new IllegalArgumentException("noise must be [" + b + ", ≥" + n + ", " + model.latentChannels() + "], got "
                    + java.util.Arrays.toString(noise.shape()));
    }
}
