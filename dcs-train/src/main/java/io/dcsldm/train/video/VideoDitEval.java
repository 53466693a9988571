package io.dcsldm.train.video;

import io.dcsldm.dit.FlowSampler;
import io.dcsldm.tok.Latent;
import io.dcsldm.tok.TokenLayout;
import io.dcsldm.tok.VideoTokenizer;
import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.data.Resample;
import io.dcsldm.train.eval.FmnistClassifier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Scores a class-conditional video DiT of one-digit Moving MNIST the way {@code eval-dit} scores the image DiT:
 * the fraction of generated clips a classifier assigns to the class they were generated for, per level count,
 * beside the same classifier's accuracy on real clips and on the tokenizer's reconstructions of them (the
 * ceiling the DiT can reach through this tokenizer).
 *
 * <p>The classifier is the project's 28×28 CNN ({@link FmnistClassifier}'s architecture) trained here on single
 * frames of one-digit scenes from the MNIST training digits, resized from the clip size to 28×28 (a few seconds
 * of training; its test accuracy on frames of the evaluation scenes is reported). A clip's class is the argmax of
 * its frames' mean class probabilities.</p>
 *
 * <p>It also reports how strongly real and generated latents couple consecutive temporal patches, per level
 * ({@link TemporalCorrelation}): a digit that jumps between patches shows as a lower generated correlation.</p>
 */
public final class VideoDitEval {
    private VideoDitEval() {}

    /**
     * @param count generated clips (classes 0..9 in turn)
     * @param batch clips generated per sampler call
     * @param realClips real evaluation clips scored (and reconstructed) for the reference numbers
     * @param classifierFrames training frames of the classifier
     */
    public record Options(int count, FlowSampler.Method method, int steps, double guidance, int batch, int realClips,
                          int classifierFrames, long seed) {}

    /** One-digit scenes of {@code digits} like the DiT's, with another seed. */
    public static MovingMnist scenes(VideoDitModel.Loaded m, ImageSet digits, long seed) {
        MovingMnist.Options o = m.tokenizer().config().sceneOptions();
        o.digits = 1;
        return new MovingMnist(digits, seed, o.validate());
    }

    /** Checks that the model was trained on one-digit scenes (the classifier reads one digit per frame). */
    public static void requireOneDigit(VideoDitModel.Loaded m, String file) {
        int d = VideoDitTask.sceneOptions(m.config(), m.tokenizer().config()).digits;
        if (d != 1)
            throw new IllegalArgumentException(file + " was trained on " + d + "-digit scenes; the class accuracy needs a model of one-digit"
                    + " scenes (video.digitsPerClip: 1), where the class names the only digit");
    }

    /** Frame {@code i mod F} of scene {@code i}, for {@code n} scenes, at 28×28 with the digit's label. */
    static ImageSet frames(MovingMnist scenes, int n, double fps, int size) {
        float[][] x = new float[n][];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            MovingMnist.Clip c = scenes.clip(i);
            float[][] f = c.render(fps, size);
            x[i] = Resample.resize(f[i % f.length], 1, size, size, FmnistClassifier.SIZE, FmnistClassifier.SIZE);
            y[i] = c.label();
        }
        return new ImageSet(x, y, 1, FmnistClassifier.SIZE, FmnistClassifier.SIZE, "moving-mnist frames (" + n + " one-digit scenes)");
    }

    /** The frame classifier, trained on {@code trainScenes} and tested on frames of {@code testScenes}. */
    public static FmnistClassifier trainClassifier(MovingMnist trainScenes, MovingMnist testScenes, int frames, double fps, int size,
                                                   long seed, Consumer<String> log) {
        return FmnistClassifier.train(frames(trainScenes, frames, fps, size), testFrames(testScenes, frames, fps, size), 2, 64, seed, log);
    }

    /** The frames a classifier of {@code frames} training frames is tested on. */
    static ImageSet testFrames(MovingMnist testScenes, int frames, double fps, int size) {
        return frames(testScenes, Math.max(100, frames / 10), fps, size);
    }

    /** The class of each clip {@code [F][size·size]}: argmax of its frames' mean class probabilities. */
    static int[] classify(FmnistClassifier clf, float[][][] clips, int size) {
        int[][] byPatch = classifyByPatch(clf, clips, size, 1);
        int[] out = new int[clips.length];
        for (int i = 0; i < out.length; i++) out[i] = byPatch[i][0];
        return out;
    }

    /**
     * The class of each temporal patch of each clip, {@code [n][times]}: argmax of the mean class probabilities of
     * the patch's frames (frame {@code j} of {@code F} belongs to patch {@code j·times/F}). {@code times = 1} is the
     * whole clip.
     */
    static int[][] classifyByPatch(FmnistClassifier clf, float[][][] clips, int size, int times) {
        int f = clips[0].length, n = clips.length;
        if (times < 1 || times > f) throw new IllegalArgumentException("cannot split " + f + " frames into " + times + " temporal patches");
        float[][] x = new float[n * f][];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < f; j++) x[i * f + j] = Resample.resize(clips[i][j], 1, size, size, FmnistClassifier.SIZE, FmnistClassifier.SIZE);
        double[][] p = clf.probabilities(ImageSet.toINDArray(x, 1, FmnistClassifier.SIZE, FmnistClassifier.SIZE));
        int[][] out = new int[n][times];
        for (int i = 0; i < n; i++) {
            double[][] mean = new double[times][FmnistClassifier.CLASSES];
            for (int j = 0; j < f; j++)
                for (int k = 0; k < FmnistClassifier.CLASSES; k++) mean[(int) ((long) j * times / f)][k] += p[i * f + j][k];
            for (int t = 0; t < times; t++) {
                int best = 0;
                for (int k = 1; k < FmnistClassifier.CLASSES; k++) if (mean[t][k] > mean[t][best]) best = k;
                out[i][t] = best;
            }
        }
        return out;
    }

    /**
     * Class scores per temporal patch: how often each patch alone is classified as the clip's digit, and how often
     * every patch of a clip gets the same class. Clips whose digit changes from one patch to the next (generation
     * that does not carry the digit through its clean context) score low on the second though each patch may look
     * like some digit.
     */
    static final class PatchScores {
        private final int times;
        private final int[] hits;
        private int kept, n;

        PatchScores(int times) {
            this.times = times;
            this.hits = new int[times];
        }

        void add(int[][] byPatch, int[] labels) {
            for (int i = 0; i < labels.length; i++) {
                boolean same = true;
                for (int t = 0; t < times; t++) {
                    if (byPatch[i][t] == labels[i]) hits[t]++;
                    same &= byPatch[i][t] == byPatch[i][0];
                }
                if (same) kept++;
                n++;
            }
        }

        Map<String, Object> toMap() {
            Map<String, Double> accuracy = new LinkedHashMap<>();
            for (int t = 0; t < times; t++) accuracy.put(Integer.toString(t), (double) hits[t] / n);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("accuracy", accuracy);
            m.put("same_class_in_every_patch", (double) kept / n);
            return m;
        }
    }

    private static int hits(int[] predicted, int[] labels) {
        int h = 0;
        for (int i = 0; i < labels.length; i++) if (predicted[i] == labels[i]) h++;
        return h;
    }

    /**
     * @param evalScenes one-digit scenes of held-out digits (real clips for the reference numbers)
     */
    public static Map<String, Object> evaluate(VideoDitModel.Loaded m, FmnistClassifier clf, MovingMnist evalScenes, Options o,
                                               Consumer<String> log) {
        var dit = m.dit();
        VideoTokenizer tok = m.tokenizer().video();
        TokenLayout layout = dit.layout();
        int levels = layout.levels(), size = m.config().video.size;
        double fps = m.config().video.fps;
        Map<String, Object> r = new LinkedHashMap<>();

        // real clips and their reconstructions from each level prefix
        MovingMnist.Rendered rc = evalScenes.render(0, o.realClips(), fps, size);
        float[][][] real = rc.frames();
        int[] realLabels = rc.labels();
        r.put("real_clip_accuracy", (double) hits(classify(clf, real, size), realLabels) / real.length);
        int times = layout.times();
        PatchScores realPatches = new PatchScores(times), recPatches = new PatchScores(times), genPatches = new PatchScores(times);
        realPatches.add(classifyByPatch(clf, real, size, times), realLabels);
        int[] recHits = new int[levels];
        TemporalCorrelation realCoupling = new TemporalCorrelation(layout, dit.latentChannels());
        TemporalCorrelation generatedCoupling = new TemporalCorrelation(layout, dit.latentChannels());
        for (int from = 0; from < real.length; from += o.batch()) {
            int to = Math.min(real.length, from + o.batch());
            float[][][] part = java.util.Arrays.copyOfRange(real, from, to);
            INDArray z = tok.encode(Clips.toINDArray(part, 1, size, size), fps).tokens();
            realCoupling.add(dit.toModelSpace(z));
            for (int l = 1; l <= levels; l++) {
                INDArray prefix = z.get(NDArrayIndex.all(), NDArrayIndex.interval(0, layout.tokens(l)), NDArrayIndex.all()).dup('c');
                float[][][] rec = Clips.toArrays(tok.decode(new Latent(prefix, layout, l), fps, size, size));
                int[] partLabels = java.util.Arrays.copyOfRange(realLabels, from, to);
                recHits[l - 1] += hits(classify(clf, rec, size), partLabels);
                if (l == levels) recPatches.add(classifyByPatch(clf, rec, size, times), partLabels);
            }
        }
        r.put("reconstruction_accuracy_per_level", perLevel(recHits, real.length));

        // generated clips, classes 0..9 in turn, scored after every level of progressive generation
        int[] genHits = new int[levels];
        long macs = 0;
        double ms = 0;
        for (int from = 0, b = 0; from < o.count(); from += o.batch(), b++) {
            int n = Math.min(o.batch(), o.count() - from);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) labels[i] = (from + i) % FmnistClassifier.CLASSES;
            VideoGeneration.Result g = VideoGeneration.run(dit, tok, labels, levels, o.method(), o.steps(), o.guidance(), o.seed() + b, fps, size,
                    m.config().video.cleanContext);
            for (int l = 0; l < g.previews().size(); l++) genHits[l] += hits(classify(clf, g.previews().get(l), size), labels);
            genPatches.add(classifyByPatch(clf, g.previews().get(g.previews().size() - 1), size, times), labels);
            generatedCoupling.add(g.latent());
            macs += g.macs();
            ms += g.millis();
            if (log != null) log.accept(String.format(Locale.ROOT, "generated %d / %d clips", from + n, o.count()));
        }
        r.put("generated_accuracy_per_level", perLevel(genHits, o.count()));
        if (times > 1) {
            Map<String, Object> patches = new LinkedHashMap<>();
            patches.put("real", realPatches.toMap());
            patches.put("reconstruction", recPatches.toMap());
            patches.put("generated", genPatches.toMap());
            r.put("per_temporal_patch", patches);
        }
        if (times > 1 && real.length > 1 && o.count() > 1) {
            Map<String, Object> coupling = new LinkedHashMap<>();
            coupling.put("real", realCoupling.perLevel());
            coupling.put("generated", generatedCoupling.perLevel());
            r.put("temporal_correlation_per_level", coupling);
        }
        r.put("generated", o.count());
        r.put("real_clips", real.length);
        r.put("classifier_test_accuracy", clf.trainedTestAccuracy().orElse(Double.NaN));
        r.put("classifier_training_frames", o.classifierFrames());
        r.put("sampling", Map.of("method", o.method().name(), "steps", o.steps(), "guidance", o.guidance()));
        r.put("macs_per_clip", (double) macs / o.count());
        r.put("ms_per_clip_incl_previews", ms / o.count());
        r.put("clip", Map.of("fps", fps, "size", size, "frames", real[0].length));
        return r;
    }

    /** Wrong class given in {@link #partialDenoising}: the true one shifted by half the classes, never the true one. */
    static int wrongClass(int label) { return (label + FmnistClassifier.CLASSES / 2) % FmnistClassifier.CLASSES; }

    /**
     * Where a model loses the digit (SDEdit-style partial denoising): the latents of the first {@code n} evaluation scenes
     * are noised to each flow time {@code t0} (one shared time for every token, the same noise at every {@code t0}),
     * denoised by joint sampling ({@link FlowSampler#jointFrom}) given the clip's own class and, separately, a wrong one
     * ({@link #wrongClass}), decoded and classified. Per {@code t0}: {@code true_class}, the share classified as the
     * clip's digit when given its class; {@code wrong_class}, the same share when given the wrong class; {@code
     * wrong_class_followed}, the share classified as the wrong class. A model that uses its label well keeps the first
     * near the reconstruction accuracy at small {@code t0} and pulls the last up as {@code t0} grows. Keys are the
     * {@code t0} as written ({@code "0.3"}). (A shared flow
     * time is within what a clean-context model was trained on: its frontier patch 0 draws every patch's time.)
     */
    public static Map<String, Object> partialDenoising(VideoDitModel.Loaded m, FmnistClassifier clf, MovingMnist evalScenes, double[] t0s,
                                                       int n, Options o, Consumer<String> log) {
        var dit = m.dit();
        VideoTokenizer tok = m.tokenizer().video();
        TokenLayout layout = dit.layout();
        int size = m.config().video.size, tokens = layout.tokens(), c = dit.latentChannels();
        double fps = m.config().video.fps;
        MovingMnist.Rendered rc = evalScenes.render(0, n, fps, size);
        float[][][] real = rc.frames();
        int[] labels = rc.labels(), wrong = new int[n];
        for (int i = 0; i < n; i++) wrong[i] = wrongClass(labels[i]);
        INDArray[] parts = new INDArray[(n + o.batch() - 1) / o.batch()];
        for (int from = 0, j = 0; from < n; from += o.batch(), j++) {
            float[][][] part = java.util.Arrays.copyOfRange(real, from, Math.min(n, from + o.batch()));
            parts[j] = dit.toModelSpace(tok.encode(Clips.toINDArray(part, 1, size, size), fps).tokens()).reshape(part.length, tokens, c);
        }
        INDArray z = (parts.length == 1 ? parts[0] : org.nd4j.linalg.factory.Nd4j.concat(0, parts)).dup('c');
        INDArray noise = io.dcsldm.core.runtime.Rng.normal(z.dataType(), o.seed(), n, tokens, c);
        FlowSampler sampler = new FlowSampler(dit, o.method(), o.steps(), o.guidance());
        Map<String, Object> r = new LinkedHashMap<>();
        for (double t0 : t0s) {
            INDArray start = z.mul(1 - t0).addi(noise.mul(t0));
            int[] givenTrue = classifyDenoised(m, clf, sampler, start, t0, labels, o.batch());
            int[] givenWrong = classifyDenoised(m, clf, sampler, start, t0, wrong, o.batch());
            Map<String, Double> at = new LinkedHashMap<>();
            at.put("true_class", (double) hits(givenTrue, labels) / n);
            at.put("wrong_class", (double) hits(givenWrong, labels) / n);
            at.put("wrong_class_followed", (double) hits(givenWrong, wrong) / n);
            String key = java.math.BigDecimal.valueOf(t0).stripTrailingZeros().toPlainString();
            r.put(key, at);
            if (log != null) log.accept("partial denoising from t0 = " + key + ": " + at);
        }
        return r;
    }

    /** Denoises {@code start} from {@code t0} given {@code given}, {@code batch} clips per sampler call, and classifies the decoded clips. */
    private static int[] classifyDenoised(VideoDitModel.Loaded m, FmnistClassifier clf, FlowSampler sampler, INDArray start, double t0,
                                          int[] given, int batch) {
        var dit = m.dit();
        TokenLayout layout = dit.layout();
        int size = m.config().video.size, n = given.length;
        double fps = m.config().video.fps;
        int[] out = new int[n];
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            INDArray part = start.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all());
            INDArray x = sampler.jointFrom(part, t0, java.util.Arrays.copyOfRange(given, from, to), layout.levels());
            INDArray latent = dit.toTokenizerSpace(x);
            float[][][] clips = Clips.toArrays(m.tokenizer().video().decode(new Latent(latent, layout, layout.levels()), fps, size, size));
            System.arraycopy(classify(clf, clips, size), 0, out, from, to - from);
        }
        return out;
    }

    private static Map<String, Double> perLevel(int[] hits, int n) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int l = 0; l < hits.length; l++) m.put(Integer.toString(l + 1), (double) hits[l] / n);
        return m;
    }
}
