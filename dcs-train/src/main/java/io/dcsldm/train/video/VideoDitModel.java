package io.dcsldm.train.video;

import io.dcsldm.core.checkpoint.CheckpointException;
import io.dcsldm.core.checkpoint.CheckpointIO;
import io.dcsldm.core.nn.ParamStore;
import io.dcsldm.dit.DcsDiT;
import io.dcsldm.tok.TokenLayout;
import io.dcsldm.train.ModelFiles;
import io.dcsldm.train.dit.DitModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;

/**
 * A trained video DiT as a file (kind {@value VideoDitTask#MODEL_KIND}): its weights, its latent scale (when
 * {@code video.latentScalePower} is set) and config; the video
 * tokenizer it belongs to is named by {@code video.tokenizer} and loaded with it.
 */
public final class VideoDitModel {
    private VideoDitModel() {}

    public record Loaded(DcsDiT dit, VideoTokenizerModel.Loaded tokenizer, VideoDitConfig config) {}

    /** Whether {@code file} holds a video DiT (reads the checkpoint header only; {@link #load} verifies the whole file). */
    public static boolean isVideoDit(Path file) {
        return VideoDitTask.MODEL_KIND.equals(CheckpointIO.readModelKind(file));
    }

    public static void save(Path file, DcsDiT dit, VideoDitConfig config) {
        ModelFiles.write(file, VideoDitTask.MODEL_KIND, config, dit.params(), DitModel.extraTensors(dit));
    }

    /** Loads the DiT and its tokenizer ({@code video.tokenizer}, relative paths tried against {@code repoRoot} too). */
    public static Loaded load(Path file, Path repoRoot) {
        ModelFiles.Read<VideoDitConfig> f = ModelFiles.read(file, VideoDitTask.MODEL_KIND, "a video diffusion model ("
                + VideoDitTask.MODEL_KIND + ")", VideoDitConfig.class);
        VideoDitConfig cfg = f.config();
        VideoTokenizerModel.Loaded tok = VideoTokenizerModel.load(ModelFiles.resolve(cfg.video.tokenizer, repoRoot));
        int frames = MovingMnist.frameCount(tok.config().video.duration, cfg.video.fps);
        TokenLayout layout = tok.video().layout(frames, cfg.video.fps, cfg.video.size, cfg.video.size);
        DcsDiT dit = new DcsDiT(cfg.model, layout, tok.config().model.latentChannels, new ParamStore(DataType.FLOAT, 0), cfg.video.rule());
        f.copyWeightsInto(dit.params());
        INDArray scale = f.extra().get(DitModel.LATENT_SCALE);
        if (scale == null && cfg.video.latentScalePower != 0)
            throw new CheckpointException("checkpoint " + file + " has no '" + ModelFiles.EXTRA_PREFIX
                    + DitModel.LATENT_SCALE + "' but its config sets video.latentScalePower=" + cfg.video.latentScalePower);
        if (scale != null) dit.setLatentScale(scale);
        return new Loaded(dit, tok, cfg);
    }
}
