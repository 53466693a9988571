package io.dcsldm.cli;

import io.dcsldm.core.config.ConfigLoader;
import io.dcsldm.train.dit.DitModel;
import io.dcsldm.train.dit.DitTask;
import io.dcsldm.train.dit.DitTrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code dcs train-dit}: trains DCS-DiT on the latents of a trained tokenizer; resumes from the run directory. */
@Command(name = "train-dit", description = "Train the DCS-DiT diffusion model on a tokenizer's latents (resumes from the run directory).")
public final class TrainDitCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "YAML config, e.g. configs/dit-fmnist.yaml")
    Path config;

    @Mixin
    TrainingRuns.Options run;

    @Option(names = "--export", description = "After training, write the EMA weights here (e.g. models/dit-fmnist.dcs)")
    Path export;

    @Option(names = "--export-live", description = "Export the live weights of the last checkpoint instead of their EMA")
    boolean exportLive;

    @Override
    public Integer call() {
        if (VideoTraining.isVideoConfig(config)) return VideoTraining.trainDit(config, run, export, !exportLive);
        DitTrainConfig cfg = ConfigLoader.load(config, DitTrainConfig.class, run.overrides);
        Path dir = TrainingRuns.runDir(config, run);
        DitTask task = DitTask.fromConfig(cfg, Repo.resolve(cfg.data.tokenizer));
        System.err.printf("train-dit: %d parameters, %d latents of %d×%d, run directory %s%n", task.params().count(),
                task.datasetSize(), task.latents().tokens(), task.latents().channels(), dir);
        TrainingRuns.train(dir, cfg.train, task, run);
        TrainingRuns.export("train-dit", dir, task, !exportLive, export, () -> DitModel.save(export, task.model(), cfg));
        return 0;
    }
}
