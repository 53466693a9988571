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
 * {@code dcs train-tokenizer} for a video config: a config whose top level has a {@code video:} section
 * trains {@link VideoTokenizerTask} (clips and images together) instead of the image tokenizer.
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

    static int train(Path config, List<String> overrides, Path runDir, Path export, boolean noProgress) {
        VideoTokTrainConfig cfg = ConfigLoader.load(config, VideoTokTrainConfig.class, overrides);
        Path dir = runDir != null ? runDir : Path.of("runs", config.getFileName().toString().replaceFirst("\\.ya?ml$", ""));
        VideoTokenizerTask task = new VideoTokenizerTask(cfg);
        System.err.printf("train-tokenizer (video): %d parameters, %d training clips (Moving MNIST from %s) + images (%.0f %% of samples), "
                        + "fps %s, sizes %s, run directory %s%n",
                task.params().count(), task.datasetSize(), cfg.video.digits, 100 * cfg.video.imageFraction, cfg.video.fps, cfg.video.sizes, dir);
        new Trainer<>(dir, cfg.train, task).progressBar(!noProgress).run();
        if (export != null) {
            Trainer.loadWeights(io.dcsldm.core.checkpoint.CheckpointRotation.latest(dir.resolve(Trainer.CHECKPOINT_DIR))
                    .orElseThrow(() -> new IllegalStateException("no checkpoint in " + dir)), task, true);
            VideoTokenizerModel.save(export, task.tokenizer(), cfg);
            System.err.println("train-tokenizer: exported EMA weights to " + export);
        }
        return 0;
    }
}
