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

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** DESIGN §4 and §5 for video: latent shape vs frame rate and resolution, temporal causality, images as one-frame clips. */
class VideoTokenizerTest {
    private static DataType savedDefault;

    @BeforeAll
    static void save() { savedDefault = Nd4j.defaultFloatingPointType(); }

    @AfterAll
    static void restore() { Nd4j.setDefaultDataTypes(savedDefault, savedDefault); }

    /** Tiny model: k = 2 (2×2 spatial grid), k_t = 4 temporal patches per second, 3 levels of 2 tokens. */
    static TokConfig tiny() {
        TokConfig c = DcsTokenizerTest.tiny();
        c.kt = 4;
        return c;
    }

    static INDArray clip(int frames, int size, long seed) {
        return Nd4j.rand(Nd4j.getRandomFactory().getNewRandomInstance(seed), 1, frames, 1, size, size).castTo(DataType.FLOAT);
    }

    /** Acceptance (1): one second of video gives the same latent shape at 8, 16 and 32 fps and at two resolutions. */
    @Test
    void latentShapeIsTheSameAtEveryFrameRateAndResolution() {
        VideoTokenizer tok = new VideoTokenizer(new DcsTokenizer(tiny(), 1));
        long[] shape = null;
        for (int fps : new int[]{8, 16, 32})
            for (int size : new int[]{8, 16}) {
                Latent z = tok.encode(clip(fps, size, fps * 100L + size), fps);
                if (shape == null) shape = z.tokens().shape();
                assertArrayEquals(shape, z.tokens().shape(), fps + " fps, " + size + " px");
                assertEquals(4, z.layout().times(), "G_t = duration · k_t");
            }
        // 4 temporal × 2×2 spatial patches × 3 levels × m = 2
        assertArrayEquals(new long[]{1, 4 * 4 * 3 * 2, 2}, shape);
        // a frame rate that is not a multiple of k_t (10 fps: 2.5 frames per temporal patch) gives the same grid
        assertArrayEquals(shape, tok.encode(clip(10, 8, 5), 10).tokens().shape());
        // twice the duration, twice the temporal patches
        assertEquals(2 * shape[1], tok.encode(clip(16, 8, 6), 8).tokens().size(1));
        // a clip that does not fill whole temporal patches is an error, not a truncation
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.encode(clip(7, 8, 7), 8));
        assertTrue(e.getMessage().contains("not a whole number of temporal patches"), e.getMessage());
    }

    /** Any latent decodes at any frame rate that fills its duration, and at any size the grid divides. */
    @Test
    void decodesAtAnyFrameRateAndSize() {
        VideoTokenizer tok = new VideoTokenizer(new DcsTokenizer(tiny(), 2));
        Latent z = tok.encode(clip(8, 8, 1), 8);
        for (int fps : new int[]{4, 8, 10, 16, 32})
            for (int size : new int[]{8, 16}) {
                INDArray v = tok.decode(z.prefix(2), fps, size, size);
                assertArrayEquals(new long[]{1, fps, 1, size, size}, v.shape());
                assertTrue(v.minNumber().doubleValue() >= 0 && v.maxNumber().doubleValue() <= 1);
            }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.decode(z, 2, 8, 8));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    /**
     * Acceptance (2), temporal causality: the decoded frames of temporal patch t are bit-identical whatever the
     * tokens of later temporal patches hold (all levels), at every output frame rate; likewise the latent
     * tokens of patch t ignore the frames of later patches. Together with levels (property 2).
     */
    @Test
    void framesOfATemporalPatchIgnoreLaterPatches() {
        TokConfig c = tiny();
        checkTemporalCausality(c, new VideoTokenizer(new DcsTokenizer(c, 3)));
    }

    /** The same with the linear code (model.linearCode), its residual paths given values so both parts take part. */
    @Test
    void framesOfATemporalPatchIgnoreLaterPatchesWithLinearCode() {
        TokConfig c = tiny();
        c.linearCode = true;
        checkTemporalCausality(c, TemporalLinearCodeTest.withRandomCode(c, 3, true));
    }

    private static void checkTemporalCausality(TokConfig c, VideoTokenizer tok) {
        INDArray x = clip(8, 8, 11);
        Latent z = tok.encode(x, 8);
        TokenLayout layout = z.layout();
        int perGroup = layout.gridH() * layout.gridW() * c.tokensPerLevel;
        for (int t = 0; t < layout.times() - 1; t++) {
            INDArray noisy = z.tokens().dup();
            for (int l = 0; l < c.levels; l++) {
                int from = (l * layout.times() + t + 1) * perGroup, to = (l + 1) * layout.times() * perGroup;
                noisy.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to), NDArrayIndex.all())
                        .assign(Nd4j.randn(DataType.FLOAT, 1, to - from, c.latentChannels).muli(100));
            }
            Latent zn = new Latent(noisy, layout, c.levels);
            for (int fps : new int[]{8, 16, 10}) {
                for (int l : new int[]{1, c.levels}) {
                    INDArray a = tok.decode(z.prefix(l), fps, 8, 8), b = tok.decode(zn.prefix(l), fps, 8, 8);
                    TemporalGrid tg = TemporalGrid.forDuration(layout.times(), fps, c.kt);
                    int upTo = tg.firstFrame(t + 1);
                    assertTrue(io.dcsldm.core.nn.Ops.bitIdentical(frames(a, 0, upTo), frames(b, 0, upTo)), "patch " + t + ", " + fps + " fps, " + l + " levels");
                    assertFalse(io.dcsldm.core.nn.Ops.bitIdentical(frames(a, upTo, tg.frames()), frames(b, upTo, tg.frames())), "later frames should change");
                }
            }
            // encoder: changing the frames of later patches leaves the tokens of patches <= t untouched
            INDArray x2 = x.dup();
            int f0 = 2 * (t + 1); // 8 fps, k_t = 4: two frames per temporal patch
            x2.get(NDArrayIndex.all(), NDArrayIndex.interval(f0, 8), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all())
                    .assign(Nd4j.rand(DataType.FLOAT, 1, 8 - f0, 1, 8, 8));
            INDArray za = z.tokens(), zb = tok.encode(x2, 8).tokens();
            for (int l = 0; l < c.levels; l++) {
                int from = l * layout.times() * perGroup, to = (l * layout.times() + t + 1) * perGroup;
                assertTrue(io.dcsldm.core.nn.Ops.bitIdentical(za.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to), NDArrayIndex.all()),
                        zb.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to), NDArrayIndex.all())), "encoder, level " + l + ", patch " + t);
            }
            assertFalse(io.dcsldm.core.nn.Ops.bitIdentical(za, zb));
        }
    }

    /** Acceptance (4) in miniature: an image is a one-frame video; both paths run the same weights and give the same numbers. */
    @Test
    void anImageIsAOneFrameVideoWithTheSameWeights() {
        DcsTokenizer img = new DcsTokenizer(tiny(), 4);
        long params = img.params().count();
        VideoTokenizer vid = new VideoTokenizer(img);
        assertEquals(params, img.params().count(), "the video path adds no parameters");
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 1, 16, 16);
        Latent a = img.encode(x), b = vid.encodeImages(x);
        assertArrayEquals(a.tokens().shape(), b.tokens().shape());
        assertTrue(io.dcsldm.core.nn.Ops.bitIdentical(a.tokens(), b.tokens()), "latents bit for bit");
        for (int size : new int[]{8, 16, 32})
            assertTrue(io.dcsldm.core.nn.Ops.bitIdentical(img.decode(a.prefix(2), size, size), vid.decodeImages(b.prefix(2), size, size)), "decode at " + size);
        assertEquals(1, b.layout().times());
    }

    /**
     * Training too: images trained as one-frame clips at {@code fps = k_t} give the image path's loss and
     * gradients bit for bit, with input and target sizes differing per sample and mixed level counts. The
     * samples are listed in ascending size so both paths group and order them the same way.
     */
    @Test
    void anImageTrainsAsAOneFrameVideoBitForBit() {
        DcsTokenizer img = new DcsTokenizer(tiny(), 6);
        VideoTokenizer vid = new VideoTokenizer(img);
        int[][] sizes = {{8, 8}, {8, 16}, {16, 16}, {16, 32}}; // input, target
        int[] levels = {1, 3, 2, 3};
        List<DcsTokenizer.Sample> images = new java.util.ArrayList<>();
        List<VideoTokenizer.Sample> clips = new java.util.ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            INDArray in = Nd4j.rand(DataType.FLOAT, 1, 1, sizes[i][0], sizes[i][0]);
            INDArray target = Nd4j.rand(DataType.FLOAT, 1, 1, sizes[i][1], sizes[i][1]);
            images.add(new DcsTokenizer.Sample(in, target, levels[i]));
            clips.add(new VideoTokenizer.Sample(VideoTokenizer.asClip(in), tiny().kt, VideoTokenizer.asClip(target), tiny().kt, levels[i]));
        }
        img.params().zeroGrads();
        double imageLoss = img.forwardBackward(images, 0.5);
        java.util.Map<String, INDArray> imageGrads = new java.util.HashMap<>();
        for (Param p : img.params().all()) imageGrads.put(p.name(), p.grad().dup());
        assertTrue(imageGrads.values().stream().anyMatch(g -> g.amaxNumber().doubleValue() > 0), "the step produced gradients");
        img.params().zeroGrads();
        double clipLoss = vid.forwardBackward(clips, 0.5);
        assertEquals(imageLoss, clipLoss, 0.0, "loss bit for bit");
        for (Param p : img.params().all())
            assertTrue(io.dcsldm.core.nn.Ops.bitIdentical(imageGrads.get(p.name()), p.grad()), "gradient of " + p.name());
    }

    /**
     * The video training path's backward (asymmetric frame rates and sizes, mixed truncation) against central
     * differences: one element of every pixel-side parameter (where the temporal patching lives) and of the
     * encoder's input and decoder's output layers. {@link #allGradientsMatchFiniteDifferences} checks every
     * parameter (slow).
     */
    @Test
    void gradientsMatchFiniteDifferences() {
        checkGradients(1, false, name -> name.contains("patchifier") || name.contains("encoder.in.") || name.contains("decoder.out."));
    }

    /** With the linear code: gradients also reach the encoder through the linear rendering of each temporal patch. */
    @Test
    void gradientsMatchFiniteDifferencesWithLinearCode() {
        checkGradients(1, true, name -> name.contains("encoder") || name.contains("depatchifier.out.") || name.contains("decoder.out."));
    }

    @Test
    @org.junit.jupiter.api.Tag("slow")
    void allGradientsMatchFiniteDifferences() {
        checkGradients(3, false, name -> true);
    }

    private void checkGradients(int perParam, boolean linear, java.util.function.Predicate<String> which) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            TokConfig c = tiny();
            c.encoderDepth = 1;
            c.decoderDepth = 1;
            c.linearCode = linear;
            ParamStore store = new ParamStore(DataType.DOUBLE, 5);
            DcsTokenizer image = new DcsTokenizer(c, store);
            if (linear) TemporalLinearCodeTest.install(image, c, 2, 13, true);
            VideoTokenizer tok = new VideoTokenizer(image);
            Random r = new Random(7);
            // half a second: 4 frames at 8 fps in, 5 frames at 10 fps out (2.5 frames per temporal patch), sizes 4 → 8
            List<VideoTokenizer.Sample> samples = List.of(
                    new VideoTokenizer.Sample(Nd4j.rand(DataType.DOUBLE, 1, 4, 1, 4, 4), 8, Nd4j.rand(DataType.DOUBLE, 1, 5, 1, 8, 8), 10, 2),
                    new VideoTokenizer.Sample(Nd4j.rand(DataType.DOUBLE, 1, 8, 1, 8, 8), 16, Nd4j.rand(DataType.DOUBLE, 1, 4, 1, 4, 4), 8, 3));
            store.zeroGrads();
            tok.forwardBackward(samples, 1.0);
            double worst = 0;
            int checked = 0;
            for (Param p : store.all()) {
                if (!which.test(p.name())) continue;
                INDArray v = p.value().reshape(p.size());
                INDArray g = p.grad().reshape(p.size()).dup();
                for (int n = 0; n < Math.min(perParam, p.size()); n++) {
                    int i = r.nextInt((int) p.size());
                    double orig = v.getDouble(i), eps = 1e-6;
                    v.putScalar(i, orig + eps);
                    double lp = tok.forwardBackward(samples, 0.0);
                    v.putScalar(i, orig - eps);
                    double lm = tok.forwardBackward(samples, 0.0);
                    v.putScalar(i, orig);
                    double fd = (lp - lm) / (2 * eps), an = g.getDouble(i);
                    double rel = Math.abs(fd - an) / Math.max(Math.max(Math.abs(fd), Math.abs(an)), 1e-4);
                    worst = Math.max(worst, rel);
                    checked++;
                    assertTrue(rel < 1e-5, p.name() + "[" + i + "]: analytic " + an + " vs numeric " + fd);
                }
            }
            assertTrue(checked > 0, "no parameter was checked");
            System.out.printf("video tokenizer FD check (linear code " + linear + "): %d elements, max relative error %.2e%n", checked, worst);
        } finally {
            Nd4j.setDefaultDataTypes(savedDefault, savedDefault);
        }
    }

    @Test
    void temporalGridAssignsFramesByTheirCentres() {
        TemporalGrid g = new TemporalGrid(8, 8, 4); // p_t = 2
        assertEquals(4, g.gridT());
        assertEquals(1, g.patterns().size());
        assertArrayEquals(new double[]{0.25, 0.75}, g.taus(2), 1e-12);
        TemporalGrid h = new TemporalGrid(10, 10, 4); // p_t = 2.5: patches of 2, 3, 2, 3 frames
        assertEquals(4, h.gridT());
        assertArrayEquals(new int[]{2, 3, 2, 3}, new int[]{h.framesIn(0), h.framesIn(1), h.framesIn(2), h.framesIn(3)});
        assertArrayEquals(new double[]{0.2, 0.6}, h.taus(0), 1e-12);
        assertArrayEquals(new double[]{0.0, 0.4, 0.8}, h.taus(1), 1e-12);
        assertEquals(2, h.patterns().size());
        TemporalGrid img = TemporalGrid.image(4);
        assertEquals(1, img.gridT());
        assertArrayEquals(new double[]{0.5}, img.taus(0), 0);
    }


    private static INDArray frames(INDArray v, int from, int to) {
        return v.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).dup();
    }
}
