package io.dcsldm.train.dit;

import io.dcsldm.core.checkpoint.Checkpoint;
import io.dcsldm.core.checkpoint.CheckpointException;
import io.dcsldm.core.checkpoint.CheckpointIO;
import io.dcsldm.core.config.ConfigLoader;
import io.dcsldm.core.nn.Param;
import io.dcsldm.core.nn.ParamStore;
import io.dcsldm.dit.DcsDiT;
import io.dcsldm.tok.DcsTokenizer;
import io.dcsldm.train.tok.TokenizerModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.List;

/**
 * A trained DiT as a file (weights + config). Loading also loads the tokenizer its config names
 * (resolved against the repository root when relative), whose latent layout the DiT was built for.
 */
public final class DitModel {
    private DitModel() {}

    /** The tensor holding {@link DcsDiT#latentScale()} (absent when the model diffuses the normalised latent). */
    static final String LATENT_SCALE = "extra/latent_scale";

    public record Loaded(DcsDiT dit, DcsTokenizer tokenizer, DitTrainConfig config, int nativeSize) {}

    public static void save(Path file, DcsDiT dit, DitTrainConfig config) {
        Checkpoint.Builder b = Checkpoint.builder().modelKind(DitTask.MODEL_KIND)
                .configFingerprint(ConfigLoader.fingerprint(config, "model")).configYaml(ConfigLoader.toYaml(config))
                .metadata("content", "weights");
        for (Param p : dit.params().all()) b.tensor(p.name(), p.value());
        if (dit.latentScale() != null) b.tensor(LATENT_SCALE, dit.latentScale());
        if (file.getParent() != null) file.getParent().toFile().mkdirs();
        CheckpointIO.write(file, b.build());
    }

    public static Loaded load(Path file, Path repoRoot) {
        Checkpoint c = CheckpointIO.read(file);
        if (!DitTask.MODEL_KIND.equals(c.modelKind()))
            throw new CheckpointException("checkpoint " + file + " holds a '" + c.modelKind() + "' model, not a diffusion model (dcs-dit)");
        DitTrainConfig cfg = ConfigLoader.parse(c.configYaml(), file + " (embedded config)", DitTrainConfig.class, List.of());
        Path tokFile = Path.of(cfg.data.tokenizer);
        if (!tokFile.isAbsolute() && repoRoot != null && !tokFile.toFile().exists()) tokFile = repoRoot.resolve(tokFile);
        TokenizerModel.Loaded tl = TokenizerModel.load(tokFile);
        DcsTokenizer tok = tl.tokenizer();
        var layout = tok.layout(tl.config().data.nativeSize, tl.config().data.nativeSize);
        DcsDiT dit = new DcsDiT(cfg.model, layout, tok.config().latentChannels, new ParamStore(DataType.FLOAT, 0));
        io.dcsldm.train.ModelFiles.copyWeights(c, dit.params(), file);
        INDArray scale = c.tensors().get(LATENT_SCALE);
        if (scale == null && cfg.data.latentScalePower != 0)
            throw new CheckpointException("checkpoint " + file + " has no tensor '" + LATENT_SCALE + "' but its config sets data.latentScalePower="
                    + cfg.data.latentScalePower);
        try {
            dit.setLatentScale(scale);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("checkpoint " + file + ": " + e.getMessage());
        }
        return new Loaded(dit, tok, cfg, tl.config().data.nativeSize);
    }
}
