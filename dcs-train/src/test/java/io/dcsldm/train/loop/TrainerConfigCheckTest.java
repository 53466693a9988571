package io.dcsldm.train.loop;

import io.dcsldm.core.config.ConfigException;
import io.dcsldm.core.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoints of another model config, model kind or seed are refused with a message naming the file. */
class TrainerConfigCheckTest {
    @TempDir
    Path tmp;

    private Path trainFourSteps(TinyConfig c) {
        new Trainer<>(tmp, c.train, new TinyTask(c)).progressBar(false).run(4);
        return TestRuns.latestCheckpoint(tmp);
    }

    @Test
    void checkpointOfDifferentModelConfigIsRefused() {
        TinyConfig c = TinyConfig.small(10);
        Path file = trainFourSteps(c);
        String oldFp = ConfigLoader.fingerprint(c, "model");

        TinyConfig wider = TinyConfig.small(10);
        wider.model.width = 32;
        String newFp = ConfigLoader.fingerprint(wider, "model");
        String expected = "checkpoint " + file + " was written for a different model config (fingerprint " + oldFp
                + " vs " + newFp + "); use a new run directory";

        TrainingException resume = assertThrows(TrainingException.class,
                () -> new Trainer<>(tmp, wider.train, new TinyTask(wider)).progressBar(false).run());
        assertEquals(expected, resume.getMessage());
        TrainingException load = assertThrows(TrainingException.class,
                () -> Trainer.loadWeights(file, new TinyTask(wider), true));
        assertEquals(expected, load.getMessage());
    }

    @Test
    void checkpointOfAnotherModelKindIsRefused() {
        TinyConfig c = TinyConfig.small(10);
        Path file = trainFourSteps(c);
        TinyTask other = new TinyTask(c) {
            @Override
            public String modelKind() {
                return "dcs-dit";
            }
        };
        TrainingException e = assertThrows(TrainingException.class, () -> Trainer.loadWeights(file, other, false));
        assertEquals("checkpoint " + file + " holds a 'tiny-regression' model, not 'dcs-dit'; use a new run directory",
                e.getMessage());
    }

    @Test
    void resumingWithAnotherSeedIsRefused() {
        TinyConfig c = TinyConfig.small(10);
        Path file = trainFourSteps(c);
        TinyConfig reseeded = TinyConfig.small(10);
        reseeded.train.seed = 5;
        TrainingException e = assertThrows(TrainingException.class,
                () -> new Trainer<>(tmp, reseeded.train, new TinyTask(reseeded)).progressBar(false).run());
        assertEquals("checkpoint " + file + " was written by a run with train.seed = 1234, but this run has"
                + " train.seed = 5; use the same seed or a new run directory", e.getMessage());
    }

    @Test
    void changedTrainSettingsOnlyWarn() {
        TinyConfig c = TinyConfig.small(10);
        trainFourSteps(c);
        TinyConfig longer = TinyConfig.small(14);
        longer.train.lr = 1e-3;
        TrainResult r = new Trainer<>(tmp, longer.train, new TinyTask(longer)).progressBar(false).run();
        assertEquals(4, r.startStep());
        assertEquals(14, r.endStep());
    }

    @Test
    void runDirWhoseCheckpointsAreAllDamagedIsNotSilentlyRestarted() throws Exception {
        TinyConfig c = TinyConfig.small(10);
        Path file = trainFourSteps(c);
        java.nio.file.Files.write(file, new byte[]{1, 2, 3});
        TrainingException e = assertThrows(TrainingException.class,
                () -> new Trainer<>(tmp, c.train, new TinyTask(c)).progressBar(false).run());
        assertEquals(tmp.resolve(Trainer.CHECKPOINT_DIR) + " holds 1 checkpoint files but none is intact (see the"
                + " warnings above); move them away to start over, or use a new run directory", e.getMessage());
    }

    @Test
    void finishedRunIsANoOp() throws Exception {
        TinyConfig c = TinyConfig.small(4);
        new Trainer<>(tmp, c.train, new TinyTask(c)).progressBar(false).run();
        String info = java.nio.file.Files.readString(tmp.resolve(Trainer.RUN_INFO_FILE));
        TrainResult again = new Trainer<>(tmp, c.train, new TinyTask(c)).progressBar(false).run();
        assertEquals(4, again.startStep());
        assertEquals(4, again.endStep());
        assertEquals(info, java.nio.file.Files.readString(tmp.resolve(Trainer.RUN_INFO_FILE)), "run.json untouched");
    }

    @Test
    void trainSectionIsValidatedWithKeyNames() {
        ConfigException range = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
                "train:\n  lr: 0.001\n", "run.yaml", TinyConfig.class, List.of("train.lr=-1")));
        assertTrue(range.getMessage().contains("train.lr"), range.getMessage());
        ConfigException cross = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
                "train:\n  steps: 10\n  warmupSteps: 20\n", "run.yaml", TinyConfig.class, List.of()));
        assertTrue(cross.getMessage().contains("train.warmupSteps") && cross.getMessage().contains("must be <= steps (10)"),
                cross.getMessage());
        TrainConfig bad = new TrainConfig();
        bad.maxBadSteps = 0;
        ConfigException direct = assertThrows(ConfigException.class,
                () -> new Trainer<>(tmp, bad, new TinyTask(TinyConfig.small(10))));
        assertTrue(direct.getMessage().contains("maxBadSteps"), direct.getMessage());
    }

    @Test
    void modelSectionErrorsNameTheDottedKeyOnce() throws Exception {
        String yaml = java.nio.file.Files.readString(io.dcsldm.train.data.TestData.repoRoot().resolve("configs/dit-fmnist.yaml"));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
                yaml, "dit.yaml", io.dcsldm.train.dit.DitTrainConfig.class, List.of("model.depth=0")));
        assertTrue(e.getMessage().contains("'model.depth'") && e.getMessage().contains("must be > 0, got 0"), e.getMessage());
        assertFalse(e.getMessage().contains("key 'model' key"), e.getMessage());
        ConfigException flow = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
                yaml, "dit.yaml", io.dcsldm.train.dit.DitTrainConfig.class, List.of("flow.logitStd=0")));
        assertTrue(flow.getMessage().contains("'flow.logitStd'") && !flow.getMessage().contains("flow.flow"), flow.getMessage());
    }
}
