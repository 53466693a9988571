package io.dcsldm.cli;

import io.dcsldm.train.video.VideoDitModel;
import io.dcsldm.train.video.VideoGeneration;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code dcs generate} with a video DiT ({@code dcs-dit-video}): Moving MNIST clips generated coarse to fine.
 * Writes {@code samples.png} (one frame strip per sample), {@code sample-<i>.gif}, and with
 * {@code --previews} {@code previews.png}: for every sample, one strip per level count (the clip decoded
 * from the first ℓ levels). A model trained with {@code video.cleanContext} is sampled temporal patch by temporal
 * patch (level by level within each); the others level by level over the whole clip ({@code VideoGeneration}).
 */
final class VideoGenerate {
    private VideoGenerate() {}

    static int run(GenerateCommand g) throws Exception {
        VideoDitModel.Loaded m = VideoDitModel.load(g.checkpoint, Repo.root().orElse(null));
        int max = m.dit().layout().levels();
        int l = g.levels <= 0 ? max : g.levels;
        if (l > max) throw new IllegalArgumentException("--levels " + l + " > the model's " + max);
        int[] labels = new int[g.count];
        java.util.Arrays.fill(labels, g.label);
        VideoGeneration.Result r = VideoGeneration.run(m.dit(), m.tokenizer().video(), labels, l,
                g.sampling.method(m.config().sampling), g.steps > 0 ? g.steps : m.config().sampling.steps,
                g.sampling.guidance(m.config().sampling), g.seed, g.fps, g.size, m.config().video.cleanContext);
        int c = m.tokenizer().config().model.channels, cell = Math.max(g.size, 64);
        float[][][] fin = r.previews().get(r.previews().size() - 1);
        List<float[][]> rows = new ArrayList<>();
        for (float[][] clip : fin) rows.add(clip);
        VideoFiles.strip(g.out.resolve("samples.png"), rows, c, g.size, g.size, cell);
        for (int i = 0; i < fin.length; i++)
            VideoFiles.gif(g.out.resolve("sample-" + i + ".gif"), fin[i], c, g.size, g.size, g.fps, Math.max(1, 128 / g.size));
        if (g.previews) {
            List<float[][]> prev = new ArrayList<>();
            for (int i = 0; i < g.count; i++)
                for (float[][][] level : r.previews()) prev.add(level[i]);
            VideoFiles.strip(g.out.resolve("previews.png"), prev, c, g.size, g.size, cell);
        }
        System.err.printf("generate: %d clips of class %d (first digit), %d level(s), %d frames at %s fps, %.0f ms incl. previews, %.3g MACs → %s%s%n",
                g.count, g.label, r.levels(), fin[0].length, g.fps, r.millis(), (double) r.macs(), g.out,
                g.previews ? " (previews.png: for each sample one row per level count)" : "");
        return 0;
    }
}
