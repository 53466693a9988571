package io.dcsldm.train.tok;

import io.dcsldm.core.checkpoint.Checkpoint;
import io.dcsldm.core.checkpoint.CheckpointException;
import io.dcsldm.core.checkpoint.CheckpointIO;
import io.dcsldm.core.config.ConfigLoader;
import io.dcsldm.core.nn.Param;
import io.dcsldm.tok.DcsTokenizer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.List;

/**
 * A trained tokenizer as a file: the weights (the EMA weights of a training run), the latent statistics
 * and the config that built it. {@link #load} reads such an export and also a training checkpoint of
 * {@code dcs train-tokenizer} (taking its EMA weights).
 */
public final class TokenizerModel {
    private TokenizerModel() {}

    /** A loaded tokenizer with the config it was trained with. */
    public record Loaded(DcsTokenizer tokenizer, TokTrainConfig config) {}

    /** Writes the tokenizer's current weights, statistics and config (atomically). */
    public static void save(Path file, DcsTokenizer tok, TokTrainConfig config) {
        Checkpoint.Builder b = Checkpoint.builder().modelKind(TokenizerTask.MODEL_KIND)
                .configFingerprint(ConfigLoader.fingerprint(config, "model")).configYaml(ConfigLoader.toYaml(config))
                .metadata("content", "weights");
        for (Param p : tok.params().all()) b.tensor(p.name(), p.value());
        java.util.Map<String, INDArray> extra = new java.util.LinkedHashMap<>();
        TokenizerTask.putLinearCode(tok, extra, "extra/");
        extra.forEach(b::tensor);
        if (tok.latentMean() != null) {
            b.tensor("extra/latent_mean", tok.latentMean());
            b.tensor("extra/latent_std", tok.latentStd());
        }
        if (file.getParent() != null) file.getParent().toFile().mkdirs();
        CheckpointIO.write(file, b.build());
    }

    public static Loaded load(Path file) {
        Checkpoint c = CheckpointIO.read(file);
        if (!TokenizerTask.MODEL_KIND.equals(c.modelKind()))
            throw new CheckpointException("checkpoint " + file + " holds a '" + c.modelKind() + "' model, not a tokenizer (dcs-tok)");
        TokTrainConfig cfg = ConfigLoader.parse(c.configYaml(), file + " (embedded config)", TokTrainConfig.class, List.of());
        DcsTokenizer tok = new DcsTokenizer(cfg.model, 0);
        io.dcsldm.train.ModelFiles.copyWeights(c, tok.params(), file);
        TokenizerTask.loadLinearCode(tok, c.tensors(), "extra/");
        if (cfg.model.linearCode && tok.linearCode() == null)
            throw new CheckpointException("checkpoint " + file + " has model.linearCode = true but holds no linear code (extra/linear_*)");
        INDArray mean = c.tensors().get("extra/latent_mean");
        if (mean != null) tok.setLatentStats(mean, c.tensors().get("extra/latent_std"));
        return new Loaded(tok, cfg);
    }
}
