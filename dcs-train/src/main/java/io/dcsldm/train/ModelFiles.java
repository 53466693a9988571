package io.dcsldm.train;

import io.dcsldm.core.checkpoint.Checkpoint;
import io.dcsldm.core.checkpoint.CheckpointException;
import io.dcsldm.core.checkpoint.CheckpointIO;
import io.dcsldm.core.config.ConfigLoader;
import io.dcsldm.core.nn.Param;
import io.dcsldm.core.nn.ParamStore;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Model files: the weights of a model, the tensors beyond its weights (under {@value #EXTRA_PREFIX}, as
 * training checkpoints store a task's extra state) and the config that built it. Reading takes a model file
 * or a training checkpoint alike (a checkpoint's EMA weights).
 */
public final class ModelFiles {
    private ModelFiles() {}

    /** Prefix of the tensors that are not weights: a task's extra state in a checkpoint, a model's extras in a model file. */
    public static final String EXTRA_PREFIX = "extra/";

    /**
     * Writes a weights-only model file of {@code modelKind} (atomically, creating its folder): the parameters,
     * the {@code extra} tensors (names without {@value #EXTRA_PREFIX}) and {@code config} (its YAML and the
     * fingerprint of its {@code model} section).
     */
    public static void write(Path file, String modelKind, Object config, ParamStore params, Map<String, INDArray> extra) {
        Checkpoint.Builder b = Checkpoint.builder().modelKind(modelKind)
                .configFingerprint(ConfigLoader.fingerprint(config, "model")).configYaml(ConfigLoader.toYaml(config))
                .metadata("content", "weights");
        for (Param p : params.all()) b.tensor(p.name(), p.value());
        extra.forEach((name, t) -> b.tensor(EXTRA_PREFIX + name, t));
        if (file.getParent() != null) file.getParent().toFile().mkdirs();
        CheckpointIO.write(file, b.build());
    }

    /** A model file (or training checkpoint) read back, with the config embedded in it. */
    public record Read<C>(Path file, Checkpoint checkpoint, C config) {
        /** The tensors beyond the weights, names without {@value ModelFiles#EXTRA_PREFIX}. */
        public Map<String, INDArray> extra() { return extraTensors(checkpoint); }

        /** Copies the weights into {@code params} (see {@link ModelFiles#copyWeights}). */
        public void copyWeightsInto(ParamStore params) { copyWeights(checkpoint, params, file); }
    }

    /**
     * Reads {@code file}, which must hold a model of {@code modelKind} (else an error saying it is not
     * {@code what}), and parses its embedded config as {@code configType}.
     */
    public static <C> Read<C> read(Path file, String modelKind, String what, Class<C> configType) {
        Checkpoint c = CheckpointIO.read(file);
        if (!modelKind.equals(c.modelKind()))
            throw new CheckpointException("checkpoint " + file + " holds a '" + c.modelKind() + "' model, not " + what);
        return new Read<>(file, c, ConfigLoader.parse(c.configYaml(), file + " (embedded config)", configType, List.of()));
    }

    /** The tensors of {@code c} stored under {@value #EXTRA_PREFIX}, names without it, in file order. */
    public static Map<String, INDArray> extraTensors(Checkpoint c) {
        Map<String, INDArray> extra = new LinkedHashMap<>();
        c.tensors().forEach((name, t) -> {
            if (name.startsWith(EXTRA_PREFIX)) extra.put(name.substring(EXTRA_PREFIX.length()), t);
        });
        return extra;
    }

    /**
     * A file named in a model's config (the tokenizer a DiT belongs to): as written when absolute or present,
     * otherwise resolved against {@code repoRoot} (when given), so configs can name files relative to the repository.
     */
    public static Path resolve(String name, Path repoRoot) {
        Path p = Path.of(name);
        if (!p.isAbsolute() && repoRoot != null && !p.toFile().exists()) p = repoRoot.resolve(p);
        return p;
    }

    /** Copies the weights of a model file or a training checkpoint (its EMA weights) into a model's parameters. */
    public static void copyWeights(Checkpoint c, ParamStore store, Path file) {
        boolean ema = c.tensors().containsKey("ema/" + store.all().get(0).name());
        for (Param p : store.all()) {
            String key = (ema ? "ema/" : "") + p.name();
            INDArray v = c.tensors().get(key);
            if (v == null) throw new CheckpointException("checkpoint " + file + " has no tensor '" + key + "' for this model config");
            if (!java.util.Arrays.equals(v.shape(), p.value().shape()))
                throw new CheckpointException("checkpoint " + file + ": tensor '" + key + "' has shape " + java.util.Arrays.toString(v.shape())
                        + ", the model expects " + java.util.Arrays.toString(p.value().shape()));
            p.value().assign(v);
        }
    }
}
