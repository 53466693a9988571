package io.dcsldm.train.tok;

import io.dcsldm.core.checkpoint.CheckpointException;
import io.dcsldm.tok.DcsTokenizer;
import io.dcsldm.tok.LinearCode;
import io.dcsldm.train.ModelFiles;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trained tokenizer as a file: the weights (the EMA weights of a training run), the latent statistics
 * and the config that built it. {@link #load} reads such an export and also a training checkpoint of
 * {@code dcs train-tokenizer} (taking its EMA weights).
 */
public final class TokenizerModel {
    private TokenizerModel() {}

    /** A loaded tokenizer with the config it was trained with. */
    public record Loaded(DcsTokenizer tokenizer, TokTrainConfig config) {}

    /** Writes the tokenizer's current weights, linear code, statistics and config (atomically). */
    public static void save(Path file, DcsTokenizer tok, TokTrainConfig config) {
        ModelFiles.write(file, TokenizerTask.MODEL_KIND, config, tok.params(), extraTensors(tok));
    }

    public static Loaded load(Path file) {
        ModelFiles.Read<TokTrainConfig> f = ModelFiles.read(file, TokenizerTask.MODEL_KIND, "a tokenizer (dcs-tok)", TokTrainConfig.class);
        DcsTokenizer tok = new DcsTokenizer(f.config().model, 0);
        f.copyWeightsInto(tok.params());
        loadExtraTensors(tok, f.extra());
        if (f.config().model.linearCode && tok.linearCode() == null)
            throw new CheckpointException("checkpoint " + file + " has model.linearCode = true but holds no linear code (extra/linear_*)");
        return new Loaded(tok, f.config());
    }

    /**
     * A tokenizer's state beyond its weights, as model files and training checkpoints both store it (under
     * {@code extra/}): its linear code ({@code linear_*}) and latent statistics ({@code latent_mean},
     * {@code latent_std}), each when it has them. The video tokenizer stores the same (its linear code, when
     * {@code model.linearCode}, is a temporal or patch-local PCA in the same three tensors).
     */
    public static Map<String, INDArray> extraTensors(DcsTokenizer tok) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        LinearCode code = tok.linearCode();
        if (code != null) {
            m.put("linear_mean", code.mean());
            m.put("linear_components", code.components());
            m.put("linear_scale", code.scale());
        }
        if (tok.latentMean() != null) {
            m.put("latent_mean", tok.latentMean());
            m.put("latent_std", tok.latentStd());
        }
        return m;
    }

    /** Installs what {@link #extraTensors} stored; what is absent stays as it is. */
    public static void loadExtraTensors(DcsTokenizer tok, Map<String, INDArray> extra) {
        INDArray linearMean = extra.get("linear_mean");
        if (linearMean != null) tok.setLinearCode(new LinearCode(linearMean, extra.get("linear_components"), extra.get("linear_scale")));
        if (extra.containsKey("latent_mean")) tok.setLatentStats(extra.get("latent_mean"), extra.get("latent_std"));
    }
}
