package io.dcsldm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dcsldm.core.config.ConfigLoader;
import io.dcsldm.train.data.Datasets;
import io.dcsldm.train.video.MovingMnist;
import io.dcsldm.train.video.VideoDitConfig;
import io.dcsldm.train.video.VideoDitModel;
import io.dcsldm.train.video.VideoDitTask;
import io.dcsldm.train.video.VideoTokTrainConfig;
import io.dcsldm.train.video.VideoTokenizerModel;
import io.dcsldm.train.video.VideoTokenizerTask;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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

    static int train(Path config, TrainingRuns.Options run, Path export) {
        VideoTokTrainConfig cfg = ConfigLoader.load(config, VideoTokTrainConfig.class, run.overrides);
        Path dir = TrainingRuns.runDir(config, run);
        VideoTokenizerTask task = new VideoTokenizerTask(cfg);
        System.err.printf("train-tokenizer (video): %d parameters, %d training clips (Moving MNIST from %s) + images (%.0f %% of samples), "
                        + "fps %s, sizes %s, run directory %s%n",
                task.params().count(), task.datasetSize(), cfg.video.digits, 100 * cfg.video.imageFraction, cfg.video.fps, cfg.video.sizes, dir);
        TrainingRuns.train(dir, cfg.train, task, run);
        if (Boolean.getBoolean("dcs.profile")) System.err.println("train-tokenizer: wall time per section\n" + io.dcsldm.core.runtime.Profiler.report());
        TrainingRuns.export("train-tokenizer", dir, task, true, export, () -> {
            // of the exported (EMA) weights, whatever step the last evaluation ran at (as for images)
            io.dcsldm.train.video.VideoEval.measureLatentStats(task, cfg.video.statsClips, cfg.video.statsImages);
            VideoTokenizerModel.save(export, task.tokenizer(), cfg);
        });
        return 0;
    }

    /** Trains a video DiT; exports the EMA weights, or the live ones with {@code useEma = false} ({@code --export-live}). */
    static int trainDit(Path config, TrainingRuns.Options run, Path export, boolean useEma) {
        VideoDitConfig cfg = ConfigLoader.load(config, VideoDitConfig.class, run.overrides);
        Path dir = TrainingRuns.runDir(config, run);
        VideoTokenizerModel.Loaded tok = VideoTokenizerModel.load(Repo.resolve(cfg.video.tokenizer));
        MovingMnist.Options options = VideoDitTask.sceneOptions(cfg, tok.config());
        MovingMnist scenes = new MovingMnist(Datasets.load(tok.config().video.digits), tok.config().video.seed, options);
        System.err.printf("train-dit (video): encoding %d Moving MNIST clips (%d digit(s) each) at %s fps, %dx%d ...%n", cfg.video.clips,
                options.digits, cfg.video.fps, cfg.video.size, cfg.video.size);
        VideoDitTask task = new VideoDitTask(cfg, tok.video(), scenes);
        System.err.printf("train-dit (video): %d parameters, %d latents of %d×%d (%d temporal patches), run directory %s%n",
                task.params().count(), task.datasetSize(), task.tokens(), task.channels(), task.layout().times(), dir);
        TrainingRuns.train(dir, cfg.train, task, run);
        TrainingRuns.export("train-dit", dir, task, useEma, export, () -> VideoDitModel.save(export, task.model(), cfg));
        return 0;
    }
}
