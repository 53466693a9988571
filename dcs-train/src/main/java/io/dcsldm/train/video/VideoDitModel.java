package io.dcsldm.train.video;

import io.dcsldm.core.checkpoint.Checkpoint;
import io.dcsldm.core.checkpoint.CheckpointException;
import io.dcsldm.core.checkpoint.CheckpointIO;
import io.dcsldm.core.config.ConfigLoader;
import io.dcsldm.core.nn.Param;
import io.dcsldm.core.nn.ParamStore;
import io.dcsldm.dit.DcsDiT;
import io.dcsldm.tok.TokenLayout;
import org.nd4j.linalg.api.buffer.DataType;

import java.nio.file.Path;
import java.util.List;

/**
 * A trained video DiT as a file (kind {@value VideoDitTask#MODEL_KIND}): its weights and config; the video
 * tokenizer it belongs to is named by {@code video.tokenizer} and loaded with it.
 */
public final class VideoDitModel {
    private VideoDitModel() {}

    public record Loaded(DcsDiT dit, VideoTokenizerModel.Loaded tokenizer, VideoDitConfig config) {}

    /** Whether {@code file} holds a video DiT (reads the checkpoint). */
    public static boolean isVideoDit(Path file) {
        return VideoDitTask.MODEL_KIND.equals(CheckpointIO.read(file).modelKind());
    }

    public static void save(Path file, DcsDiT dit, VideoDitConfig config) {
        Checkpoint.Builder b = Checkpoint.builder().modelKind(VideoDitTask.MODEL_KIND)
                .configFingerprint(ConfigLoader.fingerprint(config, "model")).configYaml(ConfigLoader.toYaml(config))
                .metadata("content", "weights");
        for (Param p : dit.params().all()) b.tensor(p.name(), p.value());
        if (file.getParent() != null) file.getParent().toFile().mkdirs();
        CheckpointIO.write(file, b.build());
    }

    /** Loads the DiT and its tokenizer ({@code video.tokenizer}, relative paths tried against {@code repoRoot} too). */
    public static Loaded load(Path file, Path repoRoot) {
        Checkpoint c = CheckpointIO.read(file);
        if (!VideoDitTask.MODEL_KIND.equals(c.modelKind()))
            throw new CheckpointException("checkpoint " + file + " holds a '" + c.modelKind() + "' model, not a video diffusion model ("
                    + VideoDitTask.MODEL_KIND + ")");
        VideoDitConfig cfg = ConfigLoader.parse(c.configYaml(), file + " (embedded config)", VideoDitConfig.class, List.of());
        Path tokFile = Path.of(cfg.video.tokenizer);
        if (!tokFile.isAbsolute() && repoRoot != null && !tokFile.toFile().exists()) tokFile = repoRoot.resolve(tokFile);
        VideoTokenizerModel.Loaded tok = VideoTokenizerModel.load(tokFile);
        int frames = MovingMnist.frameCount(tok.config().video.duration, cfg.video.fps);
        TokenLayout layout = tok.video().layout(frames, cfg.video.fps, cfg.video.size, cfg.video.size);
        DcsDiT dit = new DcsDiT(cfg.model, layout, tok.config().model.latentChannels, new ParamStore(DataType.FLOAT, 0));
        io.dcsldm.train.ModelFiles.copyWeights(c, dit.params(), file);
        return new Loaded(dit, tok, cfg);
    }
}
