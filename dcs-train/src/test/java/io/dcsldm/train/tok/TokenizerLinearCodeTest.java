package io.dcsldm.train.tok;

import io.dcsldm.core.checkpoint.Checkpoint;
import io.dcsldm.core.checkpoint.CheckpointException;
import io.dcsldm.core.checkpoint.CheckpointIO;
import io.dcsldm.tok.DcsTokenizer;
import io.dcsldm.tok.Latent;
import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.data.Resample;
import io.dcsldm.train.data.TestData;
import io.dcsldm.train.eval.PcaBaseline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The global linear code on real images: fitted by {@link TokenizerTask#fitLinearCode}, an untrained
 * tokenizer scores exactly what the evaluation's PCA baseline scores with the same number of floats, and
 * the code travels with the model file.
 */
class TokenizerLinearCodeTest {
    @TempDir
    Path tmp;

    static TokTrainConfig config() {
        TokTrainConfig c = new TokTrainConfig();
        c.model = io.dcsldm.train.loop.TinyConfig.tinyTokenizer();
        c.model.linearCode = true;
        return c;
    }

    @Test
    void untrainedTokenizerScoresThePcaBaselineAndTheCodeIsSavedWithTheModel() {
        ImageSet train = Resample.padTo(TestData.fashion("train", 300), 32, 32, Resample.PadMode.ZERO);
        ImageSet test = Resample.padTo(TestData.fashion("test", 20), 32, 32, Resample.PadMode.ZERO);
        TokTrainConfig cfg = config();
        DcsTokenizer tok = new DcsTokenizer(cfg.model, 1);
        tok.setLinearCode(TokenizerTask.fitLinearCode(tok, train, 300));
        assertEquals(64, tok.linearCode().floats()); // 16 patches × 2 levels × 1 token × 2 channels

        // the evaluation's PCA, fitted on the same images, reconstructs like the untrained tokenizer
        PcaBaseline pca = PcaBaseline.fit(train);
        Latent z = tok.encode(test.toINDArray());
        for (int l = 1; l <= 2; l++) {
            float[][] expected = pca.reconstruct(ImageSet.toArrays(test.toINDArray()), 32 * l, true);
            float[][] got = ImageSet.toArrays(tok.decode(z.prefix(l), 32, 32));
            double worst = 0;
            for (int i = 0; i < got.length; i++)
                for (int j = 0; j < got[i].length; j++) worst = Math.max(worst, Math.abs(got[i][j] - expected[i][j]));
            assertTrue(worst < 2e-4, "ℓ = " + l + ": max |tokenizer − PCA| = " + worst);
        }

        // the model file carries the code; the reloaded tokenizer decodes bit for bit the same
        Path file = tmp.resolve("tok.dcs");
        TokenizerModel.save(file, tok, cfg);
        DcsTokenizer back = TokenizerModel.load(file).tokenizer();
        assertTrue(io.dcsldm.core.nn.Ops.bitIdentical(tok.decode(z, 64, 64), back.decode(back.encode(test.toINDArray()), 64, 64)));

        // a file that claims a linear code but lacks it is refused with a message naming the file
        Checkpoint c = CheckpointIO.read(file);
        Map<String, INDArray> without = new LinkedHashMap<>(c.tensors());
        without.keySet().removeIf(k -> k.startsWith("extra/linear_"));
        Path broken = tmp.resolve("broken.dcs");
        CheckpointIO.write(broken, Checkpoint.builder().modelKind(c.modelKind()).configFingerprint(c.configFingerprint())
                .configYaml(c.configYaml()).tensors(without).build());
        CheckpointException e = assertThrows(CheckpointException.class, () -> TokenizerModel.load(broken));
        assertTrue(e.getMessage().contains("broken.dcs") && e.getMessage().contains("linear code"), e.getMessage());
    }
}
