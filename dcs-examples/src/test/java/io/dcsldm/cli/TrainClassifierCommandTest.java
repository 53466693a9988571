package io.dcsldm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dcsldm.train.data.Datasets;
import io.dcsldm.train.eval.FmnistClassifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dcs train-classifier} in-process on a few hundred images of the shipped subset. */
class TrainClassifierCommandTest {

    private static String subset(String split) {
        Path root = Datasets.findRepoRoot().orElseThrow(() -> new AssertionError("repository root not found"));
        return "idx:" + root.resolve(Datasets.SUBSET_DIR) + ":" + split;
    }

    @Test
    void trainsSavesAndPrintsOneJsonLine(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("clf.zip");
        DcsCliTest.Run r = DcsCliTest.dcs("train-classifier", "--train-data", subset("train"), "--test-data", subset("test"),
                "--limit", "320", "--epochs", "1", "--batch", "32", "--out", out.toString(), "--json");
        System.out.println(r.err());   // progress, kept in the surefire report
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(1, lines.size(), "one JSON line on stdout: " + r.out());
        JsonNode j = new ObjectMapper().readTree(lines.get(0));
        assertEquals(320, j.get("trainImages").asInt());
        assertEquals(2000, j.get("testImages").asInt(), "the whole test split is scored");
        double acc = j.get("testAccuracy").asDouble();
        assertTrue(acc >= 0 && acc <= 1, "accuracy " + acc);
        assertEquals(Files.size(out), j.get("fileBytes").asLong());
        assertTrue(r.err().contains("train-classifier: epoch 1/1"), "progress on stderr: " + r.err());
        FmnistClassifier back = FmnistClassifier.load(out);
        assertEquals(j.get("parameters").asLong(), back.parameterCount(), "the saved file holds the classifier");
    }

    @Test
    void badEpochsIsAUsageError() {
        DcsCliTest.Run r = DcsCliTest.dcs("train-classifier", "--epochs", "0");
        assertEquals(2, r.code());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().startsWith("error: --epochs must be >= 1"), r.err());
    }

    @Test
    void isRegisteredAlphabetically() {
        int i = Subcommands.ALL.indexOf(TrainClassifierCommand.class);
        assertTrue(i > 0, "registered in Subcommands.ALL");
        assertTrue(Subcommands.ALL.get(i - 1).getSimpleName().compareTo("TrainClassifierCommand") < 0);
        assertTrue(Subcommands.ALL.get(i + 1).getSimpleName().compareTo("TrainClassifierCommand") > 0);
        assertFalse(DcsCliTest.dcs("help", "train-classifier").out().isEmpty());
    }
}
