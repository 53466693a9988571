package io.dcsldm.tok;

import io.dcsldm.core.nn.Param;
import io.dcsldm.core.nn.ParamStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** DESIGN §5 properties 1–3 on the tokenizer, and its whole backward against finite differences. */
class DcsTokenizerTest {
    private static DataType savedDefault;

    @BeforeAll
    static void doubles() {
        savedDefault = Nd4j.defaultFloatingPointType();
    }

    @AfterAll
    static void restore() {
        Nd4j.setDefaultDataTypes(savedDefault, savedDefault);
    }

    static TokConfig tiny() {
        TokConfig c = new TokConfig();
        c.k = 2;
        c.levels = 3;
        c.tokensPerLevel = 2;
        c.latentChannels = 2;
        c.width = 16;
        c.heads = 2;
        c.encoderDepth = 2;
        c.decoderDepth = 2;
        c.pixelWidth = 8;
        c.fourierFreqs = 2;
        c.mlpRatio = 2;
        return c;
    }

    @Test
    void latentShapeDoesNotDependOnResolution() {
        DcsTokenizer tok = new DcsTokenizer(tiny(), 1);
        long[] shape = null;
        for (int size : new int[]{8, 16, 32}) {
            Latent z = tok.encode(Nd4j.rand(DataType.FLOAT, 2, 1, size, size));
            if (shape == null) shape = z.tokens().shape();
            assertArrayEquals(shape, z.tokens().shape(), "latent shape at " + size + "px");
        }
        // wide aspect ratio: more patches along the long side, same at every scale
        Latent a = tok.encode(Nd4j.rand(DataType.FLOAT, 1, 1, 8, 16));
        Latent b = tok.encode(Nd4j.rand(DataType.FLOAT, 1, 1, 16, 32));
        assertArrayEquals(a.tokens().shape(), b.tokens().shape());
        assertEquals(8 * 3 * 2, a.tokens().size(1)); // 2×4 patches × 3 levels × m=2
    }

    @Test
    void anyLatentDecodesAtAnyScaleTheGridDivides() {
        DcsTokenizer tok = new DcsTokenizer(tiny(), 2);
        Latent z = tok.encode(Nd4j.rand(DataType.FLOAT, 2, 1, 16, 16));
        for (int size : new int[]{4, 8, 16, 32, 64}) {
            INDArray img = tok.decode(z.prefix(2), size, size);
            assertArrayEquals(new long[]{2, 1, size, size}, img.shape());
            assertTrue(img.minNumber().doubleValue() >= 0 && img.maxNumber().doubleValue() <= 1);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.decode(z, 15, 15));
        assertTrue(e.getMessage().contains("15×15"), e.getMessage());
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> tok.encode(Nd4j.rand(DataType.FLOAT, 1, 1, 9, 9)));
        assertTrue(e2.getMessage().contains("9×9"), e2.getMessage());
        IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class, () -> tok.encode(Nd4j.rand(DataType.FLOAT, 1, 3, 8, 8)));
        assertTrue(e3.getMessage().contains("3 channels"), e3.getMessage());
    }

    /** Property 2 through the decoder: outputs for levels ≤ ℓ ignore whatever levels > ℓ hold. */
    @Test
    void decoderPrefixIgnoresHigherLevels() {
        TokConfig c = tiny();
        DcsTokenizer tok = new DcsTokenizer(c, 3);
        Latent z = tok.encode(Nd4j.rand(DataType.FLOAT, 2, 1, 16, 16));
        for (int l = 1; l < c.levels; l++) {
            INDArray prefixOnly = tok.decode(z.prefix(l), 16, 16);
            INDArray noisy = z.tokens().dup();
            int from = z.layout().tokens(l);
            noisy.get(NDArrayIndex.all(), NDArrayIndex.interval(from, noisy.size(1)), NDArrayIndex.all())
                    .assign(Nd4j.randn(DataType.FLOAT, 2, noisy.size(1) - from, c.latentChannels).muli(100));
            INDArray viaNoisy = tok.decode(new Latent(noisy, z.layout(), c.levels).prefix(l), 16, 16);
            assertTrue(io.dcsldm.core.nn.Ops.bitIdentical(prefixOnly, viaNoisy), "level " + l);
            // inside a run over all levels, outputs of levels ≤ ℓ do not depend on the higher levels, bit for bit
            assertTrue(tok.decoderPrefixIsCausal(z.tokens(), l), "decoder outputs of levels < " + (l + 1) + " changed");
            // and equal a run that never saw the higher levels, up to float rounding (other GEMM shapes)
            double d = tok.decoderPrefixRunDifference(z.tokens(), l);
            assertTrue(d < 1e-5, "prefix-only decoder run differs by " + d);
        }
    }

    /** Property 2 through the encoder: latent tokens of levels ≤ ℓ ignore the patchifier tokens of levels > ℓ. */
    @Test
    void encoderPrefixIgnoresHigherLevels() {
        DcsTokenizer tok = new DcsTokenizer(tiny(), 4);
        INDArray img = Nd4j.rand(DataType.FLOAT, 2, 1, 8, 8);
        for (int l = 1; l < 3; l++) assertTrue(tok.encoderPrefixIsCausal(img, l), "level " + l);
    }

    /** The whole tokenizer backward against central differences, in double precision. */
    @Test
    void gradientsMatchFiniteDifferences() {
        checkGradients(tiny(), false);
    }

    /** The same with the global linear code: gradients reach the encoder through the linear reconstruction too. */
    @Test
    void gradientsMatchFiniteDifferencesWithLinearCode() {
        TokConfig c = tiny();
        c.linearCode = true;
        checkGradients(c, true);
    }

    private static void checkGradients(TokConfig cfg, boolean linear) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        ParamStore store = new ParamStore(DataType.DOUBLE, 5);
        DcsTokenizer tok = new DcsTokenizer(cfg, store);
        if (linear) {
            tok.setLinearCode(LinearCodeTest.randomCode(cfg, 8, 8, 11));
            // the residual paths start at zero; give them values so that every gradient path is exercised
            for (Param p : store.all()) p.value().addi(Nd4j.randn(DataType.DOUBLE, p.value().shape()).muli(0.05));
        }
        Random r = new Random(7);
        INDArray in = Nd4j.rand(DataType.DOUBLE, 2, 1, 8, 8);
        INDArray target = Nd4j.rand(DataType.DOUBLE, 2, 1, 16, 16);
        int[] levels = {2, 3};
        store.zeroGrads();
        tok.forwardBackward(in, target, levels, 1.0);
        double worst = 0;
        int checked = 0;
        for (Param p : store.all()) {
            INDArray v = p.value().reshape(p.size());
            INDArray g = p.grad().reshape(p.size()).dup();
            for (int n = 0; n < Math.min(6, p.size()); n++) {
                int i = r.nextInt((int) p.size());
                double orig = v.getDouble(i), eps = 1e-6;
                v.putScalar(i, orig + eps);
                double lp = lossOnly(tok, store, in, target, levels);
                v.putScalar(i, orig - eps);
                double lm = lossOnly(tok, store, in, target, levels);
                v.putScalar(i, orig);
                double fd = (lp - lm) / (2 * eps);
                double an = g.getDouble(i);
                // relative error, with gradients below 1e-4 compared absolutely (a key bias has a true gradient of 0)
                double rel = Math.abs(fd - an) / Math.max(Math.max(Math.abs(fd), Math.abs(an)), 1e-4);
                worst = Math.max(worst, rel);
                checked++;
                assertTrue(rel < 1e-5, p.name() + "[" + i + "]: analytic " + an + " vs numeric " + fd);
            }
        }
        System.out.printf("tokenizer FD check (linear code " + linear + "): %d elements, max relative error %.2e%n", checked, worst);
        Nd4j.setDefaultDataTypes(savedDefault, savedDefault);
    }

    private static double lossOnly(DcsTokenizer tok, ParamStore store, INDArray in, INDArray target, int[] levels) {
        double l = tok.forwardBackward(in, target, levels, 0.0);
        return l;
    }
}
