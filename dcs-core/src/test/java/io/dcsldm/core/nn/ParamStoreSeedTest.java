package io.dcsldm.core.nn;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The same seed gives bit-identical initial weights — including seed 0, which ND4J's generator would take from the clock. */
class ParamStoreSeedTest {
    private static ParamStore store(long seed) {
        ParamStore s = new ParamStore(DataType.FLOAT, seed);
        s.uniform("u", 0.5, true, 4, 16);
        s.normal("n", 0.02, true, 3, 16);
        return s;
    }

    @Test
    void everySeedIncludingZeroIsReproducible() {
        for (long seed : new long[]{0, 1, 1234, 1L << 32, -1L << 32}) {
            ParamStore a = store(seed), b = store(seed), c = store(seed);
            for (String name : new String[]{"u", "n"}) {
                assertTrue(Ops.bitIdentical(a.get(name).value(), b.get(name).value()), "seed " + seed + ", " + name);
                assertTrue(Ops.bitIdentical(a.get(name).value(), c.get(name).value()), "seed " + seed + ", " + name);
            }
        }
        long[] distinct = {0, 1, 5};
        for (int i = 0; i < distinct.length; i++)
            for (int j = i + 1; j < distinct.length; j++)
                assertFalse(Ops.bitIdentical(store(distinct[i]).get("u").value(), store(distinct[j]).get("u").value()),
                        "seeds " + distinct[i] + " and " + distinct[j] + " draw different weights");
    }
}
