package io.dcsldm.train.loop;

import io.dcsldm.core.config.InvalidValueException;
import io.dcsldm.core.config.Range;
import io.dcsldm.core.config.SelfValidating;

/**
 * The {@code train:} section of a run config: everything the shared {@link Trainer} needs, nothing about
 * the model. Public fields with defaults so {@code ConfigLoader} binds YAML and {@code --set train.lr=3e-4}
 * overrides to it; every bound is checked with the key's name.
 *
 * <p>Step numbers are counts of optimizer updates: "step {@code k}" is the state after {@code k} updates,
 * {@code 1 ≤ k ≤ steps}. Periodic actions ({@code logEvery}, {@code evalEvery}, ...) fire after step
 * {@code k} when {@code k} is a multiple of the period; {@code 0} turns the periodic action off (it still
 * happens once at the end where the field says so).
 */
public class TrainConfig implements SelfValidating {
    /** Total optimizer steps of the run (the LR schedule ends here). */
    @Range(min = 1)
    public long steps = 10_000;
    /** Samples per step; an epoch is {@code floor(datasetSize / batchSize)} steps (the last partial batch is dropped). */
    @Range(min = 1)
    public int batchSize = 32;
    /** Peak learning rate, reached at the end of the warm-up. */
    @Range(min = 0, exclusiveMin = true)
    public double lr = 1e-4;
    /** Steps of linear warm-up from {@code lr/warmupSteps} to {@code lr}. */
    @Range(min = 0)
    public long warmupSteps = 500;
    /** Cosine decay after the warm-up ends at {@code lr·minLrRatio} on the last step; 1 = constant. */
    @Range(min = 0, max = 1)
    public double minLrRatio = 0.1;
    /** AdamW decoupled weight decay (applied to parameters flagged for decay only). */
    @Range(min = 0)
    public double weightDecay = 0.0;
    @Range(min = 0, max = 1, exclusiveMax = true)
    public double beta1 = 0.9;
    @Range(min = 0, max = 1, exclusiveMax = true)
    public double beta2 = 0.999;
    @Range(min = 0, exclusiveMin = true)
    public double eps = 1e-8;
    /** Global gradient-norm clip; 0 = off. */
    @Range(min = 0)
    public double gradClip = 1.0;
    /** EMA decay of the weights used for evaluation and sampling. */
    @Range(min = 0, max = 1)
    public double emaDecay = 0.999;
    /** Evaluate (with EMA weights) every this many steps and at the end; 0 = only at the end. */
    @Range(min = 0)
    public long evalEvery = 1000;
    /** Write a checkpoint every this many steps and at the end; 0 = only at the end. */
    @Range(min = 0)
    public long checkpointEvery = 1000;
    /** How many of the newest checkpoints to keep in {@code checkpoints/}. */
    @Range(min = 1)
    public int keepCheckpoints = 3;
    /** Append a row to {@code metrics.jsonl} every this many steps (skipped steps always get a row). */
    @Range(min = 1)
    public long logEvery = 10;
    /** Run seed: data order and every random draw of a step are pure functions of (seed, step). */
    public long seed = 0;
    /**
     * The run aborts on the {@code maxBadSteps}-th consecutive step whose loss or gradient norm is not
     * finite; the ones before it are skipped (no update) and logged.
     */
    @Range(min = 1)
    public int maxBadSteps = 5;
    /** Batches the loader thread prepares ahead of the training thread; 0 = load on the training thread. */
    @Range(min = 0, max = 1024)
    public int prefetchBatches = 2;
    /** Redraw {@code plots/*.png} every this many steps and at the end; 0 = only at the end. */
    @Range(min = 0)
    public long plotEvery = 1000;

    @Override
    public void validate() {
        if (warmupSteps > steps) {
            throw new InvalidValueException("warmupSteps", "must be <= steps (" + steps + "), got " + warmupSteps);
        }
    }
}
