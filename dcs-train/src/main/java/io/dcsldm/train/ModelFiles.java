package io.dcsldm.train;

import io.dcsldm.core.checkpoint.Checkpoint;
import io.dcsldm.core.checkpoint.CheckpointException;
import io.dcsldm.core.nn.Param;
import io.dcsldm.core.nn.ParamStore;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;

/** Copies the weights of a model file or a training checkpoint (its EMA weights) into a model's parameters. */
public final class ModelFiles {
    private ModelFiles() {}

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
