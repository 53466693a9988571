package io.dcsldm.train.video;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dcsldm.dit.FlowSampler;
import io.dcsldm.train.loop.TrainResult;
import io.dcsldm.train.loop.Trainer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.junit.jupiter.api.io.TempDir;

/** DCS-DiT on video latents end to end on tiny models: encode clips, train 2 steps, save, load, generate with per-level previews. */
class VideoDitTaskTest {
    @TempDir
    Path tmp;

    /** A tiny untrained video tokenizer with latent statistics, saved to {@code file}; its task (scenes, tokenizer). */
    static VideoTokenizerTask savedTinyTokenizer(Path file) {
        VideoTokTrainConfig tc = VideoTokenizerTaskTest.tiny();
        VideoTokenizerTask task = new VideoTokenizerTask(tc, VideoTokenizerTaskTest.digits(), VideoTokenizerTaskTest.digits());
        VideoEval.measureLatentStats(task, 2, 4);
        VideoTokenizerModel.save(file, task.tokenizer(), tc);
        return task;
    }

    /** A tiny video DiT config on the tokenizer file {@code tokFile}: 2 steps of 4 clips out of 8, at 8 fps and 16×16. */
    static VideoDitConfig tinyDit(Path tokFile) {
        VideoDitConfig c = new VideoDitConfig();
        c.model.width = 16;
        c.model.depth = 1;
        c.model.heads = 2;
        c.model.mlpRatio = 2;
        c.model.classes = 10;
        c.model.frequencyWidth = 16;
        c.train.steps = 2;
        c.train.batchSize = 4;
        c.train.warmupSteps = 1;
        c.train.evalEvery = 2;
        c.train.checkpointEvery = 2;
        c.train.plotEvery = 0;
        c.video.tokenizer = tokFile.toString();
        c.video.clips = 8;
        c.video.fps = 8;
        c.video.size = 16;
        return c;
    }

    /**
     * The held-out clips are the scenes after the training ones: a run on 8 clips holds out scenes 8 … 15, which a run
     * on 16 clips trains on, and its training latents are the 16-clip run's first 8 (adding the held-out set did not
     * change what trains).
     */
    @Test
    void heldOutClipsAreTheScenesAfterTheTrainingOnes() {
        Path tokFile = tmp.resolve("tok-video.dcs");
        VideoTokenizerTask tokTask = savedTinyTokenizer(tokFile);
        VideoDitConfig c = tinyDit(tokFile);
        VideoDitTask eight = new VideoDitTask(c, tokTask.videoTokenizer(), tokTask.scenes());
        c.video.clips = 16;
        VideoDitTask sixteen = new VideoDitTask(c, tokTask.videoTokenizer(), tokTask.scenes());
        assertEquals(8, eight.datasetSize());
        int[] first = {0, 1, 2, 3, 4, 5, 6, 7}, next = {8, 9, 10, 11, 12, 13, 14, 15};
        assertTrue(eight.heldOutBatch().sub(sixteen.batch(next)).amaxNumber().doubleValue() < 1e-5, "held out = scenes 8 … 15");
        assertArrayEquals(sixteen.labels(next), eight.heldOutLabels());
        assertTrue(eight.batch(first).sub(sixteen.batch(first)).amaxNumber().doubleValue() < 1e-5, "training scenes 0 … 7 unchanged");
        assertTrue(eight.evaluate(0).get("heldout_flow_loss") > 0);
    }

    @Test
    void trainsSavesLoadsAndGeneratesClipsLevelByLevel() {
        Path tokFile = tmp.resolve("tok-video.dcs");
        VideoTokenizerTask tokTask = savedTinyTokenizer(tokFile);

        VideoDitConfig c = tinyDit(tokFile);
        VideoDitTask task = new VideoDitTask(c, tokTask.videoTokenizer(), tokTask.scenes());
        assertEquals(2, task.layout().times(), "0.5 s at k_t = 4");
        TrainResult r = new Trainer<>(tmp.resolve("run"), c.train, task).progressBar(false).run();
        assertTrue(Double.isFinite(r.lastLoss()));

        Path ditFile = tmp.resolve("dit-video.dcs");
        VideoDitModel.save(ditFile, task.model(), c);
        assertTrue(VideoDitModel.isVideoDit(ditFile));
        VideoDitModel.Loaded m = VideoDitModel.load(ditFile, null);
        VideoGeneration.Result g = VideoGeneration.run(m.dit(), m.tokenizer().video(), new int[]{1, 2}, 2, FlowSampler.Method.EULER, 2, 1.5,
                7, 16, 16, false);
        assertEquals(2, g.levels());
        assertEquals(2, g.previews().size(), "one preview per level");
        assertEquals(2, g.previews().get(0).length);
        assertEquals(8, g.previews().get(1)[0].length, "0.5 s at 16 fps");
        assertEquals(16 * 16, g.previews().get(1)[0][0].length);

        // in the space scaled by pixel energy (video.latentScalePower): the scale is computed from the tokenizer,
        // travels with the model file, and generation decodes through it
        c.video.latentScalePower = 0.5;
        VideoDitTask scaled = new VideoDitTask(c, tokTask.videoTokenizer(), tokTask.scenes());
        INDArray s = scaled.model().latentScale();
        assertArrayEquals(new long[]{task.tokens(), task.channels()}, s.shape());
        assertEquals(1.0, s.mul(s).meanNumber().doubleValue(), 1e-4, "unit mean square");
        INDArray expected = task.batch(new int[]{0, 5}).mul(s.reshape(1, task.tokens(), task.channels()).broadcast(2, task.tokens(), task.channels()));
        assertTrue(scaled.batch(new int[]{0, 5}).sub(expected).amaxNumber().doubleValue() < 1e-5, "the training latents are the tokenizer's times the scale");
        new Trainer<>(tmp.resolve("scaled-run"), c.train, scaled).progressBar(false).run();
        Path scaledFile = tmp.resolve("dit-video-scaled.dcs");
        VideoDitModel.save(scaledFile, scaled.model(), c);
        VideoDitModel.Loaded ms = VideoDitModel.load(scaledFile, null);
        assertTrue(io.dcsldm.core.nn.Ops.bitIdentical(s, ms.dit().latentScale()));
        assertEquals(2, VideoGeneration.run(ms.dit(), ms.tokenizer().video(), new int[]{3}, 2, FlowSampler.Method.EULER, 2, 1.5, 7, 8, 16, false)
                .previews().size());

        // video.causalInTime: false builds (and reloads) the DiT with the level-causal mask only
        assertEquals(io.dcsldm.core.mask.AttentionMask.LEVEL_TIME_CAUSAL, ms.dit().rule());
        c.video.causalInTime = false;
        VideoDitTask noTime = new VideoDitTask(c, tokTask.videoTokenizer(), tokTask.scenes());
        assertEquals(io.dcsldm.core.mask.AttentionMask.LEVEL_CAUSAL, noTime.model().rule());
        Path noTimeFile = tmp.resolve("dit-video-no-time.dcs");
        VideoDitModel.save(noTimeFile, noTime.model(), c);
        assertEquals(io.dcsldm.core.mask.AttentionMask.LEVEL_CAUSAL, VideoDitModel.load(noTimeFile, null).dit().rule());

        // video.cleanContext needs the time clause; the message names the field
        c.video.cleanContext = true;
        var bad = org.junit.jupiter.api.Assertions.assertThrows(io.dcsldm.core.config.InvalidValueException.class, c::validate);
        assertTrue(bad.getMessage().contains("video.cleanContext"), bad.getMessage());
        // flow.frontierZeroShare means nothing without clean context: refused, not ignored
        c.video.causalInTime = true;
        c.video.cleanContext = false;
        c.flow.frontierZeroShare = 0.5;
        var noFrontier = org.junit.jupiter.api.Assertions.assertThrows(io.dcsldm.core.config.InvalidValueException.class, c::validate);
        assertTrue(noFrontier.getMessage().contains("flow.frontierZeroShare") && noFrontier.getMessage().contains("video.cleanContext"),
                noFrontier.getMessage());
    }

    /**
     * {@code video.cleanContext}: trains with clean earlier temporal patches, the flag travels with the model file, and
     * generation runs temporal patches in turn with one preview per level, the same clip for the same seed (causality in
     * time of that sampler: dcs-dit's {@code CausalInTimeGenerationTest}).
     */
    @Test
    void cleanContextTrainsSavesLoadsAndGeneratesTemporalPatchesInTurn() {
        Path tokFile = tmp.resolve("tok-video.dcs");
        VideoTokenizerTask tokTask = savedTinyTokenizer(tokFile);
        VideoDitConfig c = tinyDit(tokFile);
        c.video.cleanContext = true;
        c.validate();
        VideoDitTask task = new VideoDitTask(c, tokTask.videoTokenizer(), tokTask.scenes());
        TrainResult r = new Trainer<>(tmp.resolve("run"), c.train, task).progressBar(false).run();
        assertTrue(Double.isFinite(r.lastLoss()) && r.lastLoss() > 0);
        assertTrue(task.evaluate(2).get("heldout_flow_loss") > 0);
        Path file = tmp.resolve("dit-video-clean.dcs");
        VideoDitModel.save(file, task.model(), c);
        VideoDitModel.Loaded m = VideoDitModel.load(file, null);
        assertTrue(m.config().video.cleanContext, "the flag travels with the model");
        VideoGeneration.Result g = VideoGeneration.run(m.dit(), m.tokenizer().video(), new int[]{1, 2}, 2, FlowSampler.Method.EULER, 2, 1.5,
                7, 8, 16, true);
        assertEquals(2, g.levels());
        assertEquals(2, g.previews().size(), "one preview per level");
        assertEquals(4, g.previews().get(1)[0].length, "0.5 s at 8 fps");
        VideoGeneration.Result same = VideoGeneration.run(m.dit(), m.tokenizer().video(), new int[]{1, 2}, 2, FlowSampler.Method.EULER, 2, 1.5,
                7, 8, 16, true);
        assertTrue(io.dcsldm.core.nn.Ops.bitIdentical(g.latent(), same.latent()), "same seed, same clip");
    }
}
