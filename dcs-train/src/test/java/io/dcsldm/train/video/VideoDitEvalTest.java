package io.dcsldm.train.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dcsldm.dit.FlowSampler;
import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.data.TestData;
import io.dcsldm.train.eval.FmnistClassifier;
import io.dcsldm.train.loop.Trainer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The video DiT's class accuracy: the frame classifier learns one-item scenes well above chance and scores real
 * clips by their frames' mean probabilities; the evaluation runs end to end on a tiny one-digit model and refuses
 * a model of two-digit scenes.
 */
class VideoDitEvalTest {
    @TempDir
    Path tmp;

    static MovingMnist oneItemScenes(ImageSet items, long seed) {
        MovingMnist.Options o = new MovingMnist.Options();
        o.digits = 1;
        return new MovingMnist(items, seed, o.validate());
    }

    @Test
    void theFrameClassifierScoresRealClipsWellAboveChance() {
        // Fashion-MNIST items (10 classes) gliding on a 32×32 canvas: the installed dataset or the shipped subset
        ImageSet train = TestData.fashion("train", 3000), test = TestData.fashion("test", 500);
        FmnistClassifier clf = VideoDitEval.trainClassifier(oneItemScenes(train, 1), oneItemScenes(test, 2), 3000, 8, 32, 1, null);
        double frameAccuracy = clf.trainedTestAccuracy().orElseThrow();
        MovingMnist held = oneItemScenes(test, 3);
        int n = 60, hits = 0;
        float[][][] clips = new float[n][][];
        for (int i = 0; i < n; i++) clips[i] = held.clip(i).render(8, 32);
        int[] predicted = VideoDitEval.classify(clf, clips, 32);
        for (int i = 0; i < n; i++) if (predicted[i] == held.clip(i).label()) hits++;
        System.out.printf("frame classifier: frame accuracy %.3f, clip accuracy %.3f (%d clips)%n", frameAccuracy, (double) hits / n, n);
        assertTrue(frameAccuracy > 0.4, "frame accuracy " + frameAccuracy + " (chance 0.1)");
        assertTrue(hits > 0.4 * n, "clip accuracy " + hits + " / " + n + " (chance 0.1)");

        // per temporal patch: each patch is classified from its own frames only, so a clip spliced from the first
        // half of one scene and the second half of another gets each half's class
        float[][][] firstHalves = new float[n][][], secondHalves = new float[n][][], spliced = new float[n][][];
        for (int i = 0; i < n; i++) {
            float[][] a = clips[i], b = clips[(i + 1) % n];
            firstHalves[i] = java.util.Arrays.copyOfRange(a, 0, a.length / 2);
            secondHalves[i] = java.util.Arrays.copyOfRange(b, b.length / 2, b.length);
            spliced[i] = new float[a.length][];
            System.arraycopy(firstHalves[i], 0, spliced[i], 0, a.length / 2);
            System.arraycopy(secondHalves[i], 0, spliced[i], a.length / 2, a.length - a.length / 2);
        }
        int[][] byPatch = VideoDitEval.classifyByPatch(clf, spliced, 32, 2);
        int[] first = VideoDitEval.classify(clf, firstHalves, 32), second = VideoDitEval.classify(clf, secondHalves, 32);
        int[][] whole = VideoDitEval.classifyByPatch(clf, clips, 32, 1);
        for (int i = 0; i < n; i++) {
            assertEquals(first[i], byPatch[i][0], "clip " + i + ", patch 0");
            assertEquals(second[i], byPatch[i][1], "clip " + i + ", patch 1");
            assertEquals(predicted[i], whole[i][0], "one patch is the whole clip");
        }
        assertThrows(IllegalArgumentException.class, () -> VideoDitEval.classifyByPatch(clf, clips, 32, clips[0].length + 1));
    }

    @Test
    void patchScoresCountHitsPerPatchAndClipsThatKeepTheirClass() {
        VideoDitEval.PatchScores s = new VideoDitEval.PatchScores(3);
        s.add(new int[][]{{1, 1, 1}, {2, 2, 5}}, new int[]{1, 2});
        s.add(new int[][]{{4, 4, 4}, {3, 7, 3}}, new int[]{3, 3});
        Map<String, Object> m = s.toMap();
        assertEquals(Map.of("0", 0.75, "1", 0.5, "2", 0.5), m.get("accuracy"), "patch 0 right in clips 0, 1 and 3");
        assertEquals(0.5, (double) m.get("same_class_in_every_patch"), 0, "clips 0 and 2 keep one class, even the wrong one");
    }

    @Test
    void evaluatesATinyOneDigitModelAndRefusesTwoDigitScenes() {
        Path tokFile = tmp.resolve("tok-video.dcs");
        VideoTokenizerTask tokTask = VideoDitTaskTest.savedTinyTokenizer(tokFile);
        VideoDitConfig c = VideoDitTaskTest.tinyDit(tokFile);
        c.video.digitsPerClip = 1;
        VideoDitTask task = new VideoDitTask(c, tokTask.videoTokenizer(), tokTask.scenes());
        new Trainer<>(tmp.resolve("run"), c.train, task).progressBar(false).run();
        Path file = tmp.resolve("dit-video.dcs");
        VideoDitModel.save(file, task.model(), c);
        VideoDitModel.Loaded m = VideoDitModel.load(file, null);
        VideoDitEval.requireOneDigit(m, file.toString());

        ImageSet digits = MovingMnistTest.fakeDigits(10, 4);
        FmnistClassifier clf = VideoDitEval.trainClassifier(VideoDitEval.scenes(m, digits, 1), VideoDitEval.scenes(m, digits, 2), 200, 8, 16, 1, null);
        Map<String, Object> r = VideoDitEval.evaluate(m, clf, VideoDitEval.scenes(m, digits, 3),
                new VideoDitEval.Options(5, FlowSampler.Method.EULER, 2, 2.0, 3, 4, 200, 0), null);
        assertEquals(5, r.get("generated"));
        assertEquals(4, r.get("real_clips"));
        for (String key : new String[]{"generated_accuracy_per_level", "reconstruction_accuracy_per_level"}) {
            @SuppressWarnings("unchecked") Map<String, Double> perLevel = (Map<String, Double>) r.get(key);
            assertEquals(java.util.List.of("1", "2"), java.util.List.copyOf(perLevel.keySet()), key);
            for (double a : perLevel.values()) assertTrue(a >= 0 && a <= 1, key + " " + a);
        }
        assertTrue((double) r.get("macs_per_clip") > 0);
        @SuppressWarnings("unchecked") Map<String, Map<String, Object>> patches = (Map<String, Map<String, Object>>) r.get("per_temporal_patch");
        assertEquals(java.util.List.of("real", "reconstruction", "generated"), java.util.List.copyOf(patches.keySet()));
        int times = m.dit().layout().times();
        for (Map<String, Object> p : patches.values()) {
            @SuppressWarnings("unchecked") Map<String, Double> acc = (Map<String, Double>) p.get("accuracy");
            assertEquals(times, acc.size(), "one accuracy per temporal patch");
            for (double a : acc.values()) assertTrue(a >= 0 && a <= 1, "accuracy " + a);
            double kept = (double) p.get("same_class_in_every_patch");
            assertTrue(kept >= 0 && kept <= 1, "kept " + kept);
        }
        @SuppressWarnings("unchecked") Map<String, Map<String, Double>> coupling = (Map<String, Map<String, Double>>) r.get("temporal_correlation_per_level");
        assertEquals(java.util.List.of("real", "generated"), java.util.List.copyOf(coupling.keySet()));
        for (Map<String, Double> perLevel : coupling.values())
            for (double v : perLevel.values()) assertTrue(v >= -1 && v <= 1, "correlation " + v);

        // partial denoising: from t0 → 0 the sample is the encoded clip, so both classes score the top-level reconstruction
        VideoDitEval.Options po = new VideoDitEval.Options(5, FlowSampler.Method.EULER, 2, 2.0, 3, 4, 200, 0);
        Map<String, Object> pd = VideoDitEval.partialDenoising(m, clf, VideoDitEval.scenes(m, digits, 3), new double[]{1e-4, 0.7}, 4, po, null);
        assertEquals(java.util.List.of("0.0001", "0.7"), java.util.List.copyOf(pd.keySet()));
        @SuppressWarnings("unchecked") Map<String, Double> nearZero = (Map<String, Double>) pd.get("0.0001");
        @SuppressWarnings("unchecked") double recTop = ((Map<String, Double>) r.get("reconstruction_accuracy_per_level")).get("2");
        assertEquals(recTop, nearZero.get("true_class"), 1e-9, "t0 → 0 reproduces the reconstruction accuracy");
        assertEquals(recTop, nearZero.get("wrong_class"), 1e-9, "t0 → 0 leaves no room for the label");
        for (Object at : pd.values())
            for (double a : ((Map<?, ?>) at).values().stream().mapToDouble(v -> (Double) v).toArray()) assertTrue(a >= 0 && a <= 1, "share " + a);
        for (int y = 0; y < 10; y++) assertNotEquals(y, VideoDitEval.wrongClass(y));

        c.video.digitsPerClip = 2;
        Path two = tmp.resolve("dit-video-2.dcs");
        VideoDitModel.save(two, task.model(), c);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VideoDitEval.requireOneDigit(VideoDitModel.load(two, null), two.toString()));
        assertTrue(e.getMessage().contains("2-digit") && e.getMessage().contains("digitsPerClip"), e.getMessage());
    }
}
