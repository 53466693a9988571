package io.dcsldm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dcsldm.core.config.ConfigLoader;
import io.dcsldm.train.loop.Trainer;
import io.dcsldm.train.video.VideoTokTrainConfig;
import io.dcsldm.train.video.VideoTokenizerModel;
import io.dcsldm.train.video.VideoTokenizerTask;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code dcs train-tokenizer} and {@code dcs train-dit} for video configs: a config whose top level has a
 * {@code video:} section trains {@link VideoTokenizerTask} (clips and images together) or
 * {@link io.dcsldm.train.video.VideoDitTask} (DiT on video latents) instead of the image models.
 */
final class VideoTraining {
    private VideoTraining() {}

    /** Whether the YAML file is a video tokenizer config (has a top-level {@code video:} key). */
    static boolean isVideoConfig(Path yaml) {
        try {
            JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(yaml));
            return root != null && root.isObject() && root.has("video");
        } catch (IOException e) {
            return false; // let the normal loader report the unreadable file
        }
    }

    static int train(Path config, List<String> overrides, Path runDir, Path export, boolean noProgress, Long stopAt) {
        VideoTokTrainConfig cfg = ConfigLoader.load(config, VideoTokTrainConfig.class, overrides);
        Path dir = runDir != null ? runDir : Path.of("runs", config.getFileName().toString().replaceFirst("\\.ya?ml$", ""));
        VideoTokenizerTask task = new VideoTokenizerTask(cfg);
        System.err.printf("train-tokenizer (video): %d parameters, %d training clips (Moving MNIST from %s) + images (%.0f %% of samples), "
                        + "fps %s, sizes %s, run directory %s%n",
                task.params().count(), task.datasetSize(), cfg.video.digits, 100 * cfg.video.imageFraction, cfg.video.fps, cfg.video.sizes, dir);
        new Trainer<>(dir, cfg.train, task).progressBar(!noProgress).run(stopAt != null ? stopAt : cfg.train.steps);
        if (Boolean.getBoolean("dcs.profile")) System.err.println("train-tokenizer: wall time per section\n" + io.dcsldm.core.runtime.Profiler.report());
        if (export != null) {
            Trainer.loadWeights(io.dcsldm.core.checkpoint.CheckpointRotation.latest(dir.resolve(Trainer.CHECKPOINT_DIR))
                    .orElseThrow(() -> new IllegalStateException("no checkpoint in " + dir)), task, true);
            VideoTokenizerModel.save(export, task.tokenizer(), cfg);
            System.err.println("train-tokenizer: exported EMA weights to " + export);
        }
        return 0;
    }

    static int trainDit(Path config, List<String> overrides, Path runDir, Path export, boolean noProgress, Long stopAt) {
        io.dcsldm.train.video.VideoDitConfig cfg = ConfigLoader.load(config, io.dcsldm.train.video.VideoDitConfig.class, overrides);
        Path dir = runDir != null ? runDir : Path.of("runs", config.getFileName().toString().replaceFirst("\\.ya?ml$", ""));
        VideoTokenizerModel.Loaded tok = VideoTokenizerModel.load(Repo.resolve(cfg.video.tokenizer));
        io.dcsldm.train.video.MovingMnist scenes = new io.dcsldm.train.video.MovingMnist(
                io.dcsldm.train.data.Datasets.load(tok.config().video.digits), tok.config().video.seed, tok.config().sceneOptions());
        System.err.printf("train-dit (video): encoding %d Moving MNIST clips at %s fps, %dx%d ...%n", cfg.video.clips, cfg.video.fps,
                cfg.video.size, cfg.video.size);
        io.dcsldm.train.video.VideoDitTask task = new io.dcsldm.train.video.VideoDitTask(cfg, tok.video(), scenes);
        System.err.printf("train-dit (video): %d parameters, %d latents of %d×%d (%d temporal patches), run directory %s%n",
                task.params().count(), task.datasetSize(), task.tokens(), task.channels(), task.layout().times(), dir);
        new Trainer<>(dir, cfg.train, task).progressBar(!noProgress).run(stopAt != null ? stopAt : cfg.train.steps);
        if (export != null) {
            Trainer.loadWeights(io.dcsldm.core.checkpoint.CheckpointRotation.latest(dir.resolve(Trainer.CHECKPOINT_DIR))
                    .orElseThrow(() -> new IllegalStateException("no checkpoint in " + dir)), task, true);
            io.dcsldm.train.video.VideoDitModel.save(export, task.model(), cfg);
            System.err.println("train-dit: exported EMA weights to " + export);
        }
        return 0;
    }
}
