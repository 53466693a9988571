package io.dcsldm.train.dit;

import io.dcsldm.core.nn.Ops;
import io.dcsldm.tok.DcsTokenizer;
import io.dcsldm.tok.Latent;
import io.dcsldm.tok.TokenLayout;
import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.data.Resample;
import io.dcsldm.train.data.TestData;
import io.dcsldm.train.loop.Trainer;
import io.dcsldm.train.tok.TokTrainConfig;
import io.dcsldm.train.tok.TokenizerModel;
import io.dcsldm.train.tok.TokenizerTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The DiT's diffusion space ({@link LatentScale}) on real images: the scale is the decoder's pixel energy
 * per coordinate, the task trains on scaled latents, the scale travels with the model file and the
 * training checkpoints, and generation decodes through its inverse.
 */
class LatentScaleTest {
    @TempDir
    Path tmp;

    private static DcsTokenizer linearTokenizer(ImageSet train, TokTrainConfig cfg) {
        DcsTokenizer tok = new DcsTokenizer(cfg.model, 1);
        tok.setLinearCode(TokenizerTask.fitLinearCode(tok, train, train.size()));
        return tok;
    }

    private static TokTrainConfig tokConfig() {
        TokTrainConfig c = new TokTrainConfig();
        c.model = io.dcsldm.train.loop.TinyConfig.tinyTokenizer();
        c.model.linearCode = true;
        return c;
    }

    @Test
    void scaleIsTheDecodersPixelEnergyNormalisedToUnitMeanSquare() {
        ImageSet train = Resample.padTo(TestData.fashion("train", 200), 32, 32, Resample.PadMode.ZERO);
        DcsTokenizer tok = linearTokenizer(train, tokConfig());
        TokenLayout layout = tok.layout(32, 32);
        int t = layout.tokens(), c = tok.config().latentChannels;

        INDArray ones = LatentScale.fromDecoder(tok, layout, 32, 0);
        assertTrue(Ops.bitIdentical(ones, Nd4j.ones(ones.dataType(), t, c)), "power 0 is the identity");

        INDArray s = LatentScale.fromDecoder(tok, layout, 32, 1);
        assertArrayEquals(new long[]{t, c}, s.shape());
        assertEquals(1.0, s.mul(s).meanNumber().doubleValue(), 1e-5, "unit mean square");
        // the untrained tokenizer decodes linearly up to the clamp to [0, 1]: the energy of coordinate j is the
        // RMS of decode(e_j) − decode(0), to within what the clamp cuts off near black pixels
        INDArray zero = Nd4j.zeros(s.dataType(), 1, t, c), unit = zero.dup();
        unit.putScalar(new long[]{0, 3, 1}, 1.0);
        INDArray d = tok.decode(new Latent(unit, layout, layout.levels()), 32, 32).sub(tok.decode(new Latent(zero, layout, layout.levels()), 32, 32));
        double rms3 = Math.sqrt(d.mul(d).meanNumber().doubleValue());
        double[] energy = LatentScale.pixelEnergy(z -> tok.decode(new Latent(z, layout, layout.levels()), 32, 32), layout, c);
        assertEquals(rms3, energy[3 * c + 1], 0.02 * rms3);
        // coarse levels carry more pixel energy than fine ones (the code is a PCA: level 1 holds the top components)
        int perLevel = layout.tokens(1);
        double first = s.get(NDArrayIndex.interval(0, perLevel), NDArrayIndex.all()).meanNumber().doubleValue();
        double last = s.get(NDArrayIndex.interval(t - perLevel, t), NDArrayIndex.all()).meanNumber().doubleValue();
        assertTrue(first > 1.5 * last, "level 1 mean scale " + first + " vs last level " + last);
        // power 0.5 lies between
        INDArray half = LatentScale.fromDecoder(tok, layout, 32, 0.5);
        assertTrue(half.maxNumber().doubleValue() < s.maxNumber().doubleValue() && half.maxNumber().doubleValue() > 1);
    }

    @Test
    void taskTrainsOnScaledLatentsAndTheModelFileCarriesTheScale() {
        ImageSet train = Resample.padTo(TestData.fashion("train", 200), 32, 32, Resample.PadMode.ZERO);
        TokTrainConfig tc = tokConfig();
        DcsTokenizer tok = linearTokenizer(train, tc);
        Path tokFile = tmp.resolve("tok.dcs");
        TokenizerModel.save(tokFile, tok, tc);

        DitTrainConfig c = new DitTrainConfig();
        c.model.width = 16;
        c.model.depth = 1;
        c.model.heads = 2;
        c.model.mlpRatio = 2;
        c.model.classes = 10;
        c.model.frequencyWidth = 16;
        c.train.steps = 2;
        c.train.batchSize = 4;
        c.train.warmupSteps = 1;
        c.train.evalEvery = 2;
        c.train.checkpointEvery = 2;
        c.train.plotEvery = 0;
        c.data.tokenizer = tokFile.toString();
        c.data.latentScalePower = 1;
        ImageSet images = train.head(16);
        ImageSet heldOut = train.select(java.util.stream.IntStream.range(180, 200).toArray());
        DitTask task = new DitTask(c, tok, images, heldOut);
        INDArray scale = task.model().latentScale();
        assertNotNull(scale);
        // the task's latents are the tokenizer's latents times the scale
        INDArray z = tok.encode(images.toINDArray(new int[]{5})).tokens();
        INDArray x = task.latents().batch(new int[]{5});
        assertTrue(x.sub(z.mul(scale.reshape(1, scale.size(0), scale.size(1)))).amaxNumber().doubleValue() < 1e-5);
        assertTrue(task.model().toTokenizerSpace(x).sub(z).amaxNumber().doubleValue() < 1e-5, "the inverse undoes the scale");

        Path run = tmp.resolve("run");
        new Trainer<>(run, c.train, task).progressBar(false).run();
        Path file = tmp.resolve("dit.dcs");
        DitModel.save(file, task.model(), c);
        DitModel.Loaded m = DitModel.load(file, null);
        assertTrue(Ops.bitIdentical(scale, m.dit().latentScale()), "the model file carries the scale");
        // generation decodes through the inverse scale
        INDArray decoded = Generation.decode(m.tokenizer(), m.dit(), x, 32);
        INDArray direct = m.tokenizer().decode(new Latent(z, tok.layout(32, 32), 2), 32, 32);
        assertTrue(decoded.sub(direct).amaxNumber().doubleValue() < 1e-4);

        // resuming that run for another diffusion space is refused, naming the problem
        DitTrainConfig other = io.dcsldm.core.config.ConfigLoader.parse(io.dcsldm.core.config.ConfigLoader.toYaml(c), "test",
                DitTrainConfig.class, java.util.List.of("data.latentScalePower=0.5", "train.steps=4"));
        DitTask otherTask = new DitTask(other, tok, images, heldOut);
        RuntimeException e = assertThrows(RuntimeException.class, () -> new Trainer<>(run, other.train, otherTask).progressBar(false).run());
        assertTrue(String.valueOf(e.getMessage()).contains("latent scale"), e.getMessage());
    }
}
