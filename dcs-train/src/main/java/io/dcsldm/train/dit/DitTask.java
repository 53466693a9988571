package io.dcsldm.train.dit;

import io.dcsldm.core.config.ConfigLoader;
import io.dcsldm.core.nn.ParamStore;
import io.dcsldm.dit.DcsDiT;
import io.dcsldm.dit.FlowObjective;
import io.dcsldm.tok.DcsTokenizer;
import io.dcsldm.train.data.Datasets;
import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.loop.TrainTask;
import io.dcsldm.train.tok.TokenizerTask;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * DCS-DiT as a {@link TrainTask}: class-conditional rectified flow on the normalised latents of a
 * trained tokenizer. Evaluation reports the flow loss of a fixed held-out batch (images training never sees, from
 * {@code data.test}) at fixed noise and times, comparable across steps and runs.
 */
public final class DitTask implements TrainTask<DitTask.Batch> {
    public static final String MODEL_KIND = "dcs-dit";

    /** Latents {@code [B, T, c]} and labels of one step. */
    public record Batch(INDArray latents, int[] labels) {}

    private final DitTrainConfig config;
    private final DcsTokenizer tokenizer;
    private final LatentSet latents;
    private final DcsDiT model;
    private final FlowObjective objective;
    private final LatentSet heldOut;

    /**
     * @param images the training images, at the tokenizer's native size
     * @param heldOutImages images of the same kind that training never sees (e.g. the test split), for {@link #evaluate}
     */
    public DitTask(DitTrainConfig config, DcsTokenizer tokenizer, ImageSet images, ImageSet heldOutImages) {
        this.config = config;
        this.tokenizer = tokenizer;
        this.latents = LatentSet.encode(tokenizer, images, 200);
        if (heldOutImages.height() != images.height() || heldOutImages.width() != images.width())
            throw new IllegalArgumentException("held-out images (" + heldOutImages.source() + ") are " + heldOutImages.height() + "×"
                    + heldOutImages.width() + ", the training images " + images.height() + "×" + images.width());
        this.heldOut = LatentSet.encode(tokenizer, heldOutImages, 200);
        this.model = new DcsDiT(config.model, latents.layout(), latents.channels(), new ParamStore(DataType.FLOAT, config.train.seed));
        if (config.data.latentScalePower != 0) {
            INDArray scale = LatentScale.fromDecoder(tokenizer, latents.layout(), images.height(), config.data.latentScalePower);
            latents.scale(scale);
            heldOut.scale(scale);
            model.setLatentScale(scale);
        }
        this.objective = new FlowObjective(model, config.flow);
    }

    /** Images in the held-out batch: the first ones of {@code data.test}. */
    public static final int HELD_OUT_IMAGES = 256;

    /** Loads the tokenizer named by the config and the training images (padded to its native size). */
    public static DitTask fromConfig(DitTrainConfig config, java.nio.file.Path tokenizerFile) {
        var tok = io.dcsldm.train.tok.TokenizerModel.load(tokenizerFile);
        if (tok.tokenizer().latentMean() == null)
            throw new IllegalArgumentException("tokenizer " + tokenizerFile + " has no latent statistics (export it with train-tokenizer --export)");
        ImageSet images = config.data.limit > 0 ? Datasets.load(config.data.train, config.data.limit) : Datasets.load(config.data.train);
        ImageSet heldOut = Datasets.load(config.data.test, HELD_OUT_IMAGES);
        int size = tok.config().data.nativeSize;
        return new DitTask(config, tok.tokenizer(), TokenizerTask.pad(images, size), TokenizerTask.pad(heldOut, size));
    }

    public DcsDiT model() { return model; }

    public DcsTokenizer tokenizer() { return tokenizer; }

    public LatentSet latents() { return latents; }

    @Override public String modelKind() { return MODEL_KIND; }

    @Override public ParamStore params() { return model.params(); }

    @Override public int datasetSize() { return latents.size(); }

    @Override public Batch loadBatch(int[] indices, long step) {
        return new Batch(latents.batch(indices), latents.labels(indices));
    }

    @Override public double forwardBackward(Batch batch, long seed, long step) {
        return objective.forwardBackward(batch.latents(), batch.labels(), seed, step);
    }

    /** Held-out flow loss at fixed noise/times (gradients computed and discarded). */
    @Override public Map<String, Double> evaluate(long step) {
        int[] all = java.util.stream.IntStream.range(0, heldOut.size()).toArray();
        double loss = objective.forwardBackward(heldOut.batch(all), heldOut.labels(all), 12345, 0);
        model.params().zeroGrads();
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("heldout_flow_loss", loss);
        return m;
    }

    /** The diffusion space's scale travels with training checkpoints, so a checkpoint loads as a model file. */
    @Override public Map<String, INDArray> extraState() {
        return DitModel.extraTensors(model);
    }

    /** The scale is recomputed from the tokenizer at start-up; a checkpoint whose scale differs was trained for another space. */
    @Override public void loadExtraState(Map<String, INDArray> state) {
        DitModel.checkLatentScale(state, model, "tokenizer " + config.data.tokenizer + " with data.latentScalePower=" + config.data.latentScalePower);
    }

    @Override public String configYaml() { return ConfigLoader.toYaml(config); }

    @Override public String configFingerprint() { return ConfigLoader.fingerprint(config, "model"); }
}
