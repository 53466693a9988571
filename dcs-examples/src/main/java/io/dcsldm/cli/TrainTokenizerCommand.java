package io.dcsldm.cli;

import io.dcsldm.core.config.ConfigLoader;
import io.dcsldm.train.loop.Trainer;
import io.dcsldm.train.tok.TokTrainConfig;
import io.dcsldm.train.tok.TokenizerModel;
import io.dcsldm.train.tok.TokenizerTask;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code dcs train-tokenizer}: trains DCS-Tok from a YAML config; resumes when the run directory has a checkpoint. */
@Command(name = "train-tokenizer", description = "Train the DCS-Tok tokenizer (resumes from the run directory's last checkpoint).")
public final class TrainTokenizerCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "YAML config, e.g. configs/tok-fmnist.yaml (images) or configs/tok-video.yaml (clips and images)")
    Path config;

    @Option(names = "--set", description = "Override a config key, e.g. --set train.steps=100 (repeatable)")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--run-dir", description = "Run directory (config, metrics, checkpoints, plots); default runs/<config name>")
    Path runDir;

    @Option(names = "--export", description = "After training, write the EMA weights and latent statistics here (e.g. models/tok-fmnist.dcs)")
    Path export;

    @Option(names = "--stop-at", paramLabel = "STEP", description = "Train only up to this step of the configured schedule "
            + "(a checkpoint is written there; the same command without --stop-at continues the run); default: train.steps")
    Long stopAt;

    @Option(names = "--no-progress", description = "No progress bar")
    boolean noProgress;

    @Override
    public Integer call() {
        if (VideoTraining.isVideoConfig(config)) return VideoTraining.train(config, overrides, runDir, export, noProgress, stopAt);
        TokTrainConfig cfg = ConfigLoader.load(config, TokTrainConfig.class, overrides);
        Path dir = runDir != null ? runDir : Path.of("runs", config.getFileName().toString().replaceFirst("\\.ya?ml$", ""));
        TokenizerTask task = new TokenizerTask(cfg);
        System.err.printf("train-tokenizer: %d parameters, %d training images (%s), run directory %s%n",
                task.params().count(), task.datasetSize(), cfg.data.train, dir);
        new Trainer<>(dir, cfg.train, task).progressBar(!noProgress).run(stopAt != null ? stopAt : cfg.train.steps);
        if (export != null) {
            Trainer.loadWeights(io.dcsldm.core.checkpoint.CheckpointRotation.latest(dir.resolve(Trainer.CHECKPOINT_DIR))
                    .orElseThrow(() -> new IllegalStateException("no checkpoint in " + dir)), task, true);
            task.measureLatentStats(); // of the exported (EMA) weights, whatever step the last evaluation ran at
            TokenizerModel.save(export, task.tokenizer(), cfg);
            System.err.println("train-tokenizer: exported EMA weights to " + export);
        }
        return 0;
    }
}
