package io.dcsldm.train.loop;

import com.fasterxml.jackson.databind.JsonNode;
import io.dcsldm.core.checkpoint.Checkpoint;
import io.dcsldm.core.nn.Param;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Determinism contract, part 2: train k steps of an N-step run in one JVM, stop it, resume in a NEW JVM to
 * N — the final parameters, AdamW moments, EMA weights and extra state are bit-identical to an
 * uninterrupted N-step run (here in the test JVM, a third process), and so is every logged loss, learning
 * rate, gradient norm and evaluation.
 */
class TrainerResumeTest {
    private static final long N = 12;

    @TempDir
    Path tmp;

    @Test
    void resumeInNewJvmIsBitIdenticalToUninterruptedRun() throws Exception {
        Path resumed = tmp.resolve("resumed");
        // k = 5 is not a multiple of checkpointEvery (4): the stop itself writes the checkpoint
        TestRuns.ChildResult first = TestRuns.runChild(120, "train", resumed.toString(), Long.toString(N), "5");
        assertEquals(0, first.exitCode(), first.stderr());
        assertTrue(first.stdout().contains("STOPPED 5"), first.stdout());
        assertEquals(5, TestRuns.latest(resumed).step());

        TestRuns.ChildResult second = TestRuns.runChild(120, "train", resumed.toString(), Long.toString(N), Long.toString(N));
        assertEquals(0, second.exitCode(), second.stderr());
        assertTrue(second.stdout().contains("STOPPED " + N), second.stdout());

        Path straight = tmp.resolve("straight");
        TinyConfig c = TinyConfig.small(N);
        TinyTask task = new TinyTask(c);
        new Trainer<>(straight, c.train, task).progressBar(false).run();

        Checkpoint a = TestRuns.latest(straight);
        Checkpoint b = TestRuns.latest(resumed);
        assertEquals(N, a.step());
        assertEquals(N, b.step());
        int n = TestRuns.assertBitIdentical(a.tensors(), b.tensors(), name -> true);
        assertEquals(1 + 3 * task.params().all().size(), n, "params, opt/, ema/ and extra/ tensors compared");
        // the in-memory weights of the uninterrupted run are the checkpoint's (EMA swapped back exactly)
        for (Param p : task.params().all()) {
            assertTrue(TestRuns.bitIdentical(p.value(), b.tensor(p.name())), p.name());
        }
        assertEquals(N * c.train.batchSize, task.samplesSeen());

        // metrics.jsonl of the resumed run reads like the uninterrupted one (wall times aside)
        List<JsonNode> ma = TestRuns.metricsWithoutTimes(straight);
        List<JsonNode> mb = TestRuns.metricsWithoutTimes(resumed);
        assertEquals(ma, mb);
        assertTrue(ma.stream().anyMatch(r -> r.path("type").asText().equals("eval")), "evaluation rows present");

        // run.json records the resume
        JsonNode info = MetricsLog.JSON.readTree(Files.readString(resumed.resolve(Trainer.RUN_INFO_FILE)));
        assertEquals(0, info.path("startStep").asLong());
        assertEquals(5, info.path("resumes").get(0).path("step").asLong());
    }
}
