package io.dcsldm.train.video;

import io.dcsldm.core.checkpoint.Checkpoint;
import io.dcsldm.core.checkpoint.CheckpointException;
import io.dcsldm.core.checkpoint.CheckpointIO;
import io.dcsldm.core.config.ConfigLoader;
import io.dcsldm.core.nn.Param;
import io.dcsldm.tok.DcsTokenizer;
import io.dcsldm.tok.VideoTokenizer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.List;

/**
 * A trained video tokenizer as a file (model kind {@value VideoTokenizerTask#MODEL_KIND}): the EMA weights,
 * the latent statistics and the config. The weights are those of a plain {@link DcsTokenizer}; the loaded
 * model serves images through {@link Loaded#tokenizer()} and clips through {@link Loaded#video()}.
 * {@link #load} also reads a training checkpoint of the video config (taking its EMA weights).
 */
public final class VideoTokenizerModel {
    private VideoTokenizerModel() {}

    public record Loaded(DcsTokenizer tokenizer, VideoTokenizer video, VideoTokTrainConfig config) {}

    public static void save(Path file, DcsTokenizer tok, VideoTokTrainConfig config) {
        Checkpoint.Builder b = Checkpoint.builder().modelKind(VideoTokenizerTask.MODEL_KIND)
                .configFingerprint(ConfigLoader.fingerprint(config, "model")).configYaml(ConfigLoader.toYaml(config))
                .metadata("content", "weights");
        for (Param p : tok.params().all()) b.tensor(p.name(), p.value());
        if (tok.latentMean() != null) {
            b.tensor("extra/latent_mean", tok.latentMean());
            b.tensor("extra/latent_std", tok.latentStd());
        }
        if (file.getParent() != null) file.getParent().toFile().mkdirs();
        CheckpointIO.write(file, b.build());
    }

    public static Loaded load(Path file) {
        Checkpoint c = CheckpointIO.read(file);
        if (!VideoTokenizerTask.MODEL_KIND.equals(c.modelKind()))
            throw new CheckpointException("checkpoint " + file + " holds a '" + c.modelKind() + "' model, not a video tokenizer ("
                    + VideoTokenizerTask.MODEL_KIND + "; train one with dcs train-tokenizer --config configs/tok-video.yaml)");
        VideoTokTrainConfig cfg = ConfigLoader.parse(c.configYaml(), file + " (embedded config)", VideoTokTrainConfig.class, List.of());
        DcsTokenizer tok = new DcsTokenizer(cfg.model, 0);
        io.dcsldm.train.ModelFiles.copyWeights(c, tok.params(), file);
        INDArray mean = c.tensors().get("extra/latent_mean");
        if (mean != null) tok.setLatentStats(mean, c.tensors().get("extra/latent_std"));
        return new Loaded(tok, new VideoTokenizer(tok), cfg);
    }
}
