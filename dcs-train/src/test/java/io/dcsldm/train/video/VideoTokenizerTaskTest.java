package io.dcsldm.train.video;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dcsldm.core.checkpoint.CheckpointRotation;
import io.dcsldm.core.config.InvalidValueException;
import io.dcsldm.tok.Latent;
import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.loop.TrainResult;
import io.dcsldm.train.loop.Trainer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The video tokenizer's training task end to end on a tiny model: train a few steps, evaluate, save, load. */
class VideoTokenizerTaskTest {
    @TempDir
    Path tmp;

    static VideoTokTrainConfig tiny() {
        VideoTokTrainConfig c = new VideoTokTrainConfig();
        c.model.k = 4;
        c.model.kt = 4;
        c.model.levels = 2;
        c.model.latentChannels = 2;
        c.model.width = 16;
        c.model.heads = 2;
        c.model.encoderDepth = 1;
        c.model.decoderDepth = 1;
        c.model.pixelWidth = 8;
        c.model.fourierFreqs = 2;
        c.model.mlpRatio = 2;
        c.train.steps = 3;
        c.train.batchSize = 4;
        c.train.lr = 1e-3;
        c.train.warmupSteps = 1;
        c.train.evalEvery = 3;
        c.train.checkpointEvery = 3;
        c.train.logEvery = 1;
        c.train.plotEvery = 0;
        c.train.seed = 5;
        c.video.clips = 16;
        c.video.duration = 0.5;
        c.video.fps = java.util.List.of(8, 16);
        c.video.sizes = java.util.List.of(16);
        c.video.nativeSize = 16;
        c.video.imageFraction = 0.5;
        c.video.evalClips = 2;
        c.video.evalImages = 4;
        c.video.statsClips = 2;
        c.video.statsImages = 4;
        return c;
    }

    static ImageSet digits() {
        return MovingMnistTest.fakeDigits(8, 3);
    }

    /**
     * With model.linearCode: the task fits the temporal-patch code (2 frames of a temporal patch at the lowest
     * rate, 8 fps with k_t = 4) deterministically, trains, and the code travels in the model file: the loaded
     * model encodes bit for bit as the trained one.
     */
    @Test
    void withTheLinearCodeFitsTrainsSavesAndLoads() {
        VideoTokTrainConfig c = tiny();
        c.model.linearCode = true;
        c.video.pcaClips = 12;
        VideoTokenizerTask task = new VideoTokenizerTask(c, digits(), digits());
        io.dcsldm.tok.LinearCode code = task.tokenizer().linearCode();
        assertEquals(2, code.channels(), "two basis frames of one channel");
        assertEquals(16 * 2 * 2, code.floats(), "a temporal patch's latent floats: 16 patches × 2 levels × 1 token × 2 channels");
        assertTrue(io.dcsldm.core.nn.Ops.bitIdentical(code.components(),
                new VideoTokenizerTask(c, digits(), digits()).tokenizer().linearCode().components()), "the fit is deterministic");
        Path dir = tmp.resolve("linear-run");
        TrainResult r = new Trainer<>(dir, c.train, task).progressBar(false).run();
        assertTrue(Double.isFinite(r.lastLoss()));
        Path file = tmp.resolve("tok-video-linear.dcs");
        VideoTokenizerModel.save(file, task.tokenizer(), c);
        VideoTokenizerModel.Loaded loaded = VideoTokenizerModel.load(file);
        assertTrue(io.dcsldm.core.nn.Ops.bitIdentical(code.components(), loaded.tokenizer().linearCode().components()));
        INDArray x = Clips.toINDArray(task.evalScenes().clip(0).render(16, 16), 1, 16, 16);
        assertTrue(io.dcsldm.core.nn.Ops.bitIdentical(task.videoTokenizer().encode(x, 16).tokens(), loaded.video().encode(x, 16).tokens()));
        // a lowest frame rate that does not fill whole frames of a temporal patch cannot have a basis
        VideoTokTrainConfig odd = tiny();
        odd.model.linearCode = true;
        odd.video.fps = java.util.List.of(10, 16);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new VideoTokenizerTask(odd, digits(), digits()));
        assertTrue(e.getMessage().contains("video.fps"), e.getMessage());
    }

    /**
     * With video.localLinearCode the untrained tokenizer's latent is local: changing the pixels of one spatial patch
     * (in every frame) changes the tokens of that patch, at every level and temporal patch, and no other token.
     */
    @Test
    void withTheLocalLinearCodeEachTokenSeesOnlyItsOwnPatch() {
        VideoTokTrainConfig c = tiny();
        c.model.linearCode = true;
        c.video.localLinearCode = true;
        c.video.pcaClips = 12;
        VideoTokenizerTask task = new VideoTokenizerTask(c, digits(), digits());
        assertEquals(16 * 2 * 2, task.tokenizer().linearCode().floats());
        float[][] frames = task.evalScenes().clip(0).render(16, 16);
        float[][] changed = new float[frames.length][];
        for (int f = 0; f < frames.length; f++) {
            changed[f] = frames[f].clone();
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 4; x++) changed[f][(4 + y) * 16 + 8 + x] = 0.9f - 0.1f * x; // patch (1, 2) of the 4×4 grid
        }
        INDArray a = task.videoTokenizer().encode(Clips.toINDArray(frames, 1, 16, 16), 16).tokens().reshape(-1, 2);
        INDArray b = task.videoTokenizer().encode(Clips.toINDArray(changed, 1, 16, 16), 16).tokens().reshape(-1, 2);
        int perTime = 16, moved = 0;                       // level-major tokens: level, temporal patch, gy, gx (1 token each)
        for (int t = 0; t < a.rows(); t++) {
            double d = a.getRow(t).sub(b.getRow(t)).amaxNumber().doubleValue();
            if (t % perTime == 1 * 4 + 2) {
                assertTrue(d > 1e-3, "token " + t + " of the changed patch must change");
                moved++;
            } else {
                assertEquals(0, d, 1e-5, "token " + t + " of another patch");
            }
        }
        assertEquals(2 * 2, moved, "2 levels × 2 temporal patches of the changed patch");
    }

    @Test
    void trainsEvaluatesSavesAndLoads() {
        VideoTokTrainConfig c = tiny();
        VideoTokenizerTask task = new VideoTokenizerTask(c, digits(), digits());
        // batches are a pure function of (indices, step)
        VideoTokenizerTask.Batch a = task.loadBatch(new int[]{0, 1, 2, 3}, 7), b = task.loadBatch(new int[]{0, 1, 2, 3}, 7);
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(a.samples().get(i).input()[0], b.samples().get(i).input()[0]);
            assertEquals(a.samples().get(i).outFps(), b.samples().get(i).outFps());
        }
        Path dir = tmp.resolve("run");
        TrainResult r = new Trainer<>(dir, c.train, task).progressBar(false).run();
        assertTrue(Double.isFinite(r.lastLoss()));
        assertTrue(task.tokenizer().latentMean() != null, "evaluation measured latent statistics");

        Map<String, Object> e = VideoEval.evaluate(task, 2, 6);
        // the PCA reference: one value per level count, and more components never reconstruct worse
        @SuppressWarnings("unchecked") Map<String, Double> pca = (Map<String, Double>) e.get("pca_psnr_8->8_per_level");
        assertEquals(c.model.levels, pca.size(), pca.toString());
        for (int l = 1; l <= c.model.levels; l++) {
            assertTrue(Double.isFinite(pca.get("" + l)), pca.toString());
            if (l > 1) assertTrue(pca.get("" + l) >= pca.get("" + (l - 1)) - 1e-9, pca.toString());
        }
        @SuppressWarnings("unchecked") Map<String, Double> psnr = (Map<String, Double>) e.get("psnr");
        assertTrue(psnr.containsKey("8->8") && psnr.containsKey("8->16") && psnr.containsKey("8->32"), psnr.toString());
        assertEquals(true, e.get("latent_shape_equal_across_fps"));
        assertTrue(Double.isFinite((Double) e.get("image_psnr")));

        Path file = tmp.resolve("tok-video.dcs");
        Trainer.loadWeights(CheckpointRotation.latest(dir.resolve(Trainer.CHECKPOINT_DIR)).orElseThrow(), task, true);
        VideoTokenizerModel.save(file, task.tokenizer(), c);
        VideoTokenizerModel.Loaded loaded = VideoTokenizerModel.load(file);
        float[][] clip = task.evalScenes().clip(0).render(8, 16);
        INDArray x = Clips.toINDArray(clip, 1, 16, 16);
        Latent z1 = task.videoTokenizer().encode(x, 8), z2 = loaded.video().encode(x, 8);
        assertTrue(io.dcsldm.core.nn.Ops.bitIdentical(z1.tokens(), z2.tokens()));
    }

    /** DESIGN §5.6 for video: same seed → same weights; a run stopped at step 2 and resumed equals the uninterrupted run, bit for bit. */
    @Test
    void trainingIsReproducibleAndResumesExactly() {
        VideoTokTrainConfig c = tiny();
        c.train.steps = 4;
        c.train.evalEvery = 0;
        c.train.checkpointEvery = 2;
        new Trainer<>(tmp.resolve("a"), c.train, new VideoTokenizerTask(c, digits(), digits())).progressBar(false).run();
        new Trainer<>(tmp.resolve("b"), c.train, new VideoTokenizerTask(c, digits(), digits())).progressBar(false).run(2);
        new Trainer<>(tmp.resolve("b"), c.train, new VideoTokenizerTask(c, digits(), digits())).progressBar(false).run();
        var a = io.dcsldm.core.checkpoint.CheckpointIO.read(CheckpointRotation.latest(tmp.resolve("a").resolve(Trainer.CHECKPOINT_DIR)).orElseThrow());
        var b = io.dcsldm.core.checkpoint.CheckpointIO.read(CheckpointRotation.latest(tmp.resolve("b").resolve(Trainer.CHECKPOINT_DIR)).orElseThrow());
        assertEquals(4, a.step());
        assertEquals(4, b.step());
        assertEquals(a.tensors().keySet(), b.tensors().keySet());
        for (String k : a.tensors().keySet()) assertTrue(io.dcsldm.core.nn.Ops.bitIdentical(a.tensors().get(k), b.tensors().get(k)), k);
    }


    @Test
    void frameRatesThatDoNotFillTheDurationAreConfigErrors() {
        VideoTokTrainConfig c = tiny();
        c.video.duration = 0.3; // 0.3 s at 8 fps = 2.4 frames
        InvalidValueException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidValueException.class, c::validate);
        assertTrue(e.getMessage().contains("8 fps"), e.getMessage());
    }
}
