package io.dcsldm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dcsldm.core.checkpoint.CheckpointIO;
import io.dcsldm.tok.TokConfig;
import io.dcsldm.train.tok.TokTrainConfig;
import io.dcsldm.train.tok.TokenizerModel;
import io.dcsldm.tok.DcsTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input through the real commands: each case must end with a non-zero exit code and one line
 * {@code error: …} that names the problem (file, key, expected shape), never a stack trace, and must not
 * damage what was there before.
 */
class BadInputTest {
    @TempDir
    Path tmp;

    private static DcsCliTest.Run dcs(String... args) {
        return DcsCliTest.dcs(args);
    }

    private static void assertOneLineError(DcsCliTest.Run r, String... mustContain) {
        assertNotEquals(0, r.code(), r.err());
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        String last = lines.get(lines.size() - 1);
        assertTrue(last.startsWith("error: "), r.err());
        assertTrue(r.err().lines().noneMatch(l -> l.trim().startsWith("at ")), "stack trace printed:\n" + r.err());
        for (String s : mustContain) assertTrue(last.contains(s), "'" + s + "' missing in: " + last);
    }

    private Path config(String yaml) throws Exception {
        Path f = tmp.resolve("c.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void unknownConfigKeyIsNamed() throws Exception {
        Path f = config("model:\n  levelz: 4\n");
        assertOneLineError(dcs("train-tokenizer", "--config", f.toString(), "--run-dir", tmp.resolve("run").toString()), "levelz", f.getFileName().toString());
    }

    @Test
    void negativeLearningRateIsNamed() throws Exception {
        Path f = config("train:\n  lr: -0.001\n");
        assertOneLineError(dcs("train-tokenizer", "--config", f.toString(), "--run-dir", tmp.resolve("run").toString()), "train.lr");
    }

    @Test
    void sizeTheGridDoesNotDivideIsNamed() throws Exception {
        Path f = config("model:\n  k: 4\ndata:\n  sizes: [16, 30]\n");
        assertOneLineError(dcs("train-tokenizer", "--config", f.toString(), "--run-dir", tmp.resolve("run").toString()), "30");
    }

    @Test
    void missingDatasetDirectoryIsNamed() throws Exception {
        Path f = config("data:\n  train: \"idx:" + tmp.resolve("nowhere") + ":train\"\n");
        assertOneLineError(dcs("train-tokenizer", "--config", f.toString(), "--run-dir", tmp.resolve("run").toString()), "nowhere");
    }

    @Test
    void corruptImageFileIsNamed() throws Exception {
        Path good = writeTokenizer();
        Path bad = tmp.resolve("bad.png");
        Files.write(bad, new byte[]{(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        assertOneLineError(dcs("reconstruct", "--checkpoint", good.toString(), "--input", bad.toString(), "--out", tmp.resolve("o").toString()), "bad.png");
    }

    @Test
    void imageOfTheWrongChannelCountIsNamed() throws Exception {
        Path good = writeTokenizer();
        Path rgb = tmp.resolve("rgb.png");
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(28, 28, java.awt.image.BufferedImage.TYPE_4BYTE_ABGR);
        javax.imageio.ImageIO.write(img, "png", rgb.toFile());
        // a 1-channel tokenizer reads colour files converted to grey; a CMYK-like or unreadable layout is refused
        DcsCliTest.Run r = dcs("reconstruct", "--checkpoint", good.toString(), "--input", rgb.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(0, r.code(), "a colour PNG converts to the tokenizer's single channel: " + r.err());
    }

    @Test
    void truncatedCheckpointIsRejectedAndLeftAlone() throws Exception {
        Path good = writeTokenizer();
        byte[] bytes = Files.readAllBytes(good);
        Path cut = tmp.resolve("cut.dcs");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertOneLineError(dcs("eval-tokenizer", "--checkpoint", cut.toString(), "--limit", "4", "--json"), "cut.dcs", "truncated");
        assertEquals(bytes.length / 2, Files.size(cut), "the bad file must be left as it was");
    }

    @Test
    void checkpointOfAnotherModelConfigIsRefused() throws Exception {
        // a run directory whose checkpoint was written for a different model config
        Path run = tmp.resolve("run");
        Path f1 = config("model:\n  width: 16\n  heads: 2\n  encoderDepth: 1\n  decoderDepth: 1\n  pixelWidth: 8\ndata:\n  train: \"fashion-mnist:train\"\n  limit: 64\n  evalImages: 8\n  statsImages: 8\ntrain:\n  steps: 1\n  batchSize: 8\n  warmupSteps: 0\n  evalEvery: 0\n");
        assertEquals(0, dcs("train-tokenizer", "--config", f1.toString(), "--run-dir", run.toString(), "--no-progress").code());
        Path f2 = tmp.resolve("c2.yaml");
        Files.writeString(f2, Files.readString(f1).replace("width: 16", "width: 24").replace("steps: 1", "steps: 2"));
        assertOneLineError(dcs("train-tokenizer", "--config", f2.toString(), "--run-dir", run.toString(), "--no-progress"), "different model config");
    }

    private Path writeTokenizer() {
        TokTrainConfig cfg = new TokTrainConfig();
        TokConfig m = cfg.model;
        m.width = 16;
        m.heads = 2;
        m.encoderDepth = 1;
        m.decoderDepth = 1;
        m.pixelWidth = 8;
        Path f = tmp.resolve("tok.dcs");
        TokenizerModel.save(f, new DcsTokenizer(m, 1), cfg);
        CheckpointIO.verify(f);
        return f;
    }
}
