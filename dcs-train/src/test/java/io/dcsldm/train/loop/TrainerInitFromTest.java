package io.dcsldm.train.loop;

import com.fasterxml.jackson.databind.JsonNode;
import io.dcsldm.core.checkpoint.Checkpoint;
import io.dcsldm.core.nn.Param;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Trainer#initFrom}: a new run that starts from another run's EMA weights and extra state trains
 * exactly as if those weights had been loaded by hand; resuming it ignores the option and stays exact;
 * a checkpoint of another model config is refused with a message.
 */
class TrainerInitFromTest {
    @TempDir
    Path tmp;

    @Test
    void newRunStartsFromTheGivenWeightsAndResumesExactly() {
        TinyConfig c = TinyConfig.small(6);
        Path first = tmp.resolve("first");
        new Trainer<>(first, c.train, new TinyTask(c)).progressBar(false).run();
        Path source = TestRuns.latestCheckpoint(first);
        Checkpoint src = TestRuns.latest(first);

        // the second run: 4 steps of a new schedule from the first run's EMA weights, stopped at 2 and resumed
        TinyConfig c2 = TinyConfig.small(4);
        Path second = tmp.resolve("second");
        TinyTask stopped = new TinyTask(c2);
        new Trainer<>(second, c2.train, stopped).progressBar(false).initFrom(source).run(2);
        TinyTask resumed = new TinyTask(c2);
        new Trainer<>(second, c2.train, resumed).progressBar(false).initFrom(tmp.resolve("not-read")).run();

        // reference: the same weights and extra state loaded by hand, then a plain 4-step run
        TinyTask byHand = new TinyTask(c2);
        Trainer.loadWeights(source, byHand, true);
        for (Param p : byHand.params().all())
            assertTrue(TestRuns.bitIdentical(p.value(), src.tensor(Trainer.EMA_PREFIX + p.name())), p.name());
        Path reference = tmp.resolve("reference");
        new Trainer<>(reference, c2.train, byHand).progressBar(false).run();

        int n = TestRuns.assertBitIdentical(TestRuns.latest(reference).tensors(), TestRuns.latest(second).tensors(), name -> true);
        assertEquals(1 + 3 * byHand.params().all().size(), n, "params, opt/, ema/ and extra/ tensors compared");
        // the extra state came along: samples counted by the first run, then by the second
        assertEquals((6 + 4) * c.train.batchSize, resumed.samplesSeen());

        // and it is not the task's own initialisation
        TinyTask fresh = new TinyTask(c2);
        new Trainer<>(tmp.resolve("fresh"), c2.train, fresh).progressBar(false).run();
        assertFalse(TestRuns.bitIdentical(fresh.params().all().get(0).value(), resumed.params().all().get(0).value()));

        JsonNode info = readJson(second.resolve(Trainer.RUN_INFO_FILE));
        assertTrue(info.path("initFrom").asText().startsWith(source.toString()), info.toString());
        assertEquals(2, info.path("resumes").get(0).path("step").asLong());
    }

    @Test
    void weightsOfAnotherModelConfigAreRefusedWithAMessage() {
        TinyConfig c = TinyConfig.small(4);
        Path first = tmp.resolve("first");
        new Trainer<>(first, c.train, new TinyTask(c)).progressBar(false).run();

        TinyConfig wider = TinyConfig.small(4);
        wider.model.width = 32;
        Trainer<TinyTask.Batch> t = new Trainer<>(tmp.resolve("wider"), wider.train, new TinyTask(wider)).progressBar(false)
                .initFrom(TestRuns.latestCheckpoint(first));
        TrainingException e = assertThrows(TrainingException.class, t::run);
        assertTrue(e.getMessage().contains("different model config"), e.getMessage());
        assertTrue(e.getMessage().contains(TestRuns.latestCheckpoint(first).toString()), e.getMessage());
    }

    private static JsonNode readJson(Path file) {
        try {
            return MetricsLog.JSON.readTree(Files.readString(file));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
