package io.dcsldm.cli;

import io.dcsldm.core.checkpoint.CheckpointRotation;
import io.dcsldm.train.loop.TrainConfig;
import io.dcsldm.train.loop.TrainTask;
import io.dcsldm.train.loop.Trainer;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code dcs train-tokenizer} and {@code dcs train-dit} share, for image and video configs alike: the
 * run options, the run directory, training up to {@code --stop-at} and exporting the last checkpoint's weights.
 */
final class TrainingRuns {
    private TrainingRuns() {}

    /** The options of every train command besides {@code --config} and {@code --export} (a picocli mixin). */
    static final class Options {
        @Option(names = "--set", description = "Override a config key, e.g. --set train.steps=100 (repeatable)")
        List<String> overrides = new ArrayList<>();

        @Option(names = "--run-dir", description = "Run directory (config, metrics, checkpoints, plots); default runs/<config name>")
        Path runDir;

        @Option(names = "--stop-at", paramLabel = "STEP", description = "Train only up to this step of the configured schedule "
                + "(a checkpoint is written there; the same command without --stop-at continues the run); default: train.steps")
        Long stopAt;

        @Option(names = "--no-progress", description = "No progress bar")
        boolean noProgress;

        @Option(names = "--init-from", paramLabel = "FILE", description = "Start a new run from the weights of this model file or "
                + "checkpoint (same model kind and model config; fresh optimizer and schedule), e.g. to train a shipped model longer; "
                + "not used again when the run directory already has a checkpoint")
        Path initFrom;
    }

    /** {@code --run-dir}, else {@code runs/<config file name without .yaml>}. */
    static Path runDir(Path config, Options run) {
        return run.runDir != null ? run.runDir : Path.of("runs", config.getFileName().toString().replaceFirst("\\.ya?ml$", ""));
    }

    /** Trains {@code task} in {@code dir} (resuming from its last checkpoint) up to {@code --stop-at}, by default to {@code train.steps}. */
    static void train(Path dir, TrainConfig train, TrainTask<?> task, Options run) {
        Path init = run.initFrom == null ? null : Repo.resolve(run.initFrom.toString());
        new Trainer<>(dir, train, task).progressBar(!run.noProgress).initFrom(init).run(run.stopAt != null ? run.stopAt : train.steps);
    }

    /**
     * With {@code --export}: loads the weights of {@code dir}'s last checkpoint into {@code task} (its EMA
     * weights, or the live ones when {@code ema} is false), then writes the model file with {@code save}.
     */
    static void export(String command, Path dir, TrainTask<?> task, boolean ema, Path export, Runnable save) {
        if (export == null) return;
        Trainer.loadWeights(CheckpointRotation.latest(dir.resolve(Trainer.CHECKPOINT_DIR))
                .orElseThrow(() -> new IllegalStateException("no checkpoint in " + dir)), task, ema);
        save.run();
        System.err.println(command + ": exported " + (ema ? "EMA" : "live") + " weights to " + export);
    }
}
