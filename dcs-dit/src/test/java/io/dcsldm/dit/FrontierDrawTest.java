package io.dcsldm.dit;

import io.dcsldm.core.config.InvalidValueException;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The frontier temporal patch of training causal in time ({@link FlowObjective#forwardBackwardCausalInTime}): equally
 * likely patches by default, drawn as before {@code flow.frontierZeroShare} existed, or patch 0 with the given share.
 */
class FrontierDrawTest {
    private static final int TIMES = 4, DRAWS = 40_000;

    @Test
    void theDefaultDrawsEveryPatchAlikeWithTheFormerSingleDraw() {
        SplittableRandom a = new SplittableRandom(7), b = new SplittableRandom(7);
        int[] counts = new int[TIMES];
        for (int i = 0; i < DRAWS; i++) {
            int k = FlowObjective.frontier(a, TIMES, FlowObjective.Settings.UNIFORM_FRONTIER);
            assertEquals(b.nextInt(TIMES), k, "draw " + i + " differs from the former r.nextInt(times)");
            counts[k]++;
        }
        for (int k = 0; k < TIMES; k++)
            assertEquals(0.25, counts[k] / (double) DRAWS, 0.01, "share of frontier " + k);
    }

    @Test
    void aZeroShareSetsPatchZerosProbabilityAndSplitsTheRestEqually() {
        SplittableRandom r = new SplittableRandom(11);
        int[] counts = new int[TIMES];
        for (int i = 0; i < DRAWS; i++) counts[FlowObjective.frontier(r, TIMES, 0.5)]++;
        assertEquals(0.5, counts[0] / (double) DRAWS, 0.01, "share of frontier 0");
        for (int k = 1; k < TIMES; k++)
            assertEquals(0.5 / 3, counts[k] / (double) DRAWS, 0.01, "share of frontier " + k);
        SplittableRandom s = new SplittableRandom(3);
        for (int i = 0; i < 1000; i++) {
            assertEquals(0, FlowObjective.frontier(s, TIMES, 1.0), "share 1: always patch 0");
            assertNotEquals(0, FlowObjective.frontier(s, TIMES, 0.0), "share 0: never patch 0");
            assertEquals(0, FlowObjective.frontier(s, 1, 0.3), "one temporal patch: always patch 0");
        }
    }

    @Test
    void aShareOutsideTheUnitIntervalIsRefusedNamingTheKey() {
        FlowObjective.Settings settings = new FlowObjective.Settings();
        settings.frontierZeroShare = 1.5;
        InvalidValueException e = assertThrows(InvalidValueException.class, settings::validate);
        assertTrue(e.getMessage().contains("flow.frontierZeroShare") && e.getMessage().contains("1.5"), e.getMessage());
        settings.frontierZeroShare = Double.NaN;
        assertThrows(InvalidValueException.class, settings::validate);
        settings.frontierZeroShare = FlowObjective.Settings.UNIFORM_FRONTIER;
        settings.validate();
    }
}
