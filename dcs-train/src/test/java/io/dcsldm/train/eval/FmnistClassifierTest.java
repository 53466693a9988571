package io.dcsldm.train.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dcsldm.train.data.Datasets;
import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.data.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The evaluation classifier on the shipped Fashion-MNIST subset: one short epoch must already be far
 * above chance, files round-trip exactly, and bad files fail with one line naming them.
 */
class FmnistClassifierTest {
    private static ImageSet train;
    private static ImageSet test;
    private static FmnistClassifier trained;
    private static final List<String> LOG = new ArrayList<>();

    @BeforeAll
    static void trainOnce() {
        // always the shipped subset, so the test is the same wherever it runs
        String dir = TestData.subsetDir().toString();
        train = Datasets.load("idx:" + dir + ":train", 1000);
        test = Datasets.load("idx:" + dir + ":test", 500);
        trained = FmnistClassifier.train(train, test, 1, 16, 7L, LOG::add);
    }

    @Test
    void oneShortEpochIsWellAboveChance() {
        double acc = trained.accuracy(test);
        System.out.println("FmnistClassifierTest: accuracy " + acc + " on " + test.size() + " subset test images; " + LOG);
        assertTrue(acc > 0.60, "accuracy " + acc + " after 1 epoch on 1000 images (chance 0.10)");
        assertFalse(LOG.isEmpty(), "training reports progress");
        assertEquals(acc, trained.trainedTestAccuracy().orElseThrow(), 0.0, "train() scored the same test set");
    }

    @Test
    void featuresAre128WideAndPredictionsAreClasses() {
        INDArray x = test.toINDArray(new int[] {0, 1, 2, 3, 4});
        double[][] f = trained.features(x);
        assertEquals(5, f.length);
        for (double[] row : f) {
            assertEquals(FmnistClassifier.FEATURES, row.length);
            for (double v : row) {
                assertTrue(v >= 0 && Double.isFinite(v), "ReLU features are finite and >= 0: " + v);
            }
        }
        int[] p = trained.predict(x);
        assertEquals(5, p.length);
        for (int c : p) {
            assertTrue(c >= 0 && c < FmnistClassifier.CLASSES);
        }
        assertThrows(IllegalArgumentException.class, () -> trained.predict(x.reshape(5, 784)));
    }

    @Test
    void saveLoadRoundTripGivesIdenticalPredictionsAndFeatures(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sub/clf.zip");
        trained.save(file);
        assertTrue(Files.size(file) < 5_000_000, "model file " + Files.size(file) + " bytes");
        try (var s = Files.list(file.getParent())) {
            assertEquals(List.of(file), s.toList(), "no temporary file left behind");
        }
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            var perms = Files.getPosixFilePermissions(file);
            assertTrue(perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)
                    || !Files.getPosixFilePermissions(dir).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ),
                    "saved file is readable like any new file, not private: " + perms);
        }
        FmnistClassifier back = FmnistClassifier.load(file);
        INDArray x = test.toINDArray();
        assertArrayEquals(trained.predict(x), back.predict(x));
        INDArray few = test.toINDArray(new int[] {10, 20, 30});
        double[][] a = trained.features(few);
        double[][] b = back.features(few);
        for (int i = 0; i < a.length; i++) {
            assertArrayEquals(a[i], b[i], 0.0);
        }
        assertTrue(back.trainedTestAccuracy().isEmpty(), "a loaded classifier has no training-time accuracy");
    }

    @Test
    void missingOrCorruptFileIsOneLineNamingIt(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nope.zip");
        IllegalArgumentException e1 = assertThrows(IllegalArgumentException.class, () -> FmnistClassifier.load(missing));
        assertOneLineNaming(e1, missing);

        Path garbage = dir.resolve("garbage.zip");
        Files.writeString(garbage, "this is not a zip file\n");
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> FmnistClassifier.load(garbage));
        assertOneLineNaming(e2, garbage);

        Path good = dir.resolve("good.zip");
        trained.save(good);
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = dir.resolve("truncated.zip");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class, () -> FmnistClassifier.load(truncated));
        assertOneLineNaming(e3, truncated);
    }

    @Test
    void sameSeedSameNetwork() {
        ImageSet tiny = train.head(160);
        FmnistClassifier a = FmnistClassifier.train(tiny, null, 1, 32, 3L, null);
        FmnistClassifier b = FmnistClassifier.train(tiny, null, 1, 32, 3L, null);
        assertArrayEquals(a.network().params().toFloatVector(), b.network().params().toFloatVector(), 0f,
                "same seed, same data -> same weights");
    }

    @Test
    void rejectsUnlabelledOrWrongSizedSets() {
        ImageSet unlabelled = new ImageSet(new float[][] {new float[784]}, null, 1, 28, 28, "unlabelled");
        assertThrows(IllegalArgumentException.class, () -> FmnistClassifier.train(unlabelled, null, 1, 1, 0, null));
        ImageSet wrong = new ImageSet(new float[][] {new float[3 * 32 * 32]}, new int[] {0}, 3, 32, 32, "rgb");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trained.accuracy(wrong));
        assertTrue(e.getMessage().contains("1x28x28"), e.getMessage());
    }

    private static void assertOneLineNaming(Exception e, Path file) {
        String m = e.getMessage();
        assertTrue(m.contains(file.toString()), "message names the file: " + m);
        assertFalse(m.contains("\n") || m.contains("\r"), "one line: " + m);
    }
}
