package io.dcsldm.train.video;

import io.dcsldm.tok.DcsTokenizer;
import io.dcsldm.tok.VideoTokenizer;
import io.dcsldm.train.ModelFiles;
import io.dcsldm.train.tok.TokenizerModel;

import java.nio.file.Path;

/**
 * A trained video tokenizer as a file (model kind {@value VideoTokenizerTask#MODEL_KIND}): the EMA weights,
 * the latent statistics and the config. The weights are those of a plain {@link DcsTokenizer}; the loaded
 * model serves images through {@link Loaded#tokenizer()} and clips through {@link Loaded#video()}.
 * {@link #load} also reads a training checkpoint of the video config (taking its EMA weights).
 */
public final class VideoTokenizerModel {
    private VideoTokenizerModel() {}

    public record Loaded(DcsTokenizer tokenizer, VideoTokenizer video, VideoTokTrainConfig config) {}

    /** Writes the tokenizer's weights, statistics and config as the image tokenizer's files do, under the video kind. */
    public static void save(Path file, DcsTokenizer tok, VideoTokTrainConfig config) {
        ModelFiles.write(file, VideoTokenizerTask.MODEL_KIND, config, tok.params(), TokenizerModel.extraTensors(tok));
    }

    public static Loaded load(Path file) {
        ModelFiles.Read<VideoTokTrainConfig> f = ModelFiles.read(file, VideoTokenizerTask.MODEL_KIND, "a video tokenizer ("
                + VideoTokenizerTask.MODEL_KIND + "; train one with dcs train-tokenizer --config configs/tok-video.yaml)", VideoTokTrainConfig.class);
        DcsTokenizer tok = new DcsTokenizer(f.config().model, 0);
        f.copyWeightsInto(tok.params());
        TokenizerModel.loadExtraTensors(tok, f.extra());
        return new Loaded(tok, new VideoTokenizer(tok), f.config());
    }
}
