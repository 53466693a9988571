package io.dcsldm.train.loop;

import com.fasterxml.jackson.databind.JsonNode;
import io.dcsldm.core.checkpoint.Checkpoint;
import io.dcsldm.core.checkpoint.CheckpointRotation;
import io.dcsldm.core.config.ConfigLoader;
import io.dcsldm.core.nn.Param;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a run leaves in its directory, EMA evaluation and weight loading, loader failures. */
class TrainerRunDirTest {
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G'};

    @TempDir
    Path tmp;

    @Test
    void runDirectoryHoldsConfigRunInfoMetricsCheckpointsAndPlots() throws Exception {
        TinyConfig c = TinyConfig.small(10);
        c.train.logEvery = 3;
        c.train.plotEvery = 5;
        TinyTask task = new TinyTask(c);
        TrainResult r = new Trainer<>(tmp, c.train, task).progressBar(false).run();

        // config.yaml reads back to the same config
        TinyConfig back = ConfigLoader.load(tmp.resolve(Trainer.CONFIG_FILE), TinyConfig.class);
        assertEquals(ConfigLoader.fingerprint(c), ConfigLoader.fingerprint(back));

        JsonNode info = MetricsLog.JSON.readTree(Files.readString(tmp.resolve(Trainer.RUN_INFO_FILE)));
        assertEquals(1234, info.path("seed").asLong());
        assertFalse(info.path("codeVersion").asText().isBlank());
        assertFalse(info.path("startTime").asText().isBlank());
        assertEquals("1.0.0-M2.1", info.path("environment").path("nd4j").asText());
        assertTrue(info.path("environment").path("java").asText().startsWith(System.getProperty("java.version")));
        assertTrue(info.path("environment").path("threads").path("nd4jMaxThreads").asInt() >= 1);

        // metrics: train rows at multiples of logEvery and the last step, eval rows at 5 and 10
        List<JsonNode> rows = TestRuns.metrics(tmp);
        List<Long> trainSteps = rows.stream().filter(x -> x.path("type").asText().equals("train"))
                .map(x -> x.path("step").asLong()).toList();
        assertEquals(List.of(3L, 6L, 9L, 10L), trainSteps);
        JsonNode first = rows.get(0);
        List<String> keys = iterable(first.fieldNames());
        assertEquals(List.of("type", "step", "epoch", "loss", "lr", "grad_norm", "ms_per_step", "skipped"), keys);
        List<JsonNode> evals = rows.stream().filter(x -> x.path("type").asText().equals("eval")).toList();
        assertEquals(List.of(5L, 10L), evals.stream().map(x -> x.path("step").asLong()).toList());
        assertTrue(evals.get(1).path("val_mse").asDouble() < evals.get(0).path("val_mse").asDouble(), "it learns");
        assertEquals(evals.get(1).path("val_mse").asDouble(), r.lastEval().get("val_mse"), 0.0);

        // checkpoints: the last keepCheckpoints (2) of steps 4, 8, 10
        List<String> files = CheckpointRotation.checkpointFiles(tmp.resolve(Trainer.CHECKPOINT_DIR)).stream()
                .map(f -> f.getFileName().toString()).toList();
        assertEquals(List.of("step-000008.dcs", "step-000010.dcs"), files);
        Checkpoint ck = TestRuns.latest(tmp);
        assertEquals(r.lastCheckpoint(), TestRuns.latestCheckpoint(tmp));
        assertEquals("tiny-regression", ck.modelKind());
        assertEquals(task.configFingerprint(), ck.configFingerprint());
        assertEquals(Files.readString(tmp.resolve(Trainer.CONFIG_FILE)), ck.configYaml());
        assertArrayEquals(Trainer.seedBytes(1234), ck.rngState());
        assertEquals("1234", ck.metadata().get("seed"));
        assertEquals(RunInfo.codeVersion(), ck.metadata().get("codeVersion"));
        for (Param p : task.params().all()) {
            assertTrue(ck.tensors().containsKey(p.name()));
            assertTrue(ck.tensors().containsKey("opt/" + p.name()));
            assertTrue(ck.tensors().containsKey("ema/" + p.name()));
        }
        assertEquals(80.0, ck.tensor("extra/samplesSeen").getDouble(0));

        for (String plot : List.of("loss.png", "eval.png")) {
            byte[] b = Files.readAllBytes(tmp.resolve(Trainer.PLOT_DIR).resolve(plot));
            assertArrayEquals(PNG, Arrays.copyOf(b, 4), plot);
        }
        try (var s = Files.list(tmp)) {
            assertTrue(s.noneMatch(f -> f.getFileName().toString().startsWith(".tmp-")), "no temporary files left");
        }
    }

    @Test
    void evaluationSeesEmaWeightsAndLoadWeightsRestoresThem() {
        TinyConfig c = TinyConfig.small(10);
        TinyTask trained = new TinyTask(c);
        TrainResult r = new Trainer<>(tmp, c.train, trained).progressBar(false).run();
        Path file = r.lastCheckpoint();
        Checkpoint ck = TestRuns.latest(tmp);

        // live weights after the run are the live weights in the checkpoint (EMA swapped back exactly)
        for (Param p : trained.params().all()) {
            assertTrue(TestRuns.bitIdentical(ck.tensor(p.name()), p.value()), p.name());
        }
        // EMA weights loaded into a fresh model reproduce the final evaluation exactly
        TinyTask ema = new TinyTask(c);
        Trainer.loadWeights(file, ema, true);
        for (Param p : ema.params().all()) {
            assertTrue(TestRuns.bitIdentical(ck.tensor("ema/" + p.name()), p.value()), p.name());
        }
        assertEquals(r.lastEval().get("val_mse"), ema.validationMse(), 0.0);
        assertEquals(80.0, ema.samplesSeen(), "extra state loaded");
        // ... and differ from the live weights' score
        TinyTask live = new TinyTask(c);
        Trainer.loadWeights(file, live, false);
        assertTrue(live.validationMse() != ema.validationMse());
        assertEquals(trained.validationMse(), live.validationMse(), 0.0);
    }

    @Test
    void loaderFailureReachesTheTrainingThreadWithItsMessage() {
        for (int prefetch : new int[]{0, 3}) {
            TinyConfig c = TinyConfig.small(10);
            c.train.prefetchBatches = prefetch;
            c.data.failLoadAt = 5;
            int[] expectedIdx = new BatchOrder(64, 8, 1234).indices(5);
            Path dir = tmp.resolve("p" + prefetch);
            TrainingException e = assertThrows(TrainingException.class,
                    () -> new Trainer<>(dir, c.train, new TinyTask(c)).progressBar(false).run());
            assertEquals("loading the batch of step 6 failed: sample " + expectedIdx[0]
                    + " is unreadable (injected failure)", e.getMessage(), "prefetch " + prefetch);
            assertTrue(e.getCause() instanceof IllegalStateException);
            assertEquals(5, TestRuns.metrics(dir).stream().filter(x -> x.path("type").asText().equals("train")).count());
        }
    }

    @Test
    void trainSectionIsAppendedWhenTheTaskConfigHasNone() {
        TrainConfig t = TinyConfig.small(10).train;
        String yaml = Trainer.resolvedConfigYaml("model:\n  width: 16\n", t);
        TinyConfig parsed = ConfigLoader.parse(yaml, "resolved", TinyConfig.class, List.of());
        assertEquals(ConfigLoader.fingerprint(t), ConfigLoader.fingerprint(parsed.train));
        assertEquals(16, parsed.model.width);
        String full = ConfigLoader.toYaml(TinyConfig.small(10));
        assertEquals(full, Trainer.resolvedConfigYaml(full, t), "a train: section of the task's is kept verbatim");
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> l = new java.util.ArrayList<>();
        it.forEachRemaining(l::add);
        return l;
    }
}
