package io.dcsldm.train.video;

import io.dcsldm.core.config.ConfigLoader;
import io.dcsldm.core.nn.ParamStore;
import io.dcsldm.dit.DcsDiT;
import io.dcsldm.dit.FlowObjective;
import io.dcsldm.tok.TokenLayout;
import io.dcsldm.tok.VideoTokenizer;
import io.dcsldm.train.dit.DitModel;
import io.dcsldm.train.dit.DitTask;
import io.dcsldm.train.dit.LatentScale;
import io.dcsldm.train.loop.TrainTask;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * DCS-DiT on video latents: class-conditional rectified flow on the normalised latents of Moving MNIST
 * clips (label: the first digit's class). The token layout has {@code G_t} temporal patches, so the
 * model's level- and time-causal mask makes generation causal in time as well as level by level.
 */
public final class VideoDitTask implements TrainTask<DitTask.Batch> {
    public static final String MODEL_KIND = "dcs-dit-video";
    private final VideoDitConfig config;
    private final VideoTokenizer tokenizer;
    private final TokenLayout layout;
    private final float[] latents;
    private final int[] labels;
    private final int tokens, channels;
    private final DcsDiT model;
    private final FlowObjective objective;
    /** Held-out clips (latents in the diffusion space, labels): scenes after the training ones, never trained on. */
    private final float[] heldOutLatents;
    private final int[] heldOutLabels;
    /** Clips in the held-out batch of {@link #evaluate} (fewer when training has fewer). */
    static final int HELD_OUT_CLIPS = 64;

    /**
     * @param scenes the clips to encode (the tokenizer's training scenes)
     */
    public VideoDitTask(VideoDitConfig config, VideoTokenizer tokenizer, MovingMnist scenes) {
        this.config = config;
        this.tokenizer = tokenizer;
        if (tokenizer.imageTokenizer().latentMean() == null)
            throw new IllegalArgumentException("the video tokenizer has no latent statistics (export it with train-tokenizer --export)");
        int n = config.video.clips, size = config.video.size, c = tokenizer.config().channels;
        double fps = config.video.fps;
        int frames = MovingMnist.frameCount(scenes.options().duration, fps);
        this.layout = tokenizer.layout(frames, fps, size, size);
        this.tokens = layout.tokens();
        this.channels = tokenizer.config().latentChannels;
        this.labels = new int[n];
        this.latents = encode(scenes, 0, labels, fps, size, c);
        // held out: the next scenes of the same generator, so the training set (clips 0 … n−1) is what it always was
        this.heldOutLabels = new int[Math.min(HELD_OUT_CLIPS, n)];
        this.heldOutLatents = encode(scenes, n, heldOutLabels, fps, size, c);
        this.model = new DcsDiT(config.model, layout, channels, new ParamStore(DataType.FLOAT, config.train.seed), config.video.rule());
        if (config.video.latentScalePower != 0) {
            INDArray scale = LatentScale.fromVideoDecoder(tokenizer, layout, fps, size, config.video.latentScalePower);
            float[] s = scale.dup('c').data().asFloat();
            for (int i = 0; i < latents.length; i++) latents[i] *= s[i % s.length];
            for (int i = 0; i < heldOutLatents.length; i++) heldOutLatents[i] *= s[i % s.length];
            model.setLatentScale(scale);
        }
        this.objective = new FlowObjective(model, config.flow);
    }

    /** Normalised latents of scenes {@code first … first + labels.length − 1}, in batches of 16; fills {@code labels}. */
    private float[] encode(MovingMnist scenes, int first, int[] labels, double fps, int size, int c) {
        int n = labels.length;
        float[] out = new float[n * tokens * channels];
        for (int from = 0; from < n; from += 16) {
            int to = Math.min(n, from + 16);
            MovingMnist.Rendered part = scenes.render(first + from, to - from, fps, size);
            for (int i = from; i < to; i++) labels[i] = Math.max(0, part.labels()[i - from]);
            float[] z = tokenizer.encode(Clips.toINDArray(part.frames(), c, size, size), fps).tokens().dup('c').data().asFloat();
            System.arraycopy(z, 0, out, from * tokens * channels, z.length);
        }
        return out;
    }

    /** The DiT's training scenes: the tokenizer's scene options with {@code video.digitsPerClip} applied. */
    public static MovingMnist.Options sceneOptions(VideoDitConfig config, VideoTokTrainConfig tokenizer) {
        MovingMnist.Options o = tokenizer.sceneOptions();
        if (config.video.digitsPerClip > 0) o.digits = config.video.digitsPerClip;
        return o.validate();
    }

    public DcsDiT model() { return model; }

    public TokenLayout layout() { return layout; }

    public int tokens() { return tokens; }

    public int channels() { return channels; }

    INDArray batch(int[] idx) {
        float[] buf = new float[idx.length * tokens * channels];
        for (int i = 0; i < idx.length; i++) System.arraycopy(latents, idx[i] * tokens * channels, buf, i * tokens * channels, tokens * channels);
        return Nd4j.create(buf, new long[]{idx.length, tokens, channels}, 'c');
    }

    int[] labels(int[] idx) {
        int[] out = new int[idx.length];
        for (int i = 0; i < idx.length; i++) out[i] = labels[idx[i]];
        return out;
    }

    @Override public String modelKind() { return MODEL_KIND; }

    @Override public ParamStore params() { return model.params(); }

    @Override public int datasetSize() { return labels.length; }

    @Override public DitTask.Batch loadBatch(int[] indices, long step) { return new DitTask.Batch(batch(indices), labels(indices)); }

    @Override public double forwardBackward(DitTask.Batch batch, long seed, long step) {
        return loss(batch.latents(), batch.labels(), seed, step);
    }

    /** The flow loss this config trains with: one time per clip, or clean earlier patches ({@code video.cleanContext}). */
    private double loss(INDArray latents, int[] labels, long seed, long step) {
        return config.video.cleanContext ? objective.forwardBackwardCausalInTime(latents, labels, seed, step)
                : objective.forwardBackward(latents, labels, seed, step);
    }

    /** The held-out clips' latents {@code [h, T, c]} in the diffusion space. */
    INDArray heldOutBatch() {
        return Nd4j.create(heldOutLatents.clone(), new long[]{heldOutLabels.length, tokens, channels}, 'c');
    }

    int[] heldOutLabels() { return heldOutLabels.clone(); }

    /** Flow loss of the held-out clips at fixed noise and times: a measure of generalisation, as they are never trained on. */
    @Override public Map<String, Double> evaluate(long step) {
        double loss = loss(heldOutBatch(), heldOutLabels(), 12345, 0);
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
        DitModel.checkLatentScale(state, model, "tokenizer " + config.video.tokenizer + " with video.latentScalePower=" + config.video.latentScalePower);
    }

    @Override public String configYaml() { return ConfigLoader.toYaml(config); }

    @Override public String configFingerprint() { return ConfigLoader.fingerprint(config, "model"); }
}
