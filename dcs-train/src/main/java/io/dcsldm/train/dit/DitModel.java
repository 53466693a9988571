package io.dcsldm.train.dit;

import io.dcsldm.core.checkpoint.CheckpointException;
import io.dcsldm.core.nn.ParamStore;
import io.dcsldm.dit.DcsDiT;
import io.dcsldm.tok.DcsTokenizer;
import io.dcsldm.train.ModelFiles;
import io.dcsldm.train.tok.TokenizerModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.Map;

/**
 * A trained DiT as a file (weights + config). Loading also loads the tokenizer its config names
 * (resolved against the repository root when relative), whose latent layout the DiT was built for.
 */
public final class DitModel {
    private DitModel() {}

    /** The extra tensor holding {@link DcsDiT#latentScale()} (absent when the model diffuses the normalised latent). */
    public static final String LATENT_SCALE = "latent_scale";

    public record Loaded(DcsDiT dit, DcsTokenizer tokenizer, DitTrainConfig config, int nativeSize) {}

    public static void save(Path file, DcsDiT dit, DitTrainConfig config) {
        ModelFiles.write(file, DitTask.MODEL_KIND, config, dit.params(), extraTensors(dit));
    }

    /** The DiT's state beyond its weights, in model files and training checkpoints alike: its diffusion space's scale, if any. */
    public static Map<String, INDArray> extraTensors(DcsDiT dit) {
        return dit.latentScale() == null ? Map.of() : Map.of(LATENT_SCALE, dit.latentScale());
    }

    /**
     * Refuses restored state whose latent scale is not the one {@code dit} computed at start-up from its
     * tokenizer ({@code computedFrom} says which tokenizer and power): it was trained for another space.
     */
    public static void checkLatentScale(Map<String, INDArray> state, DcsDiT dit, String computedFrom) {
        INDArray saved = state.get(LATENT_SCALE), mine = dit.latentScale();
        if ((saved == null) != (mine == null) || (saved != null && saved.sub(mine).amaxNumber().doubleValue() > 1e-5))
            throw new IllegalStateException("the checkpoint's latent scale differs from the one computed from " + computedFrom
                    + ": it was trained for another tokenizer or power");
    }

    public static Loaded load(Path file, Path repoRoot) {
        ModelFiles.Read<DitTrainConfig> f = ModelFiles.read(file, DitTask.MODEL_KIND, "a diffusion model (dcs-dit)", DitTrainConfig.class);
        DitTrainConfig cfg = f.config();
        TokenizerModel.Loaded tl = TokenizerModel.load(ModelFiles.resolve(cfg.data.tokenizer, repoRoot));
        DcsTokenizer tok = tl.tokenizer();
        var layout = tok.layout(tl.config().data.nativeSize, tl.config().data.nativeSize);
        DcsDiT dit = new DcsDiT(cfg.model, layout, tok.config().latentChannels, new ParamStore(DataType.FLOAT, 0));
        f.copyWeightsInto(dit.params());
        INDArray scale = f.extra().get(LATENT_SCALE);
        if (scale == null && cfg.data.latentScalePower != 0)
            throw new CheckpointException("checkpoint " + file + " has no tensor '" + ModelFiles.EXTRA_PREFIX + LATENT_SCALE
                    + "' but its config sets data.latentScalePower=" + cfg.data.latentScalePower);
        try {
            dit.setLatentScale(scale);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("checkpoint " + file + ": " + e.getMessage());
        }
        return new Loaded(dit, tok, cfg, tl.config().data.nativeSize);
    }
}
