package io.dcsldm.train.video;

import io.dcsldm.tok.Latent;
import io.dcsldm.tok.TokenLayout;
import io.dcsldm.tok.VideoTokenizer;
import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.eval.Psnr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluation of the video tokenizer (acceptance checks of issue 6):
 * <ul>
 * <li>clip PSNR encoded at one frame rate and decoded at another, against the <em>exact</em> render of the
 * same Moving MNIST scene at the output rate (never against interpolated frames);</li>
 * <li>whether the latent shape is the same for one clip duration at every frame rate and at two
 * resolutions;</li>
 * <li>image PSNR of the same checkpoint on single MNIST digits (one-frame videos);</li>
 * <li>real clips: PSNR at their own frame rate and decoded at half of it (reference: pairs of original
 * frames averaged, the temporal analogue of area downsampling).</li>
 * </ul>
 * PSNR of a clip is over all its frames and pixels (data range 1); reported values are means over clips.
 */
public final class VideoEval {
    private VideoEval() {}

    /** Mean clip PSNR over the first {@code clips} scenes: encoded at {@code inFps}, decoded from {@code levels} levels at {@code outFps}. */
    public static double clipPsnr(VideoTokenizer tok, MovingMnist scenes, int clips, double inFps, double outFps, int size, int levels) {
        double sum = 0;
        int batch = 8, c = tok.config().channels;
        for (int from = 0; from < clips; from += batch) {
            int to = Math.min(clips, from + batch);
            float[][][] in = new float[to - from][][], ref = new float[to - from][][];
            for (int i = from; i < to; i++) {
                MovingMnist.Clip clip = scenes.clip(i);
                in[i - from] = clip.render(inFps, size);
                ref[i - from] = clip.render(outFps, size);
            }
            INDArray dec = tok.decode(tok.encode(Clips.toINDArray(in, c, size, size), inFps).prefix(levels), outFps, size, size);
            float[][][] out = Clips.toArrays(dec);
            for (int i = 0; i < out.length; i++) sum += Clips.psnr(out[i], ref[i]);
        }
        return sum / clips;
    }

    /** Mean PSNR of images (one-frame videos) decoded at their own size from {@code levels} levels. */
    public static double imagePsnr(VideoTokenizer tok, ImageSet images, int levels) {
        double sum = 0;
        int batch = 64;
        for (int from = 0; from < images.size(); from += batch) {
            int to = Math.min(images.size(), from + batch);
            int[] idx = java.util.stream.IntStream.range(from, to).toArray();
            INDArray x = images.toINDArray(idx);
            INDArray y = tok.decodeImages(tok.encodeImages(x).prefix(levels), images.height(), images.width());
            for (double p : Psnr.perImage(y, x)) sum += p;
        }
        return sum / images.size();
    }

    /** Latent shapes of one scene encoded at each frame rate and size; true when they are all equal. */
    public static Map<String, long[]> latentShapes(VideoTokenizer tok, MovingMnist scenes, int[] fps, int[] sizes) {
        Map<String, long[]> m = new LinkedHashMap<>();
        MovingMnist.Clip clip = scenes.clip(0);
        int c = tok.config().channels;
        for (int f : fps)
            for (int s : sizes)
                m.put(f + "fps@" + s, tok.encode(Clips.toINDArray(clip.render(f, s), c, s, s), f).tokens().shape());
        return m;
    }

    /**
     * PSNR of a real clip (frames {@code [F][C·H·W]} at {@code fps}): encoded at its own rate, decoded at its own
     * rate (reference: the frames) and at half its rate (reference: pairs of frames averaged).
     */
    public static Map<String, Double> realClipPsnr(VideoTokenizer tok, float[][] frames, int h, int w, double fps, int levels) {
        int c = tok.config().channels;
        Latent z = tok.encode(Clips.toINDArray(frames, c, h, w), fps).prefix(levels);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("native", Clips.psnr(Clips.toArrays(tok.decode(z, fps, h, w))[0], frames));
        m.put("half_fps", Clips.psnr(Clips.toArrays(tok.decode(z, fps / 2, h, w))[0], Clips.temporalAverage(frames, 2)));
        return m;
    }

    /**
     * A linear reference for the 8→8 fps clip PSNR: principal components of whole temporal patches (the
     * {@code fps / k_t} frames of {@code size × size} pixels a temporal patch covers at 8 fps), fitted on the
     * first {@code fitClips} training scenes, keeping as many components per temporal patch as the
     * tokenizer's first ℓ levels hold floats there, for ℓ = 1..L. Same float budget, same temporal
     * causality (each temporal patch on its own), no learning beyond the fit; unclamped.
     *
     * @return mean clip PSNR per level count, keys "1".."L"
     */
    public static Map<String, Double> pcaClipPsnr(VideoTokenizerTask task, int fitClips, int clips) {
        VideoTokTrainConfig cfg = task.config();
        int n = cfg.video.nativeSize, levels = cfg.model.levels, frames = MovingMnist.frameCount(cfg.video.duration, 8);
        TokenLayout layout = task.videoTokenizer().layout(frames, 8, n, n);
        int per = frames / layout.times();                                            // frames per temporal patch
        int perLevel = layout.tokens(1) / layout.times() * cfg.model.latentChannels;  // floats per temporal patch and level
        List<float[]> fit = new ArrayList<>();
        for (int i = 0; i < fitClips; i++) fit.addAll(Arrays.asList(Clips.groupFrames(task.scenes().clip(i).render(8, n), per)));
        io.dcsldm.train.eval.PcaBaseline pca = io.dcsldm.train.eval.PcaBaseline.fit(fit.toArray(new float[0][]));
        double[] sum = new double[levels];
        for (int i = 0; i < clips; i++) {
            float[][] clip = task.evalScenes().clip(i).render(8, n), patches = Clips.groupFrames(clip, per);
            for (int l = 1; l <= levels; l++) {
                float[][] rec = pca.reconstruct(patches, Math.min(l * perLevel, pca.dimension()), false);
                sum[l - 1] += Clips.psnr(Clips.ungroupFrames(rec, per, clip[0].length), clip);
            }
        }
        Map<String, Double> m = new LinkedHashMap<>();
        for (int l = 1; l <= levels; l++) m.put(Integer.toString(l), sum[l - 1] / clips);
        return m;
    }

    /**
     * The whole Moving MNIST / image part of {@code dcs eval-video}: PSNR 8→{8, 16, 32} fps (all levels and
     * per level count at 8→8), whether the latent shape is frame-rate and resolution independent, image PSNR;
     * with {@code pcaFitClips > 0} also the PCA reference at the same float budget ({@link #pcaClipPsnr}).
     */
    public static Map<String, Object> evaluate(VideoTokenizerTask task, int clips, int pcaFitClips) {
        VideoTokenizer tok = task.videoTokenizer();
        VideoTokTrainConfig cfg = task.config();
        int n = cfg.video.nativeSize, levels = cfg.model.levels;
        Map<String, Object> r = new LinkedHashMap<>();
        Map<String, Double> psnr = new LinkedHashMap<>();
        for (int out : new int[]{8, 16, 32})
            if (task.fitsDuration(out)) psnr.put("8->" + out, clipPsnr(tok, task.evalScenes(), clips, 8, out, n, levels));
        r.put("psnr", psnr);
        Double p88 = psnr.get("8->8"), p816 = psnr.get("8->16"), p832 = psnr.get("8->32");
        if (p88 != null && p816 != null && p832 != null) {
            double up = (p816 + p832) / 2;
            r.put("upsampled_mean_psnr", up);
            r.put("upsampling_within_2db", up >= p88 - 2);
        }
        Map<String, Double> perLevel = new LinkedHashMap<>();
        for (int l = 1; l <= levels; l++) perLevel.put(Integer.toString(l), clipPsnr(tok, task.evalScenes(), clips, 8, 8, n, l));
        r.put("psnr_8->8_per_level", perLevel);
        if (pcaFitClips > 0) {
            r.put("pca_psnr_8->8_per_level", pcaClipPsnr(task, pcaFitClips, clips));
            r.put("pca_fit_clips", pcaFitClips);
        }
        Map<String, long[]> shapes = latentShapes(tok, task.evalScenes(), new int[]{8, 16, 32}, new int[]{n, 2 * n});
        long[] first = shapes.values().iterator().next();
        boolean equal = shapes.values().stream().allMatch(s -> Arrays.equals(s, first));
        r.put("latent_shape_equal_across_fps", equal);
        r.put("latent_shape", new long[]{first[1], first[2]});
        r.put("latent_shape_checked", new ArrayList<>(shapes.keySet()));
        r.put("image_psnr", imagePsnr(tok, task.evalImages(), levels));
        r.put("clips", clips);
        r.put("images", task.evalImages().size());
        r.put("native_size", n);
        return r;
    }

    /**
     * Per-level latent statistics over clips at every training frame rate and over images, installed in the
     * tokenizer (so encode returns unit-scale latents for clips and images alike).
     */
    public static void measureLatentStats(VideoTokenizerTask task, int clips, int images) {
        VideoTokenizer tok = task.videoTokenizer();
        VideoTokTrainConfig cfg = task.config();
        int levels = cfg.model.levels, c = cfg.model.latentChannels, n = cfg.video.nativeSize, ch = cfg.model.channels;
        double[][] sum = new double[levels][c], sq = new double[levels][c];
        long[] count = new long[levels];
        for (int f : cfg.video.fps) {
            for (int from = 0; from < clips; from += 8) {
                int to = Math.min(clips, from + 8);
                float[][][] in = new float[to - from][][];
                for (int i = from; i < to; i++) in[i - from] = task.scenes().clip(i).render(f, n);
                INDArray clipsArr = Clips.toINDArray(in, ch, n, n);
                TokenLayout layout = tok.layout(in[0].length, f, n, n);
                accumulate(tok.encodeUnnormalized(clipsArr, f), layout.tokenLevels(levels), sum, sq, count, c);
            }
        }
        ImageSet img = task.images();
        for (int from = 0; from < Math.min(images, img.size()); from += 64) {
            int to = Math.min(Math.min(images, img.size()), from + 64);
            INDArray x = VideoTokenizer.asClip(img.toINDArray(java.util.stream.IntStream.range(from, to).toArray()));
            TokenLayout layout = tok.layout(1, cfg.model.kt, n, n);
            accumulate(tok.encodeUnnormalized(x, cfg.model.kt), layout.tokenLevels(levels), sum, sq, count, c);
        }
        double[][] mean = new double[levels][c], std = new double[levels][c];
        for (int l = 0; l < levels; l++)
            for (int k = 0; k < c; k++) {
                mean[l][k] = sum[l][k] / count[l];
                std[l][k] = Math.sqrt(Math.max(sq[l][k] / count[l] - mean[l][k] * mean[l][k], 1e-12));
            }
        task.tokenizer().setLatentStats(Nd4j.create(mean), Nd4j.create(std));
    }

    private static void accumulate(INDArray z, int[] tokenLevel, double[][] sum, double[][] sq, long[] count, int c) {
        float[] v = z.dup('c').data().asFloat();
        int b = (int) z.size(0), t = tokenLevel.length;
        for (int s = 0; s < b; s++)
            for (int i = 0; i < t; i++) {
                int l = tokenLevel[i];
                for (int k = 0; k < c; k++) {
                    double x = v[(s * t + i) * c + k];
                    sum[l][k] += x;
                    sq[l][k] += x * x;
                }
                count[l]++;
            }
    }
}
