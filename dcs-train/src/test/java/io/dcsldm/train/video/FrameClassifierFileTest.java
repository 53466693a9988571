package io.dcsldm.train.video;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.eval.FmnistClassifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * eval-video-dit --classifier: the first run trains and saves the frame classifier with its provenance, the next
 * loads the same network (same predictions, same test accuracy, no training), and a file trained for other clips
 * or without provenance is refused with the reason.
 */
class FrameClassifierFileTest {
    @TempDir
    Path tmp;

    @Test
    void trainsOnceThenLoadsTheSameClassifierAndRefusesOneForOtherClips() throws Exception {
        ImageSet digits = MovingMnistTest.fakeDigits(10, 4);
        MovingMnist train = VideoDitEvalTest.oneItemScenes(digits, 1), test = VideoDitEvalTest.oneItemScenes(digits, 2);
        Path file = tmp.resolve("cache/frame-classifier.zip");
        List<String> log = new ArrayList<>();

        FmnistClassifier trained = FrameClassifierFile.loadOrTrain(file, train, test, 200, 8, 16, 1, log::add);
        assertTrue(Files.isRegularFile(file) && Files.isRegularFile(FrameClassifierFile.provenanceFile(file)), "zip and provenance written");
        log.clear();
        FmnistClassifier loaded = FrameClassifierFile.loadOrTrain(file, train, test, 200, 8, 16, 1, log::add);
        assertTrue(log.stream().anyMatch(l -> l.contains("loaded")) && log.stream().noneMatch(l -> l.contains("epoch")), "loaded, not trained: " + log);
        assertEquals(trained.trainedTestAccuracy().orElseThrow(), loaded.trainedTestAccuracy().orElseThrow(), 0,
                "the test accuracy measured again on the same frames");
        ImageSet frames = VideoDitEval.testFrames(test, 200, 8, 16);
        assertArrayEquals(trained.predict(frames.toINDArray()), loaded.predict(frames.toINDArray()), "same network");

        IllegalArgumentException otherFps = assertThrows(IllegalArgumentException.class,
                () -> FrameClassifierFile.loadOrTrain(file, train, test, 200, 16, 16, 1, null));
        assertTrue(otherFps.getMessage().contains(file.toString()) && otherFps.getMessage().contains("fps: stored 8.0, needed 16.0"), otherFps.getMessage());
        IllegalArgumentException otherScenes = assertThrows(IllegalArgumentException.class,
                () -> FrameClassifierFile.loadOrTrain(file, VideoDitEvalTest.oneItemScenes(digits, 5), test, 200, 8, 16, 1, null));
        assertTrue(otherScenes.getMessage().contains("train_scenes.seed: stored 1, needed 5"), otherScenes.getMessage());

        Files.delete(FrameClassifierFile.provenanceFile(file));
        IllegalArgumentException noRecord = assertThrows(IllegalArgumentException.class,
                () -> FrameClassifierFile.loadOrTrain(file, train, test, 200, 8, 16, 1, null));
        assertTrue(noRecord.getMessage().contains("no provenance file"), noRecord.getMessage());
    }
}
