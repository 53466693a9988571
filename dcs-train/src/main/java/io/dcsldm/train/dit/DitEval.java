package io.dcsldm.train.dit;

import io.dcsldm.dit.DcsDiT;
import io.dcsldm.dit.FlowSampler;
import io.dcsldm.tok.DcsTokenizer;
import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.eval.FmnistClassifier;
import io.dcsldm.train.eval.FrechetDistance;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The diffusion evaluation of {@code dcs eval-dit}: conditional accuracy and a Fréchet distance in the
 * project's own Fashion-MNIST classifier's feature space ("FD-FMNIST-CNN", not Inception FID) per number
 * of generated levels and per sampling step count, with the cost (multiply-adds, wall time) of each
 * setting, the real-vs-real floor of the distance, and the progressive-vs-joint equivalence and timing.
 */
public final class DitEval {
    private DitEval() {}

    /** Alternating timing runs of each generation path. */
    static final int TIMING_REPEATS = 4;

    public record Options(int count, int[] stepCounts, FlowSampler.Method method, double guidance, int batch, long seed,
                          int nativeContent, int nativeSize) {}

    public static Map<String, Object> evaluate(DcsDiT dit, DcsTokenizer tok, FmnistClassifier clf, ImageSet realTest,
                                               ImageSet realTrain, Options o) {
        int levels = dit.layout().levels();
        int defaultSteps = o.stepCounts()[o.stepCounts().length - 1];
        double[][] realFeat = clf.features(realTest.toINDArray());
        double fdFloor = FrechetDistance.compute(clf.features(realTrain.toINDArray()), realFeat);

        // per level count: one progressive run with a preview after every level gives all prefixes
        int[] labels = new int[o.count()];
        for (int i = 0; i < labels.length; i++) labels[i] = i % 10;
        List<List<INDArray>> perLevel = new ArrayList<>();
        for (int l = 0; l < levels; l++) perLevel.add(new ArrayList<>());
        for (int from = 0; from < o.count(); from += o.batch()) {
            int[] y = java.util.Arrays.copyOfRange(labels, from, Math.min(o.count(), from + o.batch()));
            Generation.Result r = Generation.run(dit, tok, y, levels, o.method(), defaultSteps, o.guidance(), o.seed() + from, true, o.nativeSize(), 0);
            for (int l = 0; l < r.previews().size(); l++) perLevel.get(l).add(crop(r.previews().get(l), o));
        }
        double[] acc = new double[levels], fd = new double[levels];
        for (int l = 0; l < levels; l++) {
            INDArray imgs = org.nd4j.linalg.factory.Nd4j.concat(0, perLevel.get(l).toArray(new INDArray[0]));
            acc[l] = accuracy(clf.predict(imgs), labels);
            fd[l] = FrechetDistance.compute(clf.features(imgs), realFeat);
        }
        // the tokenizer's ceiling: real test images encoded and decoded from the same level prefixes
        double[][] recon = reconstructionCeiling(tok, clf, realTest, realFeat, levels, o);
        // cost per level count (a small batch, progressive with no previews)
        int costBatch = Math.min(o.batch(), 16);
        int[] costLabels = java.util.Arrays.copyOf(labels, costBatch);
        long[] macs = new long[levels];
        double[] ms = new double[levels];
        for (int l = 1; l <= levels; l++) {
            Generation.run(dit, tok, costLabels, l, o.method(), defaultSteps, o.guidance(), 7, true, 0, 0); // warm-up
            Generation.Result r = Generation.run(dit, tok, costLabels, l, o.method(), defaultSteps, o.guidance(), 7, true, 0, 0);
            macs[l - 1] = r.macs() / costBatch;
            ms[l - 1] = r.millis() / costBatch;
        }
        // per sampling step count, all levels
        List<Map<String, Object>> bySteps = new ArrayList<>();
        for (int steps : o.stepCounts()) {
            List<INDArray> imgs = new ArrayList<>();
            long stepMacs = 0;
            double stepMs = 0;
            for (int from = 0; from < o.count(); from += o.batch()) {
                int[] y = java.util.Arrays.copyOfRange(labels, from, Math.min(o.count(), from + o.batch()));
                Generation.Result r = Generation.run(dit, tok, y, levels, o.method(), steps, o.guidance(), o.seed() + from, true, 0, 0);
                imgs.add(crop(Generation.decode(tok, dit, r.latent(), o.nativeSize()), o));
                stepMacs += r.macs();
                stepMs += r.millis();
            }
            INDArray all = org.nd4j.linalg.factory.Nd4j.concat(0, imgs.toArray(new INDArray[0]));
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("steps", steps);
            row.put("accuracy", round(accuracy(clf.predict(all), labels)));
            row.put("fd", round(FrechetDistance.compute(clf.features(all), realFeat)));
            row.put("macs_per_sample", stepMacs / o.count());
            row.put("ms_per_sample", round(stepMs / o.count()));
            bySteps.add(row);
        }
        // progressive vs joint: same noise, same steps, at the batch this evaluation generates with and at the
        // small cost batch. Per-op overhead makes the progressive path's four quarter-size calls per step dearer
        // at small batches, so both are reported (docs/dit.md, "Wall time of the two paths").
        PathTiming main = timePaths(dit, tok, java.util.Arrays.copyOf(labels, Math.min(o.batch(), o.count())), levels, o, defaultSteps);
        Map<String, Double> ratioByBatch = new LinkedHashMap<>();
        if (costBatch < main.batch) {
            PathTiming small = timePaths(dit, tok, java.util.Arrays.copyOf(labels, costBatch), levels, o, defaultSteps);
            ratioByBatch.put(String.valueOf(small.batch), small.ratio());
        }
        ratioByBatch.put(String.valueOf(main.batch), main.ratio());
        Generation.Result joint = main.joint, prog = main.prog;
        double jointMs = main.jointMs, progMs = main.progMs;

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("samples", o.count());
        out.put("levels", levels);
        out.put("classifier", "FD-FMNIST-CNN (the project's Fashion-MNIST CNN, 128-d features)");
        out.put("method", o.method().name());
        out.put("steps", defaultSteps);
        out.put("guidance", o.guidance());
        out.put("accuracy", round(acc));
        out.put("fd", round(fd));
        out.put("fd_floor", round(fdFloor));
        out.put("reconstruction_accuracy", round(recon[0]));
        out.put("reconstruction_fd", round(recon[1]));
        out.put("macs_per_sample_by_level", macs);
        out.put("ms_per_sample_by_level", round(ms));
        out.put("by_steps", bySteps);
        out.put("progressive_vs_joint_max_abs", joint.latent().sub(prog.latent()).amaxNumber().doubleValue());
        out.put("time_ratio_progressive_over_joint", main.ratio());
        out.put("time_ratio_by_batch", ratioByBatch);
        out.put("macs_progressive", prog.macs());
        out.put("macs_joint", joint.macs());
        out.put("kv_cache_mb", Math.round(prog.kvCacheBytes() / 1e6 * 100) / 100.0);
        out.put("pj_batch", main.batch);
        out.put("pj_timing", "fastest of " + TIMING_REPEATS + " alternating runs per path");
        out.put("ms_joint", round(jointMs));
        out.put("ms_progressive", round(progMs));
        return out;
    }

    /** Both paths on one batch: the results of the last run of each and each path's fastest time. */
    private record PathTiming(int batch, Generation.Result joint, Generation.Result prog, double jointMs, double progMs) {
        double ratio() { return Math.round(progMs / jointMs * 1000) / 1000.0; }
    }

    /**
     * Alternates the two paths and keeps each one's fastest run, so a burst of other load on the machine does
     * not land on one path only; one untimed run of each first.
     */
    private static PathTiming timePaths(DcsDiT dit, DcsTokenizer tok, int[] y, int levels, Options o, int steps) {
        Generation.run(dit, tok, y, levels, o.method(), steps, o.guidance(), 99, false, 0, 0);
        Generation.run(dit, tok, y, levels, o.method(), steps, o.guidance(), 99, true, 0, 0);
        Generation.Result joint = null, prog = null;
        double jointMs = Double.MAX_VALUE, progMs = Double.MAX_VALUE;
        for (int rep = 0; rep < TIMING_REPEATS; rep++) {
            joint = Generation.run(dit, tok, y, levels, o.method(), steps, o.guidance(), 99, false, 0, 0);
            prog = Generation.run(dit, tok, y, levels, o.method(), steps, o.guidance(), 99, true, 0, 0);
            jointMs = Math.min(jointMs, joint.millis());
            progMs = Math.min(progMs, prog.millis());
        }
        return new PathTiming(y.length, joint, prog, jointMs, progMs);
    }

    /**
     * Accuracy and distance of real test images passed through the tokenizer with {@code ℓ = 1..L} levels:
     * what a perfect diffusion model of these latents would score, so generated numbers read against it.
     */
    private static double[][] reconstructionCeiling(DcsTokenizer tok, FmnistClassifier clf, ImageSet realTest, double[][] realFeat,
                                                    int levels, Options o) {
        ImageSet real = io.dcsldm.train.tok.TokenizerTask.pad(realTest, o.nativeSize());
        double[][] out = new double[2][levels];
        for (int l = 1; l <= levels; l++) {
            List<INDArray> imgs = new ArrayList<>();
            for (int from = 0; from < real.size(); from += o.batch()) {
                int[] idx = java.util.stream.IntStream.range(from, Math.min(real.size(), from + o.batch())).toArray();
                var z = tok.encode(real.toINDArray(idx)).prefix(l);
                imgs.add(crop(tok.decode(z, o.nativeSize(), o.nativeSize()), o));
            }
            INDArray all = org.nd4j.linalg.factory.Nd4j.concat(0, imgs.toArray(new INDArray[0]));
            out[0][l - 1] = accuracy(clf.predict(all), realTest.labels());
            out[1][l - 1] = FrechetDistance.compute(clf.features(all), realFeat);
        }
        return out;
    }

    private static INDArray crop(INDArray imgs, Options o) {
        int pad = (o.nativeSize() - o.nativeContent()) / 2;
        return imgs.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(pad, pad + o.nativeContent()),
                NDArrayIndex.interval(pad, pad + o.nativeContent())).dup('c');
    }

    static double accuracy(int[] pred, int[] labels) {
        int ok = 0;
        for (int i = 0; i < pred.length; i++) if (pred[i] == labels[i]) ok++;
        return (double) ok / pred.length;
    }

    private static double round(double v) { return Math.round(v * 1000) / 1000.0; }

    private static double[] round(double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) r[i] = round(v[i]);
        return r;
    }

    /** Markdown: the compute–quality trade-off table. */
    @SuppressWarnings("unchecked")
    public static String markdown(Map<String, Object> r) {
        StringBuilder sb = new StringBuilder("# DCS-DiT evaluation\n\n");
        sb.append(r.get("samples")).append(" samples (classes 0–9 in turn), ").append(r.get("method")).append(", ")
                .append(r.get("steps")).append(" steps, guidance ").append(r.get("guidance")).append(". Distance: ")
                .append(r.get("classifier")).append("; real-vs-real floor ").append(r.get("fd_floor")).append(".\n\n");
        sb.append("## Levels generated (compute–quality trade-off)\n\nCeiling: real test images through the tokenizer with the same levels.\n\n"
                + "| ℓ | accuracy | FD | MACs/sample | ms/sample | ceiling accuracy | ceiling FD |\n|---|---|---|---|---|---|---|\n");
        double[] acc = (double[]) r.get("accuracy"), fd = (double[]) r.get("fd"), ms = (double[]) r.get("ms_per_sample_by_level");
        double[] cAcc = (double[]) r.get("reconstruction_accuracy"), cFd = (double[]) r.get("reconstruction_fd");
        long[] macs = (long[]) r.get("macs_per_sample_by_level");
        for (int l = 0; l < acc.length; l++) sb.append(String.format("| %d | %.3f | %.2f | %.3g | %.1f | %.3f | %.2f |%n", l + 1, acc[l], fd[l], (double) macs[l], ms[l], cAcc[l], cFd[l]));
        sb.append("\n## Sampling steps (all levels)\n\n| steps | accuracy | FD | MACs/sample | ms/sample |\n|---|---|---|---|---|\n");
        for (Map<String, Object> row : (List<Map<String, Object>>) r.get("by_steps"))
            sb.append(String.format("| %s | %s | %s | %.3g | %s |%n", row.get("steps"), row.get("accuracy"), row.get("fd"),
                    ((Number) row.get("macs_per_sample")).doubleValue(), row.get("ms_per_sample")));
        sb.append(String.format("%n## Progressive vs joint (batch %s)%n%nmax |Δ| %s, time ratio %s (by batch: %s), MACs %s vs %s, KV cache %s MB%n",
                r.get("pj_batch"), r.get("progressive_vs_joint_max_abs"), r.get("time_ratio_progressive_over_joint"),
                r.get("time_ratio_by_batch"), r.get("macs_progressive"), r.get("macs_joint"), r.get("kv_cache_mb")));
        return sb.toString();
    }

    /** PNG: accuracy and FD against MACs per sample, one point per level count. */
    public static void chart(Map<String, Object> r, java.nio.file.Path png) throws java.io.IOException {
        long[] macs = (long[]) r.get("macs_per_sample_by_level");
        double[] x = new double[macs.length];
        for (int i = 0; i < x.length; i++) x[i] = macs[i] / 1e6;
        org.knowm.xchart.XYChart c = new org.knowm.xchart.XYChartBuilder().width(640).height(420)
                .title("Compute–quality trade-off (levels 1..L)").xAxisTitle("MMACs per sample").yAxisTitle("FD-FMNIST-CNN (lower is better)").build();
        c.addSeries("FD", x, (double[]) r.get("fd"));
        org.knowm.xchart.BitmapEncoder.saveBitmap(c, png.toString(), org.knowm.xchart.BitmapEncoder.BitmapFormat.PNG);
    }
}
