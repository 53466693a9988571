package io.dcsldm.train.tok;

import io.dcsldm.core.config.ConfigLoader;
import io.dcsldm.core.nn.ParamStore;
import io.dcsldm.tok.DcsTokenizer;
import io.dcsldm.train.data.Datasets;
import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.data.Resample;
import io.dcsldm.train.loop.TrainTask;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * DCS-Tok as a {@link TrainTask}: batches of padded native-size images, the asymmetric-scale objective,
 * periodic PSNR per level count, and the per-level latent statistics (measured with the EMA weights at
 * each evaluation and saved with the checkpoint) that normalise latents for the diffusion model.
 */
public final class TokenizerTask implements TrainTask<ImageSet> {
    public static final String MODEL_KIND = "dcs-tok";
    private final TokTrainConfig config;
    private final DcsTokenizer tokenizer;
    private final TokenizerObjective objective;
    private final ImageSet train;
    private final ImageSet test;

    public TokenizerTask(TokTrainConfig config) {
        this(config, null);
    }

    /**
     * {@code linearCode}: the global linear code to use when {@code model.linearCode} (e.g. that of a model
     * being fine-tuned, whose residuals were trained on top of it); null fits one on the training images.
     */
    public TokenizerTask(TokTrainConfig config, io.dcsldm.tok.LinearCode linearCode) {
        this.config = config;
        this.tokenizer = new DcsTokenizer(config.model, config.train.seed);
        this.objective = new TokenizerObjective(tokenizer, config.data.sizes.stream().mapToInt(Integer::intValue).toArray(),
                config.objective.l1Weight);
        this.train = pad(config.data.limit > 0 ? Datasets.load(config.data.train, config.data.limit) : Datasets.load(config.data.train), config.data.nativeSize);
        this.test = pad(Datasets.load(config.data.test, config.data.evalImages), config.data.nativeSize);
        if (train.channels() != config.model.channels)
            throw new IllegalArgumentException("dataset " + config.data.train + " has " + train.channels()
                    + " channels, model.channels is " + config.model.channels);
        if (config.model.linearCode)
            tokenizer.setLinearCode(linearCode != null ? linearCode : fitLinearCode(tokenizer, train, config.data.pcaImages));
    }

    /**
     * The global linear code of {@code tok}: PCA of the first {@code images} images of {@code train} (at
     * native size, on the tokenizer's [−1, 1] pixel scale) with as many components as the latent has floats.
     */
    public static io.dcsldm.tok.LinearCode fitLinearCode(DcsTokenizer tok, ImageSet train, int images) {
        io.dcsldm.train.eval.PcaBaseline pca = io.dcsldm.train.eval.PcaBaseline.fit(train.head(Math.min(train.size(), images)));
        int floats = tok.layout(train.height(), train.width()).tokens() * tok.config().latentChannels;
        return linearCode(pca, train.channels(), train.height(), train.width(), floats);
    }

    /**
     * A {@link io.dcsldm.tok.LinearCode} of {@code channels × h × w} from the top {@code floats} components of a PCA
     * fitted on [0, 1] pixels (moved to the tokenizer's [−1, 1] scale).
     */
    public static io.dcsldm.tok.LinearCode linearCode(io.dcsldm.train.eval.PcaBaseline pca, int channels, int h, int w, int floats) {
        if (floats > pca.dimension())
            throw new IllegalArgumentException("the latent has " + floats + " floats but the " + channels + "×" + h + "×" + w
                    + " basis only " + pca.dimension() + ": model.linearCode needs a latent no larger than what it codes");
        double[] ev = pca.eigenvalues();
        double[][] dirs = new double[floats][];
        double[] var = new double[floats];
        for (int f = 0; f < floats; f++) {
            dirs[f] = pca.component(f);
            var[f] = ev[f];
        }
        return fromUnitScalePca(channels, h, w, pca.mean(), dirs, var);
    }

    /**
     * {@link io.dcsldm.tok.LinearCode#fromPca} for a mean, unit directions and variances measured on [0, 1] pixels:
     * moves the mean and variances to the tokenizer's [−1, 1] scale (the arrays are changed in place).
     */
    public static io.dcsldm.tok.LinearCode fromUnitScalePca(int channels, int h, int w, double[] mean, double[][] dirs, double[] var) {
        for (int j = 0; j < mean.length; j++) mean[j] = 2 * mean[j] - 1;      // [0, 1] → [−1, 1]
        for (int f = 0; f < var.length; f++) var[f] *= 4;
        return io.dcsldm.tok.LinearCode.fromPca(channels, h, w, mean, dirs, var, dirs.length);
    }

    /** Zero-pads images to {@code size × size} (centred), e.g. 28 → 32. */
    public static ImageSet pad(ImageSet s, int size) {
        if (s.height() == size && s.width() == size) return s;
        if (s.height() > size || s.width() > size)
            throw new IllegalArgumentException("images of " + s.height() + "×" + s.width() + " are larger than data.nativeSize " + size);
        return Resample.padTo(s, size, size, Resample.PadMode.ZERO);
    }

    public DcsTokenizer tokenizer() { return tokenizer; }

    public ImageSet trainSet() { return train; }

    @Override public String modelKind() { return MODEL_KIND; }

    @Override public ParamStore params() { return tokenizer.params(); }

    @Override public int datasetSize() { return train.size(); }

    @Override public ImageSet loadBatch(int[] indices, long step) { return train.select(indices); }

    @Override public double forwardBackward(ImageSet batch, long seed, long step) {
        return objective.forwardBackward(batch, seed, step);
    }

    /** PSNR at native size for every level count on the evaluation images, and fresh latent statistics. */
    @Override public Map<String, Double> evaluate(long step) {
        Map<String, Double> m = new LinkedHashMap<>();
        double[] psnr = TokenizerEval.nativePsnrPerLevel(tokenizer, test, 64);
        for (int l = 0; l < psnr.length; l++) m.put("psnr_l" + (l + 1), psnr[l]);
        measureLatentStats();
        return m;
    }

    /** Measures the per-level latent statistics of the current weights on {@code data.statsImages} training images. */
    public void measureLatentStats() {
        LatentStats.measure(tokenizer, train.head(Math.min(train.size(), config.data.statsImages)), 128);
    }

    /** The linear code and latent statistics travel with training checkpoints, so a checkpoint loads as a model file. */
    @Override public Map<String, INDArray> extraState() {
        return TokenizerModel.extraTensors(tokenizer);
    }

    @Override public void loadExtraState(Map<String, INDArray> state) {
        TokenizerModel.loadExtraTensors(tokenizer, state);
    }

    @Override public String configYaml() { return ConfigLoader.toYaml(config); }

    @Override public String configFingerprint() { return ConfigLoader.fingerprint(config, "model"); }
}
