package io.dcsldm.core.optim;

import io.dcsldm.core.nn.Param;
import io.dcsldm.core.nn.ParamStore;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradClipTest {
    /** The per-parameter host computation the device-side accumulation replaced. */
    private static double hostNorm(List<Param> params) {
        double sq = 0;
        for (Param p : params) {
            double n = p.grad().norm2Number().doubleValue();
            sq += n * n;
        }
        return Math.sqrt(sq);
    }

    private static List<Param> params(DataType dt) {
        ParamStore ps = new ParamStore(dt, 3);
        ps.normal("a", 1.0, true, 17, 5);
        ps.normal("b", 1.0, true, 1, 300);
        ps.normal("c", 1.0, false, 2, 3, 4);
        for (Param p : ps.all()) p.grad().assign(p.value().mul(0.37));
        return ps.all();
    }

    @Test
    void globalNormMatchesPerParameterHostSumBitForBit() {
        for (DataType dt : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            List<Param> ps = params(dt);
            assertEquals(Double.doubleToRawLongBits(hostNorm(ps)), Double.doubleToRawLongBits(GradClip.globalNorm(ps)), dt.toString());
        }
        assertEquals(0.0, GradClip.globalNorm(List.of()));
    }

    @Test
    void clipScalesToMaxNormAndReportsNonFinite() {
        List<Param> ps = params(DataType.DOUBLE);
        double before = GradClip.clip(ps, 1.0);
        assertTrue(before > 1.0);
        assertEquals(1.0, GradClip.globalNorm(ps), 1e-5);
        ps.get(1).grad().putScalar(0, Double.NaN);
        assertTrue(Double.isNaN(GradClip.clip(ps, 1.0)));
        ps.get(1).grad().putScalar(0, Double.POSITIVE_INFINITY);
        assertEquals(Double.POSITIVE_INFINITY, GradClip.clip(ps, 1.0));
    }
}
