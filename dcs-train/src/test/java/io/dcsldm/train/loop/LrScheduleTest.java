package io.dcsldm.train.loop;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Linear warm-up then cosine decay to lr·minLrRatio on the last step, at the steps that define it. */
class LrScheduleTest {
    private static TrainConfig cfg(long steps, long warmup, double lr, double minRatio) {
        TrainConfig c = new TrainConfig();
        c.steps = steps;
        c.warmupSteps = warmup;
        c.lr = lr;
        c.minLrRatio = minRatio;
        return c;
    }

    @Test
    void keySteps() {
        TrainConfig c = cfg(101, 10, 1e-3, 0.1);
        assertEquals(1e-4, LrSchedule.at(c, 0), 1e-18);            // first warm-up update: lr/W
        assertEquals(5e-4, LrSchedule.at(c, 4), 1e-18);
        assertEquals(1e-3, LrSchedule.at(c, 9), 1e-18);            // last warm-up update reaches lr
        assertEquals(1e-3, LrSchedule.at(c, 10), 1e-18);           // decay starts at lr (p = 0)
        assertEquals(1e-4 + 0.5 * 9e-4, LrSchedule.at(c, 55), 1e-15); // p = 1/2: halfway
        assertEquals(1e-4, LrSchedule.at(c, 100), 0.0);            // last update: exactly lr·minLrRatio
        for (long s = 10; s < 100; s++) {
            assertTrue(LrSchedule.at(c, s + 1) < LrSchedule.at(c, s), "decreasing at " + s);
        }
    }

    @Test
    void cosineShape() {
        TrainConfig c = cfg(41, 0, 1e-3, 0.2);  // p = s / 40
        double min = 2e-4;
        assertEquals(min + (1e-3 - min) * 0.5 * (1 + Math.cos(Math.PI / 4)), LrSchedule.at(c, 10), 1e-15);
        assertEquals(min + (1e-3 - min) * 0.5 * (1 + Math.cos(3 * Math.PI / 4)), LrSchedule.at(c, 30), 1e-15);
    }

    @Test
    void edgeCases() {
        assertEquals(2e-3, LrSchedule.at(cfg(50, 0, 2e-3, 0.0), 0), 0.0);   // no warm-up: start at lr
        assertEquals(0.0, LrSchedule.at(cfg(50, 0, 2e-3, 0.0), 49), 0.0);   // decay to zero
        assertEquals(3e-4, LrSchedule.at(cfg(20, 5, 3e-4, 1.0), 17), 1e-18); // minLrRatio 1: constant after warm-up
        assertEquals(1e-5, LrSchedule.at(cfg(1, 0, 1e-4, 0.1), 0), 1e-20);   // a one-step run is its last step
        TrainConfig allWarm = cfg(10, 10, 1e-3, 0.1);
        assertEquals(1e-3, LrSchedule.at(allWarm, 9), 1e-18);                // warm-up covering the run
    }

    @TempDir
    Path tmp;

    @Test
    void trainerLogsTheScheduledRate() {
        TinyConfig c = TinyConfig.small(10);
        new Trainer<>(tmp, c.train, new TinyTask(c)).progressBar(false).run();
        int rows = 0;
        for (JsonNode r : TestRuns.metrics(tmp)) {
            if (r.path("type").asText().equals("train")) {
                assertEquals(LrSchedule.at(c.train, r.path("step").asLong() - 1), r.path("lr").asDouble(), 0.0);
                rows++;
            }
        }
        assertEquals(10, rows);
    }
}
