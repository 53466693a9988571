package io.dcsldm.train.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dcsldm.dit.FlowSampler;
import io.dcsldm.train.loop.TrainResult;
import io.dcsldm.train.loop.Trainer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DCS-DiT on video latents end to end on tiny models: encode clips, train 2 steps, save, load, generate with per-level previews. */
class VideoDitTaskTest {
    @TempDir
    Path tmp;

    @Test
    void trainsSavesLoadsAndGeneratesClipsLevelByLevel() {
        VideoTokTrainConfig tc = VideoTokenizerTaskTest.tiny();
        VideoTokenizerTask tokTask = new VideoTokenizerTask(tc, VideoTokenizerTaskTest.digits(), VideoTokenizerTaskTest.digits());
        VideoEval.measureLatentStats(tokTask, 2, 4);
        Path tokFile = tmp.resolve("tok-video.dcs");
        VideoTokenizerModel.save(tokFile, tokTask.tokenizer(), tc);

        VideoDitConfig c = new VideoDitConfig();
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
        c.video.tokenizer = tokFile.toString();
        c.video.clips = 8;
        c.video.fps = 8;
        c.video.size = 16;
        VideoDitTask task = new VideoDitTask(c, tokTask.videoTokenizer(), tokTask.scenes());
        assertEquals(2, task.layout().times(), "0.5 s at k_t = 4");
        TrainResult r = new Trainer<>(tmp.resolve("run"), c.train, task).progressBar(false).run();
        assertTrue(Double.isFinite(r.lastLoss()));

        Path ditFile = tmp.resolve("dit-video.dcs");
        VideoDitModel.save(ditFile, task.model(), c);
        assertTrue(VideoDitModel.isVideoDit(ditFile));
        VideoDitModel.Loaded m = VideoDitModel.load(ditFile, null);
        VideoGeneration.Result g = VideoGeneration.run(m.dit(), m.tokenizer().video(), new int[]{1, 2}, 2, FlowSampler.Method.EULER, 2, 1.5,
                7, 16, 16);
        assertEquals(2, g.levels());
        assertEquals(2, g.previews().size(), "one preview per level");
        assertEquals(2, g.previews().get(0).length);
        assertEquals(8, g.previews().get(1)[0].length, "0.5 s at 16 fps");
        assertEquals(16 * 16, g.previews().get(1)[0][0].length);
    }
}
