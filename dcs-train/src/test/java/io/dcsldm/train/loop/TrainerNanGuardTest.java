package io.dcsldm.train.loop;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The NaN/Inf guard: a non-finite step changes nothing and is logged; too many in a row abort clearly. */
class TrainerNanGuardTest {
    @TempDir
    Path tmp;

    private static JsonNode trainRow(Path dir, long step) {
        return TestRuns.metrics(dir).stream()
                .filter(r -> r.path("type").asText().equals("train") && r.path("step").asLong() == step)
                .findFirst().orElseThrow(() -> new AssertionError("no train row for step " + step));
    }

    @Test
    void nonFiniteStepIsSkippedWithoutTouchingWeightsOptimizerOrEma() {
        TinyConfig c = TinyConfig.small(8);
        c.data.nanSteps = List.of(3L);       // the 4th update: NaN loss
        c.data.infGradSteps = List.of(5L);   // the 6th update: finite loss, infinite gradient
        Path skipped = tmp.resolve("skipped");
        new Trainer<>(skipped, c.train, new TinyTask(c)).progressBar(false).run(4);
        Path before = tmp.resolve("before");
        new Trainer<>(before, c.train, new TinyTask(c)).progressBar(false).run(3);
        // after the skipped 4th update, weights, AdamW moments and EMA are those after the 3rd, bit for bit
        int n = TestRuns.assertBitIdentical(TestRuns.latest(before).tensors(), TestRuns.latest(skipped).tensors(),
                name -> !name.startsWith("extra/"));
        assertTrue(n > 3);

        JsonNode row = trainRow(skipped, 4);
        assertTrue(row.path("skipped").asBoolean());
        assertEquals("NaN", row.path("loss").asText());
        assertFalse(trainRow(skipped, 3).path("skipped").asBoolean());

        // resume and finish: the infinite-gradient step is skipped too, the run completes
        TrainResult r = new Trainer<>(skipped, c.train, new TinyTask(c)).progressBar(false).run();
        assertEquals(8, r.endStep());
        assertEquals(2, r.skippedSteps());
        JsonNode inf = trainRow(skipped, 6);
        assertTrue(inf.path("skipped").asBoolean());
        assertTrue(inf.path("loss").isNumber() && Double.isFinite(inf.path("loss").asDouble()));
        assertEquals("Infinity", inf.path("grad_norm").asText());
        assertTrue(Double.isFinite(r.lastLoss()));
    }

    @Test
    void badStepsThatAreNotConsecutiveDoNotAbort() {
        TinyConfig c = TinyConfig.small(8);
        c.train.maxBadSteps = 3;
        c.data.nanSteps = List.of(1L, 2L, 4L, 5L);
        TrainResult r = new Trainer<>(tmp, c.train, new TinyTask(c)).progressBar(false).run();
        assertEquals(8, r.endStep());
        assertEquals(4, r.skippedSteps());
    }

    @Test
    void consecutiveBadStepsAbortWithOneLineMessage() {
        TinyConfig c = TinyConfig.small(20);
        c.data.nanSteps = List.of(2L, 3L, 4L, 5L, 6L);
        TrainingException e = assertThrows(TrainingException.class,
                () -> new Trainer<>(tmp, c.train, new TinyTask(c)).progressBar(false).run());
        assertTrue(e.getMessage().startsWith("training aborted at step 5: 3 consecutive steps had a non-finite loss"
                + " or gradient norm (train.maxBadSteps = 3; last: loss NaN, gradient norm "), e.getMessage());
        assertTrue(e.getMessage().contains("the weights are those of step 2"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(5, TestRuns.metrics(tmp).stream().filter(r -> r.path("type").asText().equals("train")).count());
    }

    @Test
    void userSeesAWarningPerSkippedStepAndTheAbortMessage() {
        TestRuns.ChildResult r = TestRuns.runChild(120, "nan-abort", tmp.resolve("run").toString());
        assertEquals(2, r.exitCode(), r.stderr());
        List<String> lines = r.stderr().lines().toList();
        for (int step = 3; step <= 5; step++) {
            String prefix = "step " + step + ": loss NaN";
            assertTrue(lines.stream().anyMatch(l -> l.contains("WARN") && l.contains(prefix) && l.contains("update skipped")),
                    "warning for step " + step + " in:\n" + r.stderr());
        }
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("error: training aborted at step 5: 3 consecutive steps")),
                r.stderr());
    }
}
