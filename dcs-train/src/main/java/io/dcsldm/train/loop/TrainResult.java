package io.dcsldm.train.loop;

import java.nio.file.Path;
import java.util.Map;

/**
 * What one {@link Trainer#run} call did.
 *
 * @param startStep the step the call started from (0, or the resumed checkpoint's step)
 * @param endStep the step reached (updates done, skipped ones included)
 * @param lastLoss loss of the last step run (NaN if none ran)
 * @param skippedSteps steps skipped by the NaN guard over the whole run, resumed parts included
 * @param lastEval metrics of the last evaluation of this call (empty if none)
 * @param lastCheckpoint the last checkpoint written by this call, or {@code null}
 * @param meanMsPerStep mean wall time of a training step in this call (batch wait included)
 */
public record TrainResult(long startStep, long endStep, double lastLoss, long skippedSteps,
                          Map<String, Double> lastEval, Path lastCheckpoint, double meanMsPerStep) {
}
