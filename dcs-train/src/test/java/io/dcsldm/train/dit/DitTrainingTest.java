package io.dcsldm.train.dit;

import io.dcsldm.core.checkpoint.Checkpoint;
import io.dcsldm.tok.DcsTokenizer;
import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.data.Resample;
import io.dcsldm.train.data.TestData;
import io.dcsldm.train.loop.TestRuns;
import io.dcsldm.train.loop.TrainResult;
import io.dcsldm.train.loop.Trainer;
import io.dcsldm.train.tok.TokTrainConfig;
import io.dcsldm.train.tok.TokenizerTask;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The diffusion model through the shared training loop (issue 5's contract for both models): the same
 * config and seed give bit-identical weights, optimiser state, EMA and metrics, and a run stopped and
 * resumed from its checkpoint ends bit-identical to an uninterrupted one — in the rescaled diffusion space.
 */
class DitTrainingTest {
    private static final long STEPS = 6;
    private static DcsTokenizer tok;
    private static ImageSet images, heldOut;

    @TempDir
    Path tmp;

    @BeforeAll
    static void tokenizer() {
        ImageSet train = Resample.padTo(TestData.fashion("train", 120), 32, 32, Resample.PadMode.ZERO);
        TokTrainConfig tc = new TokTrainConfig();
        tc.model = io.dcsldm.train.loop.TinyConfig.tinyTokenizer();
        tc.model.linearCode = true;
        tok = new DcsTokenizer(tc.model, 1);
        tok.setLinearCode(TokenizerTask.fitLinearCode(tok, train, train.size()));
        images = train.head(48);
        heldOut = train.select(java.util.stream.IntStream.range(100, 120).toArray());
    }

    private static DitTrainConfig config() {
        DitTrainConfig c = new DitTrainConfig();
        c.model.width = 16;
        c.model.depth = 2;
        c.model.heads = 2;
        c.model.mlpRatio = 2;
        c.model.classes = 10;
        c.model.frequencyWidth = 16;
        c.train.steps = STEPS;
        c.train.batchSize = 8;
        c.train.warmupSteps = 2;
        c.train.evalEvery = 3;
        c.train.checkpointEvery = 3;
        c.train.logEvery = 1;
        c.train.plotEvery = 0;
        c.train.emaDecay = 0.9;
        c.data.latentScalePower = 1;
        return c;
    }

    private Checkpoint train(String name, long stopAfter) {
        DitTrainConfig c = config();
        Path dir = tmp.resolve(name);
        TrainResult r = new Trainer<>(dir, c.train, new DitTask(c, tok, images, heldOut)).progressBar(false).run(stopAfter);
        assertTrue(Double.isFinite(r.lastLoss()));
        return TestRuns.latest(dir);
    }

    @Test
    void ditTrainingIsBitReproducibleAndResumesExactly() {
        Checkpoint a = train("a", STEPS);
        Checkpoint b = train("b", STEPS);
        int n = TestRuns.assertBitIdentical(a.tensors(), b.tensors(), name -> true);
        assertTrue(n > 40, n + " tensors");
        assertTrue(a.tensors().containsKey("extra/latent_scale"), "the checkpoint carries the diffusion space's scale");

        train("resumed", 3);
        Checkpoint c = train("resumed", STEPS);
        assertEquals(STEPS, c.step());
        TestRuns.assertBitIdentical(a.tensors(), c.tensors(), name -> true);
        assertEquals(TestRuns.metricsWithoutTimes(tmp.resolve("a")), TestRuns.metricsWithoutTimes(tmp.resolve("resumed")));
    }

    /** {@code flow.frontierZeroShare} is a video key (temporal patches); an image config that sets it is refused, not ignored. */
    @Test
    void anImageConfigWithAFrontierShareIsRefused() {
        DitTrainConfig c = new DitTrainConfig();
        c.validate();
        c.flow.frontierZeroShare = 0.5;
        var e = assertThrows(io.dcsldm.core.config.InvalidValueException.class, c::validate);
        assertTrue(e.getMessage().contains("flow.frontierZeroShare"), e.getMessage());
    }

    /** The held-out flow loss is measured on the held-out images the task is given, not on training images. */
    @Test
    void theHeldOutLossComesFromTheHeldOutImages() {
        DitTrainConfig c = config();
        double a = new DitTask(c, tok, images, heldOut).evaluate(0).get("heldout_flow_loss");
        double same = new DitTask(c, tok, images.head(24), heldOut).evaluate(0).get("heldout_flow_loss");
        double other = new DitTask(c, tok, images, images.head(20)).evaluate(0).get("heldout_flow_loss");
        assertEquals(a, same, 0.0, "other training images, same held-out images and untrained weights: the same loss");
        assertNotEquals(a, other, "other held-out images: another loss");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DitTask(c, tok, images, Resample.padTo(TestData.fashion("test", 4), 36, 36, Resample.PadMode.ZERO)));
        assertTrue(e.getMessage().contains("held-out images") && e.getMessage().contains("36"), e.getMessage());
    }
}
