package io.dcsldm.train.video;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.eval.FmnistClassifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The frame classifier of {@code eval-video-dit} kept in a file between evaluations ({@code --classifier FILE}), so
 * a sweep over sampling settings trains it once instead of once per run (45–70 s each here).
 *
 * <p>Beside the DL4J zip, {@code FILE.json} records what the classifier was trained on: the training and test
 * scenes ({@link MovingMnist#provenance()}), frame count, frame rate, clip size and seed. A file whose record
 * differs from what this evaluation would train is refused with the field that differs, because a classifier of
 * other scenes or another size would score clips on a different scale. On load the classifier's test accuracy
 * is measured again on the test frames, so the report holds the number, not a copy of it.</p>
 */
public final class FrameClassifierFile {
    private FrameClassifierFile() {}

    static final ObjectMapper JSON = new ObjectMapper();

    /** The provenance file written beside {@code file}. */
    public static Path provenanceFile(Path file) {
        return file.resolveSibling(file.getFileName() + ".json");
    }

    /**
     * The classifier {@link VideoDitEval#trainClassifier} would train, loaded from {@code file} when it exists (and
     * was trained the same way), else trained and saved there.
     *
     * @throws IllegalArgumentException naming the file and field when {@code file} holds a classifier trained
     *     otherwise, or when it has no provenance file
     */
    @SuppressWarnings("unchecked")   // a JSON object reads as a map of strings to values
    public static FmnistClassifier loadOrTrain(Path file, MovingMnist trainScenes, MovingMnist testScenes, int frames, double fps, int size,
                                               long seed, Consumer<String> log) {
        Map<String, Object> wanted = provenance(trainScenes, testScenes, frames, fps, size, seed);
        Path record = provenanceFile(file);
        if (Files.exists(file)) {
            if (!Files.exists(record))
                throw new IllegalArgumentException("classifier file " + file + " has no provenance file " + record
                        + " (it was not written by eval-video-dit --classifier); delete it or name another file");
            Map<String, Object> stored;
            try {
                stored = JSON.readValue(record.toFile(), LinkedHashMap.class);
            } catch (IOException e) {
                throw new IllegalArgumentException("classifier provenance file " + record + " is not readable JSON: " + e.getMessage(), e);
            }
            String differs = firstDifference(stored, wanted, "");
            if (differs != null)
                throw new IllegalArgumentException("classifier file " + file + " was trained for other clips (" + differs
                        + "); delete it to train one for this model, or name another file");
            FmnistClassifier clf = FmnistClassifier.load(file);
            ImageSet test = VideoDitEval.testFrames(testScenes, frames, fps, size);
            clf.measureTestAccuracy(test);
            if (log != null)
                log.accept(String.format(java.util.Locale.ROOT, "classifier: loaded %s, test accuracy %.2f %% on %d frames", file,
                        100 * clf.trainedTestAccuracy().orElseThrow(), test.size()));
            return clf;
        }
        FmnistClassifier clf = VideoDitEval.trainClassifier(trainScenes, testScenes, frames, fps, size, seed, log);
        clf.save(file);
        writeAtomically(record, wanted);
        if (log != null) log.accept("classifier: saved to " + file + " (provenance in " + record.getFileName() + ")");
        return clf;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> provenance(MovingMnist trainScenes, MovingMnist testScenes, int frames, double fps, int size, long seed) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "moving-mnist frame classifier");
        m.put("train_scenes", trainScenes.provenance());
        m.put("test_scenes", testScenes.provenance());
        m.put("training_frames", frames);
        m.put("fps", fps);
        m.put("size", size);
        m.put("seed", seed);
        // written and read back once, so numbers have the types the stored record reads back with (1L reads as 1)
        try {
            return JSON.readValue(JSON.writeValueAsString(m), LinkedHashMap.class);
        } catch (IOException e) {
            throw new IllegalStateException("provenance not representable as JSON: " + m, e);
        }
    }

    /** The first field (dotted path) where {@code stored} differs from {@code wanted}, as "field: stored X, needed Y"; null if none. */
    @SuppressWarnings("unchecked")
    static String firstDifference(Map<String, Object> stored, Map<String, Object> wanted, String prefix) {
        for (Map.Entry<String, Object> e : wanted.entrySet()) {
            Object have = stored.get(e.getKey());
            if (e.getValue() instanceof Map && have instanceof Map) {
                String d = firstDifference((Map<String, Object>) have, (Map<String, Object>) e.getValue(), prefix + e.getKey() + ".");
                if (d != null) return d;
            } else if (!Objects.equals(have, e.getValue())) {
                return prefix + e.getKey() + ": stored " + have + ", needed " + e.getValue();
            }
        }
        return null;
    }

    private static void writeAtomically(Path target, Map<String, Object> content) {
        Path tmp = target.resolveSibling(".tmp-" + target.getFileName());
        try {
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), content);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalArgumentException("classifier provenance file " + target + " could not be written: " + e.getMessage(), e);
        }
    }
}
