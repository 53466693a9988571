package io.dcsldm.train.tok;

import io.dcsldm.tok.DcsTokenizer;
import io.dcsldm.tok.Latent;
import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.data.Resample;
import io.dcsldm.train.eval.Complexity;
import io.dcsldm.train.eval.PcaBaseline;
import io.dcsldm.train.eval.Psnr;
import io.dcsldm.train.eval.Spearman;
import io.dcsldm.train.eval.Ssim;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tokenizer evaluation of {@code dcs eval-tokenizer}: PSNR and SSIM for every output size and level
 * count, a PCA baseline with the same float budget, latent shapes per input size, and content-adaptive
 * level counts.
 *
 * <p>Scores compare like with like. Images are padded to the native size ({@code 28 → 32}) before
 * encoding; decodes are cropped back to the content before scoring: native decodes against the original
 * images, half-size decodes against area-downsampled originals, double-size decodes against bicubic
 * upsampled originals (clamped to [0, 1]).</p>
 */
public final class TokenizerEval {
    private TokenizerEval() {}

    /** Mean native-size PSNR per level count (1..L) on padded images, scored on the full padded frame's content crop. */
    public static double[] nativePsnrPerLevel(DcsTokenizer tok, ImageSet padded, int batch) {
        int levels = tok.config().levels;
        double[] sum = new double[levels];
        for (int from = 0; from < padded.size(); from += batch) {
            int[] idx = range(from, Math.min(padded.size(), from + batch));
            INDArray x = padded.toINDArray(idx);
            Latent z = tok.encode(x);
            for (int l = 1; l <= levels; l++) {
                INDArray y = tok.decode(z.prefix(l), padded.height(), padded.width());
                for (double p : Psnr.perImage(y, x)) sum[l - 1] += p;
            }
        }
        for (int l = 0; l < levels; l++) sum[l] /= padded.size();
        return sum;
    }

    /** Options of a full evaluation. */
    public record Options(int nativeContent, int nativeSize, double targetDb, int pcaTrainImages, int batch) {}

    /**
     * Full evaluation on {@code originals} (content size, e.g. 28×28), with the PCA baseline fitted on
     * {@code pcaTrain}. Returns the JSON-ready map described in docs/tokenizer.md.
     */
    public static Map<String, Object> evaluate(DcsTokenizer tok, ImageSet originals, ImageSet pcaTrain, Options o) {
        int levels = tok.config().levels, n = originals.size();
        int content = o.nativeContent(), pad = (o.nativeSize() - content) / 2;
        String[] names = {"half", "native", "double"};
        int[] factorNum = {1, 1, 2}, factorDen = {2, 1, 1};
        double[][] psnr = new double[3][levels], ssim = new double[3][levels];
        double[][] perImageNative = new double[levels][n];
        ImageSet padded = TokenizerTask.pad(originals, o.nativeSize());
        for (int from = 0; from < n; from += o.batch()) {
            int[] idx = range(from, Math.min(n, from + o.batch()));
            Latent z = tok.encode(padded.toINDArray(idx));
            INDArray orig = originals.toINDArray(idx);
            for (int s = 0; s < 3; s++) {
                int outSize = o.nativeSize() * factorNum[s] / factorDen[s];
                int outContent = content * factorNum[s] / factorDen[s];
                int outPad = pad * factorNum[s] / factorDen[s];
                INDArray target = s == 1 ? orig : Resample.resize(orig, outContent, outContent);
                for (int l = 1; l <= levels; l++) {
                    INDArray y = tok.decode(z.prefix(l), outSize, outSize);
                    INDArray crop = y.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                            org.nd4j.linalg.indexing.NDArrayIndex.interval(outPad, outPad + outContent),
                            org.nd4j.linalg.indexing.NDArrayIndex.interval(outPad, outPad + outContent)).dup('c');
                    double[] p = Psnr.perImage(crop, target);
                    double[] q = Ssim.perImage(crop, target);
                    for (int i = 0; i < idx.length; i++) {
                        psnr[s][l - 1] += p[i];
                        ssim[s][l - 1] += q[i];
                        if (s == 1) perImageNative[l - 1][idx[i]] = p[i];
                    }
                }
            }
        }
        for (double[] r : psnr) for (int l = 0; l < levels; l++) r[l] /= n;
        for (double[] r : ssim) for (int l = 0; l < levels; l++) r[l] /= n;

        // latent floats per prefix and the PCA baseline with the same budget
        Latent probe = tok.encode(padded.toINDArray(new int[]{0}));
        long[] floats = new long[levels];
        int[] ks = new int[levels];
        for (int l = 1; l <= levels; l++) {
            floats[l - 1] = probe.prefix(l).floatsPerSample();
            ks[l - 1] = (int) Math.min(floats[l - 1], (long) content * content * originals.channels());
        }
        PcaBaseline pca = PcaBaseline.fit(pcaTrain.head(Math.min(pcaTrain.size(), o.pcaTrainImages())));
        double[] pcaPsnr = pca.meanPsnr(originals, true, ks);

        // latent shape for inputs at half, native and double size
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (int s = 0; s < 3; s++) {
            int size = o.nativeSize() * factorNum[s] / factorDen[s];
            INDArray x = s == 1 ? padded.toINDArray(new int[]{0}) : Resample.resize(padded.toINDArray(new int[]{0}), size, size);
            shapes.put(names[s], tok.encode(x).sampleShape());
        }

        // content-adaptive allocation: the smallest prefix reaching the target at native size
        int[] chosen = new int[n];
        int[] hist = new int[levels];
        double[] complexity = new double[n];
        for (int i = 0; i < n; i++) {
            int l = levels;
            for (int k = 1; k <= levels; k++) if (perImageNative[k - 1][i] >= o.targetDb()) { l = k; break; }
            chosen[i] = l;
            hist[l - 1]++;
            complexity[i] = Complexity.meanGradientMagnitude(originals, i);
        }
        double rho = Spearman.correlation(toDouble(chosen), complexity);

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("images", n);
        out.put("levels", levels);
        out.put("native_size", content);
        out.put("psnr", rows(names, psnr));
        out.put("ssim", rows(names, ssim));
        out.put("pca_psnr", round(pcaPsnr));
        out.put("pca_train_images", Math.min(pcaTrain.size(), o.pcaTrainImages()));
        out.put("latent_floats", floats);
        out.put("latent_shape", shapes);
        out.put("pixels", content * content * originals.channels());
        Map<String, Object> lf = new LinkedHashMap<>();
        lf.put("target_db", o.targetDb());
        lf.put("histogram", hist);
        lf.put("spearman_vs_complexity", Math.round(rho * 1000) / 1000.0);
        lf.put("complexity", "mean gradient magnitude");
        out.put("levels_for", lf);
        return out;
    }

    private static Map<String, double[]> rows(String[] names, double[][] v) {
        Map<String, double[]> m = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) m.put(names[i], round(v[i]));
        return m;
    }

    private static double[] round(double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) r[i] = Math.round(v[i] * 1000) / 1000.0;
        return r;
    }

    private static double[] toDouble(int[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    static int[] range(int from, int to) {
        return java.util.stream.IntStream.range(from, to).toArray();
    }

    /** Markdown tables of an evaluation result. */
    @SuppressWarnings("unchecked")
    public static String markdown(Map<String, Object> r) {
        int levels = (Integer) r.get("levels");
        StringBuilder sb = new StringBuilder();
        sb.append("# DCS-Tok evaluation\n\n").append(r.get("images")).append(" test images, ").append(levels).append(" levels.\n\n");
        for (String metric : new String[]{"psnr", "ssim"}) {
            sb.append("## ").append(metric.toUpperCase()).append(" (mean)\n\n| output size |");
            for (int l = 1; l <= levels; l++) sb.append(" ℓ=").append(l).append(" |");
            sb.append("\n|---|").append("---|".repeat(levels)).append("\n");
            Map<String, double[]> m = (Map<String, double[]>) r.get(metric);
            for (var e : m.entrySet()) {
                sb.append("| ").append(e.getKey()).append(" |");
                for (double v : e.getValue()) sb.append(String.format(" %.3f |", v));
                sb.append("\n");
            }
            sb.append("\n");
        }
        sb.append("## Against PCA with the same number of floats (native size)\n\n| ℓ | floats | DCS-Tok PSNR | PCA PSNR |\n|---|---|---|---|\n");
        long[] floats = (long[]) r.get("latent_floats");
        double[] pca = (double[]) r.get("pca_psnr");
        double[] nat = ((Map<String, double[]>) r.get("psnr")).get("native");
        for (int l = 0; l < levels; l++)
            sb.append(String.format("| %d | %d | %.3f | %.3f |%n", l + 1, floats[l], nat[l], pca[l]));
        Map<String, Object> lf = (Map<String, Object>) r.get("levels_for");
        sb.append("\n## Content-adaptive levels at ").append(lf.get("target_db")).append(" dB\n\nhistogram (images per ℓ): ")
                .append(java.util.Arrays.toString((int[]) lf.get("histogram"))).append(", Spearman ρ vs mean gradient magnitude: ")
                .append(lf.get("spearman_vs_complexity")).append("\n");
        return sb.toString();
    }

    /** PNG chart: PSNR vs floats, DCS-Tok against PCA. */
    @SuppressWarnings("unchecked")
    public static void chart(Map<String, Object> r, java.nio.file.Path png) throws java.io.IOException {
        long[] floats = (long[]) r.get("latent_floats");
        double[] x = new double[floats.length];
        for (int i = 0; i < x.length; i++) x[i] = floats[i];
        org.knowm.xchart.XYChart c = new org.knowm.xchart.XYChartBuilder().width(640).height(420)
                .title("Reconstruction PSNR vs latent floats (native size)").xAxisTitle("floats per image").yAxisTitle("PSNR (dB)").build();
        c.addSeries("DCS-Tok", x, ((Map<String, double[]>) r.get("psnr")).get("native"));
        c.addSeries("PCA (same floats)", x, (double[]) r.get("pca_psnr"));
        org.knowm.xchart.BitmapEncoder.saveBitmap(c, png.toString(), org.knowm.xchart.BitmapEncoder.BitmapFormat.PNG);
    }
}
