package io.dcsldm.cli;

import io.dcsldm.core.config.ConfigLoader;
import io.dcsldm.train.tok.TokTrainConfig;
import io.dcsldm.train.tok.TokenizerModel;
import io.dcsldm.train.tok.TokenizerTask;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code dcs train-tokenizer}: trains DCS-Tok from a YAML config; resumes when the run directory has a checkpoint. */
@Command(name = "train-tokenizer", description = "Train the DCS-Tok tokenizer (resumes from the run directory's last checkpoint).")
public final class TrainTokenizerCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "YAML config, e.g. configs/tok-fmnist.yaml (images) or configs/tok-video.yaml (clips and images)")
    Path config;

    @Mixin
    TrainingRuns.Options run;

    @Option(names = "--export", description = "After training, write the EMA weights and latent statistics here (e.g. models/tok-fmnist.dcs)")
    Path export;

    @Override
    public Integer call() {
        if (VideoTraining.isVideoConfig(config)) return VideoTraining.train(config, run, export);
        TokTrainConfig cfg = ConfigLoader.load(config, TokTrainConfig.class, run.overrides);
        Path dir = TrainingRuns.runDir(config, run);
        TokenizerTask task = new TokenizerTask(cfg);
        System.err.printf("train-tokenizer: %d parameters, %d training images (%s), run directory %s%n",
                task.params().count(), task.datasetSize(), cfg.data.train, dir);
        TrainingRuns.train(dir, cfg.train, task, run);
        TrainingRuns.export("train-tokenizer", dir, task, true, export, () -> {
            task.measureLatentStats(); // of the exported (EMA) weights, whatever step the last evaluation ran at
            TokenizerModel.save(export, task.tokenizer(), cfg);
        });
        return 0;
    }
}
