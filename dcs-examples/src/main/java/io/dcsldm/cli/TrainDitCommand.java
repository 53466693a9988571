package io.dcsldm.cli;

import io.dcsldm.core.checkpoint.CheckpointRotation;
import io.dcsldm.core.config.ConfigLoader;
import io.dcsldm.train.dit.DitModel;
import io.dcsldm.train.dit.DitTask;
import io.dcsldm.train.dit.DitTrainConfig;
import io.dcsldm.train.loop.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code dcs train-dit}: trains DCS-DiT on the latents of a trained tokenizer; resumes from the run directory. */
@Command(name = "train-dit", description = "Train the DCS-DiT diffusion model on a tokenizer's latents (resumes from the run directory).")
public final class TrainDitCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "YAML config, e.g. configs/dit-fmnist.yaml")
    Path config;

    @Option(names = "--set", description = "Override a config key, e.g. --set train.steps=100 (repeatable)")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--run-dir", description = "Run directory; default runs/<config name>")
    Path runDir;

    @Option(names = "--export", description = "After training, write the EMA weights here (e.g. models/dit-fmnist.dcs)")
    Path export;

    @Option(names = "--stop-at", paramLabel = "STEP", description = "Train only up to this step of the configured schedule "
            + "(a checkpoint is written there; the same command without --stop-at continues the run); default: train.steps")
    Long stopAt;

    @Option(names = "--export-live", description = "Export the live weights of the last checkpoint instead of their EMA")
    boolean exportLive;

    @Option(names = "--no-progress", description = "No progress bar")
    boolean noProgress;

    @Override
    public Integer call() {
        if (VideoTraining.isVideoConfig(config)) return VideoTraining.trainDit(config, overrides, runDir, export, noProgress, stopAt);
        DitTrainConfig cfg = ConfigLoader.load(config, DitTrainConfig.class, overrides);
        Path dir = runDir != null ? runDir : Path.of("runs", config.getFileName().toString().replaceFirst("\\.ya?ml$", ""));
        DitTask task = DitTask.fromConfig(cfg, Repo.resolve(cfg.data.tokenizer));
        System.err.printf("train-dit: %d parameters, %d latents of %d×%d, run directory %s%n", task.params().count(),
                task.datasetSize(), task.latents().tokens(), task.latents().channels(), dir);
        new Trainer<>(dir, cfg.train, task).progressBar(!noProgress).run(stopAt != null ? stopAt : cfg.train.steps);
        if (export != null) {
            Trainer.loadWeights(CheckpointRotation.latest(dir.resolve(Trainer.CHECKPOINT_DIR))
                    .orElseThrow(() -> new IllegalStateException("no checkpoint in " + dir)), task, !exportLive);
            DitModel.save(export, task.model(), cfg);
            System.err.println("train-dit: exported " + (exportLive ? "live" : "EMA") + " weights to " + export);
        }
        return 0;
    }
}
