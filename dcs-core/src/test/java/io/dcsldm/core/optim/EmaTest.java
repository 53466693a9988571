package io.dcsldm.core.optim;

import io.dcsldm.core.nn.Param;
import io.dcsldm.core.nn.ParamStore;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The EMA's decay warm-up: early averages follow the live weights, later ones use the configured decay. */
class EmaTest {
    @Test
    void decayWarmsUpThenStaysAtTheConfiguredValue() {
        ParamStore store = new ParamStore(DataType.DOUBLE, 1);
        Param p = store.constant("w", 0, false, 1, 1);
        Ema ema = new Ema(store.all(), 0.999);
        assertEquals(2.0 / 11, ema.decayAt(1), 1e-15);
        assertEquals(0.999, ema.decayAt(1_000_000), 1e-15);
        // live weight jumps from 0 to 1 at step 1: the average moves by 1 − d(1) at once, not by 0.001
        p.value().assign(1.0);
        ema.update(1);
        assertEquals(1 - 2.0 / 11, ema.state().get("ema/w").getDouble(0), 1e-12);
        // after many steps at a constant live weight the average has converged (a plain 0.999 EMA would still hold 11 % of 0 after 2200)
        for (long s = 2; s <= 2200; s++) ema.update(s);
        assertEquals(1.0, ema.state().get("ema/w").getDouble(0), 1e-3);
        assertEquals(List.of("ema/w"), List.copyOf(ema.state().keySet()));
    }
}
