package io.dcsldm.cli;

import io.dcsldm.core.checkpoint.CheckpointIO;
import io.dcsldm.core.config.ConfigLoader;
import io.dcsldm.tok.Latent;
import io.dcsldm.train.ModelFiles;
import io.dcsldm.train.data.Datasets;
import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.dit.DitModel;
import io.dcsldm.train.dit.DitTask;
import io.dcsldm.train.dit.Generation;
import io.dcsldm.train.loop.Trainer;
import io.dcsldm.train.tok.TokenizerEval;
import io.dcsldm.train.tok.TokenizerModel;
import io.dcsldm.train.tok.TokenizerTask;
import io.dcsldm.train.viz.ImageGrid;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dcs demo}: the end-to-end tour on a fresh machine, with no dataset installed. Uses the
 * Fashion-MNIST subset and the checkpoints shipped in the repository: briefly fine-tunes the tokenizer
 * and the diffusion model on the subset (with progress), reconstructs test images at three sizes and
 * every level count, generates every class coarse-to-fine with per-level previews, and writes it all,
 * with loss plots and the measured numbers, to {@code out/demo/index.html}.
 */
@Command(name = "demo", description = "End-to-end demo on the shipped data and checkpoints; writes out/demo/index.html.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--quick", description = "A shorter run (about 2 minutes)")
    boolean quick;

    @Option(names = "--out", defaultValue = "out/demo", description = "Output directory (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--no-progress", description = "No progress bars")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        Path repo = Repo.root().orElseThrow(() -> new IllegalStateException("cannot find the repository (run ./dcs from a checkout)"));
        Path tokFile = repo.resolve("models/tok-fmnist.dcs"), ditFile = repo.resolve("models/dit-fmnist.dcs");
        if (!Files.exists(tokFile)) throw new IllegalStateException("shipped checkpoint " + tokFile + " is missing (see models/README.md)");
        String subset = "idx:" + repo.resolve("data/fashion-mnist-subset");
        Files.createDirectories(out);
        Map<String, Object> numbers = new LinkedHashMap<>();
        log("data: %s (shipped Fashion-MNIST subset, MIT licence)", Datasets.describe(subset + ":train"));

        // 1. fine-tune the shipped tokenizer briefly on the subset
        TokenizerModel.Loaded tok = TokenizerModel.load(tokFile);
        var tcfg = ConfigLoader.parse(ConfigLoader.toYaml(tok.config()), "demo tokenizer config", io.dcsldm.train.tok.TokTrainConfig.class,
                List.of("data.train=" + subset + ":train", "data.test=" + subset + ":test", "train.steps=" + (quick ? 8 : 60),
                        "train.batchSize=16", "train.lr=0.0001", "train.warmupSteps=2", "train.evalEvery=0", "train.checkpointEvery=0",
                        "train.logEvery=2", "train.plotEvery=4", "data.evalImages=64", "data.statsImages=256"));
        TokenizerTask ttask = new TokenizerTask(tcfg, tok.tokenizer().linearCode()); // keep the shipped linear code
        ModelFiles.copyWeights(CheckpointIO.read(tokFile), ttask.params(), tokFile);
        ttask.tokenizer().setLatentStats(tok.tokenizer().latentMean(), tok.tokenizer().latentStd());
        Path tokRun = fresh(out.resolve("runs/tokenizer"));
        log("fine-tuning the tokenizer for %d steps ...", tcfg.train.steps);
        var tr = new Trainer<>(tokRun, tcfg.train, ttask).progressBar(!noProgress).run();
        numbers.put("tokenizer_source", "shipped " + repo.relativize(tokFile) + ", fine-tuned");
        numbers.put("tokenizer_finetune_steps", tcfg.train.steps);
        numbers.put("tokenizer_finetune_last_loss", round(tr.lastLoss()));

        // 2. reconstructions: test images × (3 sizes × every level count), and PSNR per level
        ImageSet test = Datasets.load(subset + ":test", quick ? 100 : 400);
        var tk = ttask.tokenizer(); // the fine-tuned weights
        int levels = tk.config().levels, nat = tok.config().data.nativeSize;
        double[] psnr = TokenizerEval.nativePsnrPerLevel(tk, TokenizerTask.pad(test, nat), 50);
        numbers.put("reconstruction_psnr_32px_padded_frame_by_level", round(psnr));
        writeReconstructions(tk, test.head(6), nat, out.resolve("reconstructions.png"));

        // 3. the diffusion model: fine-tune the shipped one briefly, or train one from scratch when none is shipped
        boolean shipped = Files.exists(ditFile);
        io.dcsldm.train.dit.DitTrainConfig base = shipped ? DitModel.load(ditFile, repo).config()
                : ConfigLoader.load(repo.resolve("configs/dit-fmnist.yaml"), io.dcsldm.train.dit.DitTrainConfig.class, List.of());
        long ditSteps = shipped ? (quick ? 8 : 60) : (quick ? 25 : 400);
        var dcfg = ConfigLoader.parse(ConfigLoader.toYaml(base), "demo DiT config", io.dcsldm.train.dit.DitTrainConfig.class,
                List.of("train.steps=" + ditSteps, "train.batchSize=64", "train.lr=" + (shipped ? "0.0001" : "0.001"),
                        "train.warmupSteps=" + (shipped ? 2 : 20), "train.evalEvery=0", "train.checkpointEvery=0",
                        "train.logEvery=5", "train.plotEvery=20"));
        DitTask dtask = new DitTask(dcfg, tk, TokenizerTask.pad(Datasets.load(subset + ":train"), nat),
                TokenizerTask.pad(Datasets.load(subset + ":test", DitTask.HELD_OUT_IMAGES), nat));
        if (shipped) ModelFiles.copyWeights(CheckpointIO.read(ditFile), dtask.params(), ditFile);
        else log("no shipped diffusion model (%s): training one from scratch for %d steps; samples will be rough", ditFile, ditSteps);
        Path ditRun = fresh(out.resolve("runs/dit"));
        log("%s the diffusion model for %d steps ...", shipped ? "fine-tuning" : "training", dcfg.train.steps);
        var dr = new Trainer<>(ditRun, dcfg.train, dtask).progressBar(!noProgress).run();
        numbers.put("dit_source", shipped ? "shipped " + repo.relativize(ditFile) + ", fine-tuned" : "trained from scratch in the demo");
        numbers.put("dit_train_steps", dcfg.train.steps);
        numbers.put("dit_last_loss", round(dr.lastLoss()));

        // 4. progressive generation of every class with a preview after each level
        int[] labels = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        log("generating one sample per class, coarse to fine ...");
        Generation.Result g = Generation.run(dtask.model(), tk, labels, levels, dcfg.sampling.method,
                quick ? 10 : dcfg.sampling.steps, dcfg.sampling.guidance, 1, true, 56, 0);
        List<List<INDArray>> rows = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            List<INDArray> row = new ArrayList<>();
            for (INDArray p : g.previews()) row.add(p.get(NDArrayIndex.point(i)));
            rows.add(row);
        }
        ImageGrid.write(out.resolve("generation-previews.png"), rows, 112, 4);
        numbers.put("generation_ms_for_10_samples", Math.round(g.millis()));
        numbers.put("generation_macs_for_10_samples", g.macs());

        // 5. loss plots and the page
        copyIfExists(tokRun.resolve("plots/loss.png"), out.resolve("tokenizer-loss.png"));
        copyIfExists(ditRun.resolve("plots/loss.png"), out.resolve("dit-loss.png"));
        numbers.put("wall_seconds", Math.round((System.nanoTime() - t0) / 1e9));
        Files.writeString(out.resolve("numbers.json"), new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(numbers) + "\n");
        Files.writeString(out.resolve("index.html"), html(numbers, levels));
        log("done in %d s: open %s", numbers.get("wall_seconds"), out.resolve("index.html").toAbsolutePath());
        return 0;
    }

    private static void writeReconstructions(io.dcsldm.tok.DcsTokenizer tk, ImageSet imgs, int nat, Path png) throws java.io.IOException {
        int content = imgs.height();
        Latent z = tk.encode(TokenizerTask.pad(imgs, nat).toINDArray());
        int[] sizes = {content / 2, content, content * 2};
        List<List<INDArray>> rows = new ArrayList<>();
        for (int i = 0; i < imgs.size(); i++) {
            List<INDArray> row = new ArrayList<>();
            row.add(imgs.toINDArray(new int[]{i}));
            for (int s : sizes) {
                int frame = s * nat / content, pad = (frame - s) / 2;
                for (int l = 1; l <= tk.config().levels; l++) {
                    INDArray y = tk.decode(z.prefix(l), frame, frame).get(NDArrayIndex.point(i));
                    row.add(y.get(NDArrayIndex.all(), NDArrayIndex.interval(pad, pad + s), NDArrayIndex.interval(pad, pad + s)).dup('c'));
                }
            }
            rows.add(row);
        }
        ImageGrid.write(png, rows, 112, 4);
    }

    private static String html(Map<String, Object> n, int levels) {
        StringBuilder rows = new StringBuilder();
        n.forEach((k, v) -> rows.append("<tr><td>").append(k).append("</td><td>")
                .append(v instanceof double[] d ? java.util.Arrays.toString(d) : String.valueOf(v)).append("</td></tr>\n"));
        return """
                <!doctype html><html><head><meta charset="utf-8"><title>DCS-LDM demo</title>
                <style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}img{max-width:100%%;border:1px solid #ccc}
                td{padding:2px 10px;border-bottom:1px solid #eee;font-family:monospace}</style></head><body>
                <h1>DCS-LDM on the JVM — demo</h1>
                <p>Everything below was produced by <code>./dcs demo</code> on this machine from the Fashion-MNIST subset and the
                checkpoints shipped in the repository (Fashion-MNIST © Zalando Research, MIT licence).</p>
                <h2>Reconstructions</h2>
                <p>Each row: the original 28×28 test image, then the same latent (one encode) decoded at 14, 28 and 56 px,
                each from the first 1…%d levels. The latent has the same size whatever the output resolution.</p>
                <img src="reconstructions.png">
                <h2>Coarse-to-fine generation</h2>
                <p>One sample per class (rows: classes 0–9); columns: the preview after level 1 … %d, decoded at 56 px.
                Levels are generated one after another with a key/value cache, at the cost of joint generation.</p>
                <img src="generation-previews.png">
                <h2>Fine-tuning losses</h2>
                <img src="tokenizer-loss.png"> <img src="dit-loss.png">
                <h2>Measured numbers</h2>
                <table>%s</table>
                </body></html>
                """.formatted(levels, levels, rows);
    }

    private static Path fresh(Path dir) throws java.io.IOException {
        if (Files.exists(dir))
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        Files.createDirectories(dir);
        return dir;
    }

    private static void copyIfExists(Path from, Path to) throws java.io.IOException {
        if (Files.exists(from)) Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void log(String fmt, Object... args) {
        System.err.println("demo: " + String.format(fmt, args));
    }

    private static double round(double v) { return Math.round(v * 1000) / 1000.0; }

    private static double[] round(double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) r[i] = round(v[i]);
        return r;
    }
}
