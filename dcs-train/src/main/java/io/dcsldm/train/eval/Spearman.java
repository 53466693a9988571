package io.dcsldm.train.eval;

import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;
import org.apache.commons.math3.stat.ranking.NaNStrategy;
import org.apache.commons.math3.stat.ranking.NaturalRanking;
import org.apache.commons.math3.stat.ranking.TiesStrategy;

/**
 * Spearman rank correlation (commons-math3 {@link SpearmansCorrelation}): the Pearson correlation of
 * the ranks, ties given their average rank (as {@code scipy.stats.spearmanr}).
 */
public final class Spearman {
    private Spearman() {
    }

    /**
     * @param x first variable
     * @param y second variable, same length ≥ 2
     * @return ρ in [−1, 1]; NaN if either variable is constant
     * @throws IllegalArgumentException on length mismatch, fewer than 2 points, or NaN input
     */
    public static double correlation(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("lengths differ: " + x.length + " vs " + y.length);
        }
        if (x.length < 2) {
            throw new IllegalArgumentException("need at least 2 points, got " + x.length);
        }
        for (int i = 0; i < x.length; i++) {
            if (Double.isNaN(x[i]) || Double.isNaN(y[i])) {
                throw new IllegalArgumentException("NaN at index " + i);
            }
        }
        return new SpearmansCorrelation(new NaturalRanking(NaNStrategy.FAILED, TiesStrategy.AVERAGE)).correlation(x, y);
    }
}
