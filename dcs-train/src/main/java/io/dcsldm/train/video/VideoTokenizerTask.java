package io.dcsldm.train.video;

import io.dcsldm.core.config.ConfigLoader;
import io.dcsldm.core.nn.ParamStore;
import io.dcsldm.core.runtime.Rng;
import io.dcsldm.tok.DcsTokenizer;
import io.dcsldm.tok.VideoTokenizer;
import io.dcsldm.train.data.Datasets;
import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.data.Resample;
import io.dcsldm.train.loop.TrainTask;
import io.dcsldm.train.tok.TokenizerModel;
import io.dcsldm.train.tok.TokenizerTask;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * DCS-Tok trained on clips and images together (DESIGN §4): one tokenizer, one set of weights.
 *
 * <p>Every sample of a batch is, with probability {@code video.imageFraction}, an MNIST image (a one-frame
 * video), otherwise a Moving MNIST clip. Each sample draws its input and output frame rate and its input
 * and output size independently (asymmetric alignment in time and space) and a level count
 * {@code ℓ ∈ [1, L]} (nested dropout); clips are rendered exactly at both rates and sizes from their
 * continuous scene, images are area/bicubic-resized. Clips and images go through the tokenizer in two
 * calls (their token layouts differ) whose gradients add up, each sample weighing {@code 1/B}.</p>
 *
 * <p>Evaluation: clip PSNR encoded at 8 fps and decoded at 8, 16 and 32 fps against exact renders, image
 * PSNR, and fresh per-level latent statistics measured on clips at every training frame rate and on images.</p>
 */
public final class VideoTokenizerTask implements TrainTask<VideoTokenizerTask.Batch> {
    public static final String MODEL_KIND = "dcs-tok-video";
    private final VideoTokTrainConfig config;
    private final DcsTokenizer tokenizer;
    private final VideoTokenizer video;
    private final MovingMnist scenes;
    private final MovingMnist evalScenes;
    private final ImageSet images;     // training digits padded to nativeSize
    private final ImageSet evalImages; // evaluation digits padded to nativeSize

    /** One prepared sample: input and target renderings (host arrays), their frame rates and sizes, its level count. */
    public record Prepared(float[][] input, double inFps, int inSize, float[][] target, double outFps, int outSize, int levels) {
        boolean isImage() { return input.length == 1 && target.length == 1; }
    }

    /** A loaded batch. */
    public record Batch(List<Prepared> samples) {}

    public VideoTokenizerTask(VideoTokTrainConfig config) {
        this(config, Datasets.load(config.video.digits), Datasets.load(config.video.evalDigits), null);
    }

    /** Around a trained tokenizer (a loaded model: its weights, linear code and statistics), for evaluation. */
    public VideoTokenizerTask(VideoTokTrainConfig config, DcsTokenizer trained) {
        this(config, Datasets.load(config.video.digits), Datasets.load(config.video.evalDigits), trained);
    }

    /** With explicit digit sets (tests). */
    public VideoTokenizerTask(VideoTokTrainConfig config, ImageSet digits, ImageSet evalDigits) {
        this(config, digits, evalDigits, null);
    }

    private VideoTokenizerTask(VideoTokTrainConfig config, ImageSet digits, ImageSet evalDigits, DcsTokenizer trained) {
        this.config = config;
        this.tokenizer = trained != null ? trained : new DcsTokenizer(config.model, config.train.seed);
        this.video = new VideoTokenizer(tokenizer);
        if (digits.channels() != config.model.channels)
            throw new IllegalArgumentException("digits " + config.video.digits + " have " + digits.channels()
                    + " channels, model.channels is " + config.model.channels);
        this.scenes = new MovingMnist(digits, config.video.seed, config.sceneOptions());
        this.evalScenes = new MovingMnist(evalDigits, config.video.seed + 1, config.sceneOptions());
        this.images = toNative(digits, config.video.nativeSize);
        this.evalImages = toNative(evalDigits.head(Math.min(evalDigits.size(), config.video.evalImages)), config.video.nativeSize);
        if (trained == null && config.model.linearCode) tokenizer.setLinearCode(fitLinearCode(config, tokenizer, scenes, images));
    }

    /**
     * The video tokenizer's linear code ({@link io.dcsldm.tok.TemporalLinearCode}): PCA of whole temporal patches at
     * the lowest training frame rate and the native size (the {@code p = fps / k_t} frames of a temporal patch
     * stacked as channels), fitted on the temporal patches of the first {@code video.pcaClips} training scenes
     * and on training images as one-frame patches ({@code p} copies) in the proportion {@code video.imageFraction}
     * of the training mix; as many components as a temporal patch has latent floats. With {@code video.localLinearCode}
     * the same samples fit a {@link io.dcsldm.train.tok.PatchLinearCode} instead.
     */
    static io.dcsldm.tok.LinearCode fitLinearCode(VideoTokTrainConfig cfg, DcsTokenizer tok, MovingMnist scenes, ImageSet images) {
        int kt = cfg.model.kt, fps = java.util.Collections.min(cfg.video.fps), n = cfg.video.nativeSize, c = cfg.model.channels;
        if (fps % kt != 0)
            throw new IllegalArgumentException("model.linearCode needs the lowest of video.fps (" + fps + ") to be a multiple of model.kt ("
                    + kt + "): its basis holds whole frames of a temporal patch");
        int p = fps / kt;
        List<float[]> x = new ArrayList<>();
        for (int i = 0; i < cfg.video.pcaClips; i++) x.addAll(java.util.Arrays.asList(Clips.groupFrames(scenes.clip(i).render(fps, n), p)));
        double f = cfg.video.imageFraction;
        int imgs = f >= 1 ? images.size() : (int) Math.min(images.size(), Math.round(x.size() * f / (1 - f)));
        for (int i = 0; i < imgs; i++) {
            float[][] still = new float[p][];
            java.util.Arrays.fill(still, images.image(i));
            x.add(Clips.groupFrames(still, p)[0]);
        }
        if (cfg.video.localLinearCode)
            return io.dcsldm.train.tok.PatchLinearCode.fit(x.toArray(new float[0][]), c * p, n, n, tok.layout(n, n), cfg.model.latentChannels);
        io.dcsldm.train.eval.PcaBaseline pca = io.dcsldm.train.eval.PcaBaseline.fit(x.toArray(new float[0][]));
        int floats = tok.layout(n, n).tokens() * cfg.model.latentChannels;
        return TokenizerTask.linearCode(pca, c * p, n, n, floats);
    }

    /** Digits at the native size: zero-padded (28 → 32) when they fit, else area-resized. */
    static ImageSet toNative(ImageSet s, int size) {
        if (s.height() <= size && s.width() <= size) return TokenizerTask.pad(s, size);
        return Resample.resize(s, size, size);
    }

    public DcsTokenizer tokenizer() { return tokenizer; }

    public VideoTokenizer videoTokenizer() { return video; }

    public MovingMnist evalScenes() { return evalScenes; }

    public ImageSet evalImages() { return evalImages; }

    public VideoTokTrainConfig config() { return config; }

    @Override public String modelKind() { return MODEL_KIND; }

    @Override public ParamStore params() { return tokenizer.params(); }

    @Override public int datasetSize() { return config.video.clips; }

    /** Renders the batch's samples (loader thread, host arrays only); a pure function of (indices, step, seed). */
    @Override public Batch loadBatch(int[] indices, long step) {
        SplittableRandom r = new SplittableRandom(Rng.mix(config.train.seed, step, 0x7669646EL));
        List<Integer> fps = config.video.fps, sizes = config.video.sizes;
        List<Prepared> out = new ArrayList<>(indices.length);
        for (int index : indices) {
            boolean image = r.nextDouble() < config.video.imageFraction;
            int inSize = sizes.get(r.nextInt(sizes.size())), outSize = sizes.get(r.nextInt(sizes.size()));
            int inFps = fps.get(r.nextInt(fps.size())), outFps = fps.get(r.nextInt(fps.size()));
            int levels = 1 + r.nextInt(config.model.levels);
            if (image) {
                float[] img = images.image(index % images.size());
                int n = images.height();
                out.add(new Prepared(new float[][]{resize(img, n, inSize)}, config.model.kt, inSize,
                        new float[][]{resize(img, n, outSize)}, config.model.kt, outSize, levels));
            } else {
                MovingMnist.Clip clip = scenes.clip(index);
                out.add(new Prepared(clip.render(inFps, inSize), inFps, inSize, clip.render(outFps, outSize), outFps, outSize, levels));
            }
        }
        return new Batch(out);
    }

    private float[] resize(float[] img, int n, int size) {
        return size == n ? img : Resample.resize(img, config.model.channels, n, n, size, size);
    }

    @Override public double forwardBackward(Batch batch, long seed, long step) {
        List<VideoTokenizer.Sample> clips = new ArrayList<>(), imgs = new ArrayList<>();
        int c = config.model.channels;
        for (Prepared p : batch.samples()) {
            VideoTokenizer.Sample s = new VideoTokenizer.Sample(Clips.toINDArray(p.input(), c, p.inSize(), p.inSize()), p.inFps(),
                    Clips.toINDArray(p.target(), c, p.outSize(), p.outSize()), p.outFps(), p.levels());
            (p.isImage() ? imgs : clips).add(s);
        }
        double b = batch.samples().size(), loss = 0;
        if (!clips.isEmpty()) loss += video.forwardBackward(clips, clips.size() / b) * clips.size() / b;
        if (!imgs.isEmpty()) loss += video.forwardBackward(imgs, imgs.size() / b) * imgs.size() / b;
        return loss;
    }

    /** Clip PSNR 8→8, 8→16, 8→32 fps and image PSNR at native size; then fresh latent statistics. */
    @Override public Map<String, Double> evaluate(long step) {
        Map<String, Double> m = new LinkedHashMap<>();
        int n = config.video.nativeSize;
        for (int outFps : new int[]{8, 16, 32}) {
            if (!fitsDuration(outFps)) continue;
            m.put("psnr_8_" + outFps, VideoEval.clipPsnr(video, evalScenes, config.video.evalClips, 8, outFps, n, config.model.levels));
        }
        m.put("image_psnr", VideoEval.imagePsnr(video, evalImages, config.model.levels));
        VideoEval.measureLatentStats(this, config.video.statsClips, config.video.statsImages);
        return m;
    }

    /** The latent statistics travel with training checkpoints, as the image tokenizer's do. */
    @Override public Map<String, INDArray> extraState() {
        return TokenizerModel.extraTensors(tokenizer);
    }

    @Override public void loadExtraState(Map<String, INDArray> state) {
        TokenizerModel.loadExtraTensors(tokenizer, state);
    }

    boolean fitsDuration(int fps) {
        try {
            new io.dcsldm.tok.TemporalGrid(MovingMnist.frameCount(config.video.duration, fps), fps, config.model.kt);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    MovingMnist scenes() { return scenes; }

    ImageSet images() { return images; }

    @Override public String configYaml() { return ConfigLoader.toYaml(config); }

    @Override public String configFingerprint() { return ConfigLoader.fingerprint(config, "model"); }
}
