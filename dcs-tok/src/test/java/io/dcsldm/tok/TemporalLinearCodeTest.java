package io.dcsldm.tok;

import io.dcsldm.core.nn.Param;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The video tokenizer's linear code: the maps in time, an untrained tokenizer equal to the PCA of each
 * temporal patch at every level prefix, frame-rate changes as exact linear resampling, images as one-frame
 * temporal patches. Causality and gradients with the code are in {@link VideoTokenizerTest}.
 */
class TemporalLinearCodeTest {

    /** A random orthonormal code over {@code p} basis frames of an 8×8 temporal patch, installed in {@code image}; optionally the zero-initialised residual paths get values. */
    static void install(DcsTokenizer image, TokConfig c, int p, long seed, boolean perturbResiduals) {
        TokConfig frames = copy(c);
        frames.channels = c.channels * p;
        image.setLinearCode(LinearCodeTest.randomCode(frames, 8, 8, seed));
        if (perturbResiduals)
            for (Param q : image.params().all()) q.value().addi(Nd4j.randn(q.value().dataType(), q.value().shape()).muli(0.05));
    }

    static VideoTokenizer withRandomCode(TokConfig c, long seed, boolean perturbResiduals) {
        DcsTokenizer image = new DcsTokenizer(c, seed);
        install(image, c, 2, seed + 100, perturbResiduals);
        return new VideoTokenizer(image);
    }

    private static TokConfig copy(TokConfig c) {
        TokConfig d = VideoTokenizerTest.tiny();
        d.channels = c.channels;
        d.linearCode = c.linearCode;
        return d;
    }

    @Test
    void timeMapsAreAreaAveragesAndInterpolation() {
        // 32 fps into 2 basis frames: each basis frame the mean of 4 input frames
        double[][] a = TemporalLinearCode.inWeights(new double[]{0.0625, 0.1875, 0.3125, 0.4375, 0.5625, 0.6875, 0.8125, 0.9375}, 0.125, 2);
        assertArrayEquals(new double[]{0.25, 0.25, 0.25, 0.25, 0, 0, 0, 0}, a[0], 1e-12);
        assertArrayEquals(new double[]{0, 0, 0, 0, 0.25, 0.25, 0.25, 0.25}, a[1], 1e-12);
        // the basis rate itself: identity; an image (one frame lasting the whole patch): every basis frame is the image
        assertArrayEquals(new double[][]{{1, 0}, {0, 1}}, TemporalLinearCode.inWeights(new double[]{0.25, 0.75}, 0.5, 2));
        assertArrayEquals(new double[][]{{1}, {1}}, TemporalLinearCode.inWeights(new double[]{0.5}, 1, 2));
        // decoding at 16 fps: held at the ends, interpolated between the basis-frame centres 0.25 and 0.75
        double[][] m = TemporalLinearCode.outWeights(new double[]{0.125, 0.375, 0.625, 0.875}, 0.25, 2);
        assertArrayEquals(new double[][]{{1, 0}, {0.75, 0.25}, {0.25, 0.75}, {0, 1}}, m);
        // decoding an image (one long frame): the mean of the basis frames; at the basis rate: identity
        assertArrayEquals(new double[][]{{0.5, 0.5}}, TemporalLinearCode.outWeights(new double[]{0.5}, 1, 2));
        assertArrayEquals(new double[][]{{1, 0}, {0, 1}}, TemporalLinearCode.outWeights(new double[]{0.25, 0.75}, 0.5, 2));
        // 10 fps (2.5 frames per patch): rows still sum to 1
        for (double[] row : TemporalLinearCode.inWeights(new double[]{0.0, 0.4, 0.8}, 0.4, 2))
            assertEquals(1, java.util.Arrays.stream(row).sum(), 1e-12);
    }

    /** Untrained (zero residuals), every level prefix of every temporal patch decodes as that patch's PCA at the basis rate. */
    @Test
    void untrainedVideoTokenizerIsThePcaOfEachTemporalPatch() {
        TokConfig c = VideoTokenizerTest.tiny();
        c.linearCode = true;
        VideoTokenizer tok = withRandomCode(c, 4, false);
        LinearCode code = tok.imageTokenizer().linearCode();
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 8, 1, 8, 8);   // 1 s at 8 fps: 4 temporal patches of 2 frames
        Latent z = tok.encode(x, 8);
        INDArray u = code.components().castTo(DataType.DOUBLE), mu = code.mean().castTo(DataType.DOUBLE).reshape(1, -1);
        int perPatch = code.floats() / c.levels;                  // floats of one level of one temporal patch
        for (int l = 1; l <= c.levels; l++) {
            INDArray ul = u.get(NDArrayIndex.interval(0, l * perPatch), NDArrayIndex.all());
            INDArray got = tok.decode(z.prefix(l), 8, 8, 8).castTo(DataType.DOUBLE);
            for (int t = 0; t < 4; t++) {
                INDArray frames = x.get(NDArrayIndex.all(), NDArrayIndex.interval(2 * t, 2 * t + 2), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all())
                        .castTo(DataType.DOUBLE).dup('c').reshape(2, -1).muli(2).subi(1).subiRowVector(mu);
                INDArray pca = frames.mmul(ul.transpose()).mmul(ul).addiRowVector(mu).addi(1).muli(0.5);
                INDArray expected = Transforms.min(Transforms.max(pca, 0.0, false), 1.0, false);
                INDArray actual = got.get(NDArrayIndex.all(), NDArrayIndex.interval(2 * t, 2 * t + 2), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all())
                        .dup('c').reshape(2, -1);
                double err = Transforms.abs(actual.sub(expected)).maxNumber().doubleValue();
                assertTrue(err < 1e-5, "levels " + l + ", temporal patch " + t + ": max |tokenizer − PCA| = " + err);
            }
        }
    }

    /** Encoding at 32 fps is encoding the 8 fps area average; an image encodes as a patch of identical frames. */
    @Test
    void frameRatesAndImagesAreLinearResamplings() {
        TokConfig c = VideoTokenizerTest.tiny();
        c.linearCode = true;
        VideoTokenizer tok = withRandomCode(c, 5, false);
        INDArray x32 = Nd4j.rand(DataType.FLOAT, 1, 32, 1, 8, 8);
        INDArray x8 = x32.reshape(1, 8, 4, 1, 8, 8).mean(2);
        INDArray a = tok.encodeUnnormalized(x32, 32), b = tok.encodeUnnormalized(x8, 8);
        assertTrue(Transforms.abs(a.sub(b)).maxNumber().doubleValue() < 1e-4, "32 fps vs its 8 fps average");
        INDArray img = Nd4j.rand(DataType.FLOAT, 1, 1, 8, 8);
        INDArray still = Nd4j.concat(1, VideoTokenizer.asClip(img), VideoTokenizer.asClip(img)); // 0.25 s at 8 fps: one temporal patch
        INDArray zi = tok.encodeUnnormalized(VideoTokenizer.asClip(img), c.kt), zs = tok.encodeUnnormalized(still, 8);
        assertTrue(Transforms.abs(zi.sub(zs)).maxNumber().doubleValue() < 1e-4, "an image is a still temporal patch");
        // decoding: one long frame is the mean of the basis frames, 16 fps interpolates between them (before clamping)
        TemporalLinearCode code = new TemporalLinearCode(tok.imageTokenizer().linearCode(), 1);
        INDArray coords = Nd4j.randn(DataType.FLOAT, 1, code.floats());
        INDArray basis = code.decode(coords, new TemporalGrid(2, 8, 4), 0, 8, 8);
        INDArray f0 = basis.get(NDArrayIndex.all(), NDArrayIndex.point(0)).dup(), f1 = basis.get(NDArrayIndex.all(), NDArrayIndex.point(1)).dup();
        INDArray image = code.decode(coords, TemporalGrid.image(4), 0, 8, 8).reshape(f0.shape());
        assertTrue(Transforms.abs(image.sub(f0.add(f1).muli(0.5))).maxNumber().doubleValue() < 1e-5, "image = mean of the basis frames");
        INDArray at16 = code.decode(coords, new TemporalGrid(4, 16, 4), 0, 8, 8);
        INDArray second = at16.get(NDArrayIndex.all(), NDArrayIndex.point(1)).dup();
        assertTrue(Transforms.abs(second.sub(f0.mul(0.75).addi(f1.mul(0.25)))).maxNumber().doubleValue() < 1e-5, "16 fps frame 1");
    }

    /** The image paths of DcsTokenizer refuse a code that spans several frames, with a message; a non-multiple is refused at install. */
    @Test
    void misusedCodesAreRefusedWithAMessage() {
        TokConfig c = VideoTokenizerTest.tiny();
        c.linearCode = true;
        VideoTokenizer tok = withRandomCode(c, 6, false);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> tok.imageTokenizer().encode(Nd4j.rand(DataType.FLOAT, 1, 1, 8, 8)));
        assertTrue(e.getMessage().contains("VideoTokenizer"), e.getMessage());
        IllegalArgumentException wide = assertThrows(IllegalArgumentException.class, () -> tok.encode(Nd4j.rand(DataType.FLOAT, 1, 8, 1, 8, 16), 8));
        assertTrue(wide.getMessage().contains("patch grid"), wide.getMessage());
        TokConfig images = DcsTokenizerTest.tiny();
        images.linearCode = true;
        TokConfig two = copy(images);
        two.channels = 2;
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
                () -> new DcsTokenizer(images, 1).setLinearCode(LinearCodeTest.randomCode(two, 8, 8, 1)));
        assertTrue(f.getMessage().contains("channels"), f.getMessage());
        VideoTokenizer none = new VideoTokenizer(new DcsTokenizer(c, 7));
        IllegalStateException g = assertThrows(IllegalStateException.class, () -> none.encode(Nd4j.rand(DataType.FLOAT, 1, 8, 1, 8, 8), 8));
        assertTrue(g.getMessage().contains("no linear code"), g.getMessage());
    }
}
