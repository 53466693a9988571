package io.dcsldm.train.loop;

import io.dcsldm.core.nn.ParamStore;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * What a model gives the shared {@link Trainer}: its parameters, how to load a batch, one forward and
 * backward, an evaluation, and whatever non-parameter state a checkpoint must carry.
 *
 * <p>Threads: {@link #loadBatch} runs on the trainer's loader thread, possibly several batches ahead of
 * the training thread; every other method runs on the training thread. {@code loadBatch} therefore must
 * not read or write model state, and should do host-side work only (decode, resize, augment into Java
 * arrays); the conversion to {@code INDArray} belongs in {@link #forwardBackward}, where it is carved from
 * the step workspace.
 *
 * <p>Determinism: for a run to be reproducible and exactly resumable, {@code loadBatch} must be a pure
 * function of {@code (indices, step)} and {@code forwardBackward} a pure function of the batch, the
 * parameters, the extra state, {@code seed} and {@code step}: draw every random number from a generator
 * seeded with {@code Rng.mix(seed, step, purpose)}, never from a generator that lives across steps.
 *
 * @param <B> the batch type produced by {@link #loadBatch}
 */
public interface TrainTask<B> {

    /** What kind of model this is, e.g. {@code dcs-tok}; stored in checkpoints and checked on resume. */
    String modelKind();

    /** The trainable parameters; the trainer's optimizer, EMA, clipping and checkpoints all use this store. */
    ParamStore params();

    /** Number of training samples; batches draw indices {@code 0 .. datasetSize()-1}. */
    int datasetSize();

    /**
     * Prepares the samples {@code indices} for step {@code step} (0-based index of the update that will
     * consume it). Runs on the loader thread: host-side work only, no model state. An exception thrown here
     * surfaces on the training thread as a {@link TrainingException} carrying its message.
     */
    B loadBatch(int[] indices, long step);

    /**
     * Forward and backward on one batch: accumulates gradients into {@link #params()} (the trainer has
     * zeroed them) and returns the loss. Runs inside the trainer's reused step workspace, so temporaries are
     * cheap and die with the step; anything that must outlive the step has to be allocated detached.
     *
     * @param seed the run seed ({@link TrainConfig#seed})
     * @param step 0-based index of this update (the state after it is "step {@code step + 1}")
     */
    double forwardBackward(B batch, long seed, long step);

    /**
     * Evaluation metrics after step {@code step} (1-based: updates done), called with the EMA weights
     * swapped into {@link #params()}; they are swapped back afterwards. May return an empty map. Must not
     * change parameters or extra state.
     */
    Map<String, Double> evaluate(long step);

    /**
     * Non-parameter state that belongs in checkpoints (e.g. latent statistics), by name; stored as
     * {@code extra/<name>}. Empty by default.
     */
    default Map<String, INDArray> extraState() {
        return Map.of();
    }

    /** Restores state written by {@link #extraState()} (names without the {@code extra/} prefix). */
    default void loadExtraState(Map<String, INDArray> state) {
    }

    /**
     * The run's resolved config as YAML (typically {@code ConfigLoader.toYaml(rootConfig)}), written to
     * the run directory and into checkpoints. If it has no top-level {@code train:} key, the trainer
     * appends the {@link TrainConfig} it runs with.
     */
    String configYaml();

    /**
     * Fingerprint of the <em>model</em> config (typically {@code ConfigLoader.fingerprint(root, "model")}):
     * a checkpoint whose fingerprint differs is refused on resume and by {@link Trainer#loadWeights}.
     */
    String configFingerprint();
}
