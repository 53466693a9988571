package io.dcsldm.train.loop;

import io.dcsldm.train.data.Batches;

import java.util.List;

/**
 * Which samples each update of a run sees: update {@code s} (0-based) is batch {@code s mod E} of epoch
 * {@code s div E}, where {@code E = floor(n / batchSize)} and the epoch's batches are
 * {@link Batches#epoch}{@code (n, batchSize, seed, epoch, dropLast = true)}. A pure function of
 * {@code (n, batchSize, seed, s)}, so a resumed run sees exactly the batches the uninterrupted run saw.
 *
 * <p>Not thread-safe (it caches the current epoch); the trainer's loader thread owns its instance.
 */
public final class BatchOrder {
    private final int n;
    private final int batchSize;
    private final long seed;
    private final int perEpoch;
    private int cachedEpoch = -1;
    private List<int[]> cached;

    /** @throws TrainingException if the dataset is smaller than one batch */
    public BatchOrder(int n, int batchSize, long seed) {
        if (n < batchSize) {
            throw new TrainingException("the dataset has " + n + " samples, fewer than one batch (train.batchSize = "
                    + batchSize + ")");
        }
        this.n = n;
        this.batchSize = batchSize;
        this.seed = seed;
        this.perEpoch = Batches.batchesPerEpoch(n, batchSize, true);
    }

    /** Updates per epoch. */
    public int batchesPerEpoch() {
        return perEpoch;
    }

    /** The epoch update {@code step} belongs to. */
    public int epochOf(long step) {
        long e = step / perEpoch;
        if (e > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("step " + step + " is beyond the last epoch Batches can number");
        }
        return (int) e;
    }

    /** The sample indices of update {@code step} (0-based); a fresh array. */
    public int[] indices(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        int epoch = epochOf(step);
        if (epoch != cachedEpoch) {
            cached = Batches.epoch(n, batchSize, seed, epoch, true);
            cachedEpoch = epoch;
        }
        return cached.get((int) (step % perEpoch)).clone();
    }
}
