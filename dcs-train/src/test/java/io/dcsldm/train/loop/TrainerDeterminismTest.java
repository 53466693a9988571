package io.dcsldm.train.loop;

import io.dcsldm.core.checkpoint.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Determinism contract (docs/training.md), part 1: in one JVM, the same config and seed give bit-identical
 * parameters, optimizer state, EMA and extra state — also when only observing settings differ (prefetch
 * depth, log/eval/checkpoint/plot periods) — and a different seed gives different ones.
 */
class TrainerDeterminismTest {
    private static final long STEPS = 12;

    @TempDir
    Path tmp;

    private Checkpoint train(String name, TinyConfig c) {
        Path dir = tmp.resolve(name);
        TrainResult r = new Trainer<>(dir, c.train, new TinyTask(c)).progressBar(false).run();
        assertEquals(STEPS, r.endStep());
        assertTrue(Double.isFinite(r.lastLoss()));
        return TestRuns.latest(dir);
    }

    @Test
    void sameConfigAndSeedGiveBitIdenticalState() {
        Checkpoint a = train("a", TinyConfig.small(STEPS));
        Checkpoint b = train("b", TinyConfig.small(STEPS));
        int n = TestRuns.assertBitIdentical(a.tensors(), b.tensors(), name -> true);
        // params, opt/, ema/ for each parameter, plus extra/samplesSeen
        assertEquals(1 + 3 * new TinyTask(TinyConfig.small(STEPS)).params().all().size(), n);
        assertEquals(TestRuns.metricsWithoutTimes(tmp.resolve("a")), TestRuns.metricsWithoutTimes(tmp.resolve("b")));
    }

    @Test
    void observingSettingsDoNotChangeTheResult() {
        Checkpoint a = train("a", TinyConfig.small(STEPS));
        TinyConfig c = TinyConfig.small(STEPS);
        c.train.prefetchBatches = 0;   // load on the training thread
        c.train.logEvery = 5;
        c.train.evalEvery = 1;         // EMA swapped in and out after every step
        c.train.checkpointEvery = 1;
        c.train.keepCheckpoints = 1;
        c.train.plotEvery = 6;
        Checkpoint b = train("b", c);
        TestRuns.assertBitIdentical(a.tensors(), b.tensors(), name -> true);
    }

    @Test
    void differentSeedGivesDifferentWeights() {
        Checkpoint a = train("a", TinyConfig.small(STEPS));
        TinyConfig c = TinyConfig.small(STEPS);
        c.train.seed = 99;
        Checkpoint b = train("b", c);
        String w = "stack.0.attn.qkv.w";
        assertTrue(a.tensors().containsKey(w), "expected parameter " + w + " in " + a.tensors().keySet());
        assertFalse(TestRuns.bitIdentical(a.tensor(w), b.tensor(w)), "a different seed (data order and noise) must change the weights");
    }
}
