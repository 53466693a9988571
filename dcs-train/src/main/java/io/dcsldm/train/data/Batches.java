package io.dcsldm.train.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Deterministic shuffled batch order.
 *
 * <p>The order of epoch {@code e} under seed {@code s} is a pure function of {@code (n, s, e)} and is
 * <b>stable</b>: it depends on no JDK random generator (whose algorithms may change between releases),
 * only on the arithmetic spelled out here, so it is identical on every JVM, platform and run, and a
 * training run resumed at epoch {@code e} sees the same order as an uninterrupted one. Changing this
 * algorithm changes training results; {@code BatchesTest} pins its output.
 *
 * <p>Algorithm: a SplitMix64 generator (Steele, Lea, Flood 2014; the generator behind
 * {@code java.util.SplittableRandom}, with {@code GAMMA = 0x9e3779b97f4a7c15} and the "mix64"
 * finaliser, Stafford variant 13) is seeded with
 * {@code state = mix64(mix64(seed) + GAMMA * (epoch + 1))}; each draw is
 * {@code state += GAMMA; return mix64(state)}. A Fisher–Yates shuffle of the identity
 * {@code 0..n-1} runs {@code for i = n-1 down to 1: swap(a[i], a[j])} with {@code j} uniform in
 * {@code [0, i]}, drawn without bias by rejection: {@code u = draw() >>> 1; r = u % (i+1)}, redrawn
 * while {@code u - r + i < 0} (signed 64-bit overflow, as {@code java.util.Random#nextInt(int)}).
 */
public final class Batches {
    private static final long GAMMA = 0x9e3779b97f4a7c15L;

    private Batches() {
    }

    /**
     * @param n number of items
     * @param seed run seed
     * @param epoch epoch number (≥ 0)
     * @return a permutation of {@code 0..n-1}, stable for {@code (n, seed, epoch)}
     */
    public static int[] permutation(int n, long seed, int epoch) {
        if (n < 0) {
            throw new IllegalArgumentException("n < 0: " + n);
        }
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch < 0: " + epoch);
        }
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        long[] state = {mix64(mix64(seed) + GAMMA * (epoch + 1L))};
        for (int i = n - 1; i > 0; i--) {
            long bound = i + 1L;
            long u = next(state) >>> 1;
            long r = u % bound;
            while (u - r + (bound - 1) < 0) {
                u = next(state) >>> 1;
                r = u % bound;
            }
            int j = (int) r;
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    /**
     * Splits the epoch's permutation into consecutive batches.
     *
     * @param n number of items
     * @param batchSize items per batch (≥ 1)
     * @param seed run seed
     * @param epoch epoch number
     * @param dropLast whether to drop a final batch smaller than {@code batchSize}
     * @return index arrays, in order
     */
    public static List<int[]> epoch(int n, int batchSize, long seed, int epoch, boolean dropLast) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize < 1: " + batchSize);
        }
        int[] p = permutation(n, seed, epoch);
        List<int[]> out = new ArrayList<>();
        for (int from = 0; from < n; from += batchSize) {
            int to = Math.min(n, from + batchSize);
            if (to - from < batchSize && dropLast) {
                break;
            }
            out.add(Arrays.copyOfRange(p, from, to));
        }
        return out;
    }

    /**
     * @param n number of items
     * @param batchSize items per batch
     * @param dropLast whether a final partial batch is dropped
     * @return number of batches per epoch
     */
    public static int batchesPerEpoch(int n, int batchSize, boolean dropLast) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize < 1: " + batchSize);
        }
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    private static long next(long[] state) {
        state[0] += GAMMA;
        return mix64(state[0]);
    }

    /**
     * SplitMix64 finaliser (Stafford variant 13).
     * @param z input
     * @return mixed bits
     */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
