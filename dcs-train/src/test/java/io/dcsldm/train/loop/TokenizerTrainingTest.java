package io.dcsldm.train.loop;

import io.dcsldm.core.checkpoint.Checkpoint;
import io.dcsldm.core.config.ConfigLoader;
import io.dcsldm.core.nn.ParamStore;
import io.dcsldm.tok.DcsTokenizer;
import io.dcsldm.tok.TokConfig;
import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.data.Resample;
import io.dcsldm.train.data.TestData;
import io.dcsldm.train.tok.TokenizerObjective;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The determinism contract on the real tokenizer: a tiny DCS-Tok trained by the {@link Trainer} on 64
 * Fashion-MNIST images (padded to 32×32, input/output scales 16 and 32, level truncation) gives
 * bit-identical state for the same seed, and a run stopped at step 3 and resumed (fresh model objects)
 * matches the uninterrupted run bit for bit.
 */
class TokenizerTrainingTest {
    private static final long STEPS = 6;
    private static ImageSet images;

    @TempDir
    Path tmp;

    /** The run's root config: model (fingerprinted) and train. */
    public static class Root {
        public TokConfig model = new TokConfig();
        public TrainConfig train = new TrainConfig();
    }

    @BeforeAll
    static void data() {
        images = Resample.padTo(TestData.fashion("train", 64), 32, 32, Resample.PadMode.ZERO);
    }

    static Root config() {
        Root r = new Root();
        r.model = TinyConfig.tinyTokenizer();
        TrainConfig t = r.train;
        t.steps = STEPS;
        t.batchSize = 4;
        t.lr = 1e-3;
        t.warmupSteps = 2;
        t.emaDecay = 0.9;
        t.evalEvery = 0;
        t.checkpointEvery = 0;
        t.logEvery = 1;
        t.plotEvery = 0;
        t.seed = 42;
        return r;
    }

    /** DCS-Tok as a {@link TrainTask}: batches are host-side image subsets, no evaluation metric. */
    static final class TokTask implements TrainTask<ImageSet> {
        private final Root cfg;
        private final DcsTokenizer tok;
        private final TokenizerObjective objective;

        TokTask(Root cfg) {
            this.cfg = cfg;
            this.tok = new DcsTokenizer(cfg.model, 3);
            this.objective = new TokenizerObjective(tok, new int[]{16, 32});
        }

        @Override public String modelKind() { return "dcs-tok"; }
        @Override public ParamStore params() { return tok.params(); }
        @Override public int datasetSize() { return images.size(); }
        @Override public ImageSet loadBatch(int[] indices, long step) { return images.select(indices); }
        @Override public double forwardBackward(ImageSet b, long seed, long step) { return objective.forwardBackward(b, seed, step); }
        @Override public Map<String, Double> evaluate(long step) { return Map.of(); }
        @Override public String configYaml() { return ConfigLoader.toYaml(cfg); }
        @Override public String configFingerprint() { return ConfigLoader.fingerprint(cfg, "model"); }
    }

    private Checkpoint train(String name, long stopAfter) {
        Root c = config();
        Path dir = tmp.resolve(name);
        TrainResult r = new Trainer<>(dir, c.train, new TokTask(c)).progressBar(false).run(stopAfter);
        assertTrue(Double.isFinite(r.lastLoss()));
        return TestRuns.latest(dir);
    }

    @Test
    void tokenizerTrainingIsBitReproducibleAndResumesExactly() {
        Checkpoint a = train("a", STEPS);
        Checkpoint b = train("b", STEPS);
        int n = TestRuns.assertBitIdentical(a.tensors(), b.tensors(), name -> true);
        assertTrue(n > 30, n + " tensors");

        train("resumed", 3);
        Checkpoint c = train("resumed", STEPS);
        assertEquals(STEPS, c.step());
        TestRuns.assertBitIdentical(a.tensors(), c.tensors(), name -> true);
        assertEquals(TestRuns.metricsWithoutTimes(tmp.resolve("a")), TestRuns.metricsWithoutTimes(tmp.resolve("resumed")));
    }
}
