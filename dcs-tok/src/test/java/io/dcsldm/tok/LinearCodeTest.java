package io.dcsldm.tok;

import io.dcsldm.core.image.ResampleAxis;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import static org.junit.jupiter.api.Assertions.*;

/** The global linear code: PCA at initialisation, exact cross-scale resampling, and the prefix property. */
class LinearCodeTest {

    /** An orthonormal basis (QR of a Gaussian matrix), a mean and decreasing scales for {@code cfg}'s latent at {@code h × w}. */
    static LinearCode randomCode(TokConfig cfg, int h, int w, long seed) {
        Nd4j.getRandom().setSeed(seed);
        int pixels = cfg.channels * h * w;
        int floats = new DcsTokenizer(cfg, 0).layout(h, w).tokens() * cfg.latentChannels;
        INDArray g = Nd4j.randn(DataType.DOUBLE, pixels, floats);
        // Gram–Schmidt in double: columns of g → orthonormal rows of the basis
        double[][] u = new double[floats][];
        for (int f = 0; f < floats; f++) {
            double[] v = g.getColumn(f).toDoubleVector();
            for (int k = 0; k < f; k++) {
                double d = 0;
                for (int i = 0; i < pixels; i++) d += v[i] * u[k][i];
                for (int i = 0; i < pixels; i++) v[i] -= d * u[k][i];
            }
            double n = 0;
            for (double x : v) n += x * x;
            n = Math.sqrt(n);
            for (int i = 0; i < pixels; i++) v[i] /= n;
            u[f] = v;
        }
        double[] mean = Nd4j.rand(DataType.DOUBLE, pixels).muli(0.4).subi(0.2).toDoubleVector();
        double[] var = new double[floats];
        for (int f = 0; f < floats; f++) var[f] = 1.0 / (1 + f);
        return LinearCode.fromPca(cfg.channels, h, w, mean, u, var, floats);
    }

    static TokConfig linearTiny() {
        TokConfig c = DcsTokenizerTest.tiny();
        c.linearCode = true;
        return c;
    }

    /** An untrained tokenizer with a linear code reconstructs every prefix exactly as the code's PCA would. */
    @Test
    void untrainedTokenizerIsThePcaOfItsCode() {
        TokConfig c = linearTiny();
        DcsTokenizer tok = new DcsTokenizer(c, 3);
        LinearCode code = randomCode(c, 8, 8, 5);
        tok.setLinearCode(code);
        INDArray x = Nd4j.rand(DataType.FLOAT, 3, 1, 8, 8);
        Latent z = tok.encode(x);
        INDArray u = code.components().castTo(DataType.DOUBLE), mu = code.mean().castTo(DataType.DOUBLE).reshape(1, -1);
        INDArray centred = x.castTo(DataType.DOUBLE).reshape(3, -1).muli(2).subi(1).subiRowVector(mu);
        for (int l = 1; l <= c.levels; l++) {
            int n = z.layout().tokens(l) * c.latentChannels;
            INDArray ul = u.get(NDArrayIndex.interval(0, n), NDArrayIndex.all());
            INDArray pca = centred.mmul(ul.transpose()).mmul(ul).addiRowVector(mu).addi(1).muli(0.5);
            INDArray expected = Transforms.min(Transforms.max(pca, 0.0, false), 1.0, false);
            INDArray got = tok.decode(z.prefix(l), 8, 8).castTo(DataType.DOUBLE).reshape(3, -1);
            double err = Transforms.abs(got.sub(expected)).maxNumber().doubleValue();
            assertTrue(err < 1e-5, "level " + l + ": max |tokenizer − PCA| = " + err);
        }
        // whitened: the coordinates are (x − μ)·u_f / σ_f
        INDArray coords = centred.mmul(u.transpose()).diviRowVector(code.scale().castTo(DataType.DOUBLE).reshape(1, -1));
        INDArray raw = tok.encodeUnnormalized(x).castTo(DataType.DOUBLE).reshape(3, -1);
        assertTrue(Transforms.abs(raw.sub(coords)).maxNumber().doubleValue() < 1e-4);
    }

    /** Encoding at double size equals encoding the area-downsampled image; decoding at other sizes resamples the native decode. */
    @Test
    void crossScaleIsExactResampling() {
        TokConfig c = linearTiny();
        LinearCode code = randomCode(c, 8, 8, 6);
        INDArray big = Nd4j.rand(DataType.FLOAT, 2, 1, 16, 16).muli(2).subi(1);
        INDArray down = resample(big, 8, 8);
        INDArray a = code.encode(big), b = code.encode(down);
        assertTrue(Transforms.abs(a.sub(b)).maxNumber().doubleValue() < 1e-4, "encode(16px) vs encode(area→8px)");
        INDArray z = Nd4j.randn(DataType.FLOAT, 2, code.floats());
        INDArray nat = code.decode(z, 8, 8);
        for (int size : new int[]{4, 16}) {
            INDArray direct = code.decode(z, size, size), via = resample(nat, size, size);
            assertTrue(Transforms.abs(direct.sub(via)).maxNumber().doubleValue() < 1e-4, "decode at " + size);
        }
        // decodeBackward is the adjoint of decode's linear part
        INDArray dy = Nd4j.randn(DataType.FLOAT, 2, 1, 16, 16);
        INDArray zero = code.decode(Nd4j.zeros(DataType.FLOAT, 2, code.floats()), 16, 16);
        double lhs = code.decode(z, 16, 16).subi(zero).mul(dy).sumNumber().doubleValue();
        double rhs = code.decodeBackward(dy, code.floats()).mul(z).sumNumber().doubleValue();
        assertEquals(lhs, rhs, 1e-3 * Math.abs(lhs));
    }

    /** Prefix property with the linear code: a prefix decodes identically whatever the later tokens hold. */
    @Test
    void prefixIgnoresHigherLevels() {
        TokConfig c = linearTiny();
        DcsTokenizer tok = new DcsTokenizer(c, 8);
        tok.setLinearCode(randomCode(c, 8, 8, 9));
        Latent z = tok.encode(Nd4j.rand(DataType.FLOAT, 2, 1, 8, 8));
        for (int l = 1; l < c.levels; l++) {
            INDArray noisy = z.tokens().dup();
            int from = z.layout().tokens(l);
            noisy.get(NDArrayIndex.all(), NDArrayIndex.interval(from, noisy.size(1)), NDArrayIndex.all())
                    .assign(Nd4j.randn(DataType.FLOAT, 2, noisy.size(1) - from, c.latentChannels).muli(100));
            assertTrue(io.dcsldm.core.nn.Ops.bitIdentical(tok.decode(z.prefix(l), 16, 16), tok.decode(new Latent(noisy, z.layout(), c.levels).prefix(l), 16, 16)), "level " + l);
        }
    }

    @Test
    void misfitCodesAreRejected() {
        TokConfig c = linearTiny();
        DcsTokenizer tok = new DcsTokenizer(c, 1);
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> tok.encode(Nd4j.rand(DataType.FLOAT, 1, 1, 8, 8)));
        assertTrue(missing.getMessage().contains("linear code"), missing.getMessage());
        TokConfig other = DcsTokenizerTest.tiny();
        other.levels = 2;
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> tok.setLinearCode(randomCode(other, 8, 8, 1)));
        assertTrue(wrong.getMessage().contains("floats"), wrong.getMessage());
    }

    private static INDArray resample(INDArray x, int outH, int outW) {
        INDArray rh = Nd4j.create(ResampleAxis.auto((int) x.size(2), outH).dense((int) x.size(2))).castTo(x.dataType());
        INDArray rw = Nd4j.create(ResampleAxis.auto((int) x.size(3), outW).dense((int) x.size(3))).castTo(x.dataType());
        INDArray out = Nd4j.create(x.dataType(), x.size(0), x.size(1), outH, outW);
        for (int b = 0; b < x.size(0); b++)
            for (int ch = 0; ch < x.size(1); ch++)
                out.get(NDArrayIndex.point(b), NDArrayIndex.point(ch)).assign(rh.mmul(x.get(NDArrayIndex.point(b), NDArrayIndex.point(ch))).mmul(rw.transpose()));
        return out;
    }
}
