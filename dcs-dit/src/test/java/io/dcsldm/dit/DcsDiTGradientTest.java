package io.dcsldm.dit;

import io.dcsldm.core.nn.Param;
import io.dcsldm.core.nn.ParamStore;
import io.dcsldm.tok.TokenLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole DCS-DiT backward (blocks, conditioning, label/timestep/level embeddings, final layer) against central differences in double. */
class DcsDiTGradientTest {
    private final DataType saved = Nd4j.defaultFloatingPointType();

    @AfterEach
    void restore() {
        Nd4j.setDefaultDataTypes(saved, saved);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        check(false);
    }

    /**
     * The same with one flow time per temporal patch ({@link DcsDiT#forwardPerTime}): adaLN per run of tokens, a
     * clean patch (t = 0) beside a noisy one, on a layout with two temporal patches.
     */
    @Test
    void gradientsMatchFiniteDifferencesWithOneTimePerTemporalPatch() {
        check(true);
    }

    private void check(boolean perTime) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        DitConfig cfg = new DitConfig();
        cfg.width = 16;
        cfg.depth = 2;
        cfg.heads = 2;
        cfg.mlpRatio = 2;
        cfg.classes = 3;
        cfg.frequencyWidth = 8;
        ParamStore store = new ParamStore(DataType.DOUBLE, 3);
        DcsDiT m = new DcsDiT(cfg, perTime ? new TokenLayout(2, 2, 1, 2, 1) : new TokenLayout(2, 1, 2, 2, 1), 2, store);
        // adaLN-Zero starts many paths at zero; give every parameter a value so all gradient paths are live
        Nd4j.getRandom().setSeed(11); // the test must not depend on what ran before it
        for (Param p : store.all()) p.value().addi(Nd4j.randn(DataType.DOUBLE, p.value().shape()).muli(0.1));
        int b = 2, l = 2, n = 8;
        INDArray zt = Nd4j.randn(DataType.DOUBLE, (long) b * n, 2);
        INDArray r = Nd4j.randn(DataType.DOUBLE, (long) b * n, 2);
        double[] t = perTime ? new double[]{0.0, 0.3, 0.6, 0.8} : new double[]{0.3, 0.8};
        int[] y = {1, cfg.classes}; // one real class, one null class
        store.zeroGrads();
        forward(m, perTime, zt, t, y, l);
        m.backward(r.dup());
        Random rnd = new Random(5);
        double worst = 0;
        int checked = 0;
        for (Param p : store.all()) {
            INDArray v = p.value().reshape(p.size());
            INDArray g = p.grad().reshape(p.size()).dup();
            for (int k = 0; k < Math.min(5, p.size()); k++) {
                int i = rnd.nextInt((int) p.size());
                double orig = v.getDouble(i), eps = 1e-6;
                v.putScalar(i, orig + eps);
                double lp = forward(m, perTime, zt, t, y, l).mul(r).sumNumber().doubleValue();
                v.putScalar(i, orig - eps);
                double lm = forward(m, perTime, zt, t, y, l).mul(r).sumNumber().doubleValue();
                v.putScalar(i, orig);
                double fd = (lp - lm) / (2 * eps), an = g.getDouble(i);
                // central differences carry a rounding error of about ε·|loss|/h ≈ 1e-16·10/1e-6 = 1e-9, so
                // gradients below 1e-3 are compared with an absolute budget of 1e-8, larger ones relatively
                double rel = Math.abs(fd - an) / Math.max(Math.max(Math.abs(fd), Math.abs(an)), 1e-3);
                worst = Math.max(worst, rel);
                checked++;
                assertTrue(rel < 1e-5, p.name() + "[" + i + "]: analytic " + an + " vs numeric " + fd);
            }
        }
        System.out.printf("DiT FD check (%s)", perTime ? "one time per temporal patch" : "one time per sample");
        System.out.printf(": %d elements, max relative error %.2e%n", checked, worst);
    }

    private static INDArray forward(DcsDiT m, boolean perTime, INDArray zt, double[] t, int[] y, int l) {
        return perTime ? m.forwardPerTime(zt, t, y, l) : m.forward(zt, t, y, l);
    }
}
