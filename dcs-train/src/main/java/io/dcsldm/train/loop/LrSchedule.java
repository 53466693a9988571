package io.dcsldm.train.loop;

/**
 * Learning rate of each update: linear warm-up, then cosine decay to {@code lr·minLrRatio}.
 *
 * <p>For the update with 0-based index {@code s} of a run of {@code N} steps, peak {@code lr}, warm-up
 * {@code W} and floor {@code lr_min = lr·minLrRatio}:
 * <pre>
 *   s &lt; W :  lr · (s + 1) / W                       (reaches lr on the last warm-up update)
 *   s ≥ W :  lr_min + (lr − lr_min) · ½(1 + cos(π·p)),  p = (s − W) / (N − 1 − W)   (p = 1 when N − 1 = W)
 * </pre>
 * so the first update after the warm-up runs at {@code lr} and the last one ({@code s = N − 1}) at exactly
 * {@code lr_min}. A pure function of the config and {@code s}: a resumed run uses the same rates.
 */
public final class LrSchedule {
    private LrSchedule() {
    }

    /** The learning rate of the update with 0-based index {@code step}. */
    public static double at(TrainConfig c, long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        long w = c.warmupSteps;
        if (step < w) {
            return c.lr * (step + 1) / w;
        }
        double min = c.lr * c.minLrRatio;
        long span = c.steps - 1 - w;
        double p = span <= 0 ? 1.0 : Math.min(1.0, (double) (step - w) / span);
        if (p >= 1.0) {
            return min;
        }
        return min + (c.lr - min) * 0.5 * (1.0 + Math.cos(Math.PI * p));
    }
}
