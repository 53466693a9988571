package io.dcsldm.cli;

import io.dcsldm.train.dit.DitModel;
import io.dcsldm.train.dit.Generation;
import io.dcsldm.train.viz.ImageGrid;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code dcs generate}: class-conditional coarse-to-fine generation with per-level previews. */
@Command(name = "generate", description = "Generate samples coarse-to-fine with per-level previews at any size.")
public final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "DiT file, e.g. models/dit-fmnist.dcs")
    Path checkpoint;

    @Option(names = "--class", defaultValue = "0", description = "Class id (Fashion-MNIST: 0 T-shirt … 9 ankle boot)")
    int label;

    @Option(names = "--count", defaultValue = "16", description = "Samples (default ${DEFAULT-VALUE})")
    int count;

    @Option(names = "--levels", defaultValue = "0", description = "Level budget (0 = all)")
    int levels;

    @Option(names = "--size", defaultValue = "64", description = "Output size in pixels (any multiple of the grid)")
    int size;

    @Option(names = "--steps", defaultValue = "0", description = "Sampling steps (0 = the config's)")
    int steps;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--adaptive-stop", defaultValue = "0", description = "Stop when a level changes the preview by less than this RMS (0 = off)")
    double adaptiveStop;

    @Option(names = "--seed", defaultValue = "0")
    long seed;

    @Option(names = "--previews", description = "Write the preview after every level")
    boolean previews;

    @Option(names = "--out", required = true, description = "Output directory")
    Path out;

    @Option(names = "--fps", defaultValue = "8", description = "Video models: frame rate of the decoded clips (default ${DEFAULT-VALUE})")
    double fps;

    @Override
    public Integer call() throws Exception {
        if (io.dcsldm.train.video.VideoDitModel.isVideoDit(checkpoint)) return VideoGenerate.run(this);
        DitModel.Loaded m = DitModel.load(checkpoint, Repo.root().orElse(null));
        int l = levels <= 0 ? m.dit().layout().levels() : levels;
        if (l > m.dit().layout().levels()) throw new IllegalArgumentException("--levels " + l + " > the model's " + m.dit().layout().levels());
        int[] labels = new int[count];
        java.util.Arrays.fill(labels, label);
        Generation.Result r = Generation.run(m.dit(), m.tokenizer(), labels, l, sampling.method(m.config().sampling),
                steps > 0 ? steps : m.config().sampling.steps, sampling.guidance(m.config().sampling), seed, true, size, adaptiveStop);
        List<List<INDArray>> rows = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            List<INDArray> row = new ArrayList<>();
            for (INDArray p : r.previews()) row.add(p.get(NDArrayIndex.point(i)));
            rows.add(row);
        }
        if (previews) ImageGrid.write(out.resolve("previews.png"), rows, Math.max(size, 64), 4);
        List<List<INDArray>> grid = new ArrayList<>();
        INDArray fin = r.previews().get(r.previews().size() - 1);
        int side = (int) Math.ceil(Math.sqrt(count));
        for (int i = 0; i < count; i += side) {
            List<INDArray> row = new ArrayList<>();
            for (int j = i; j < Math.min(count, i + side); j++) row.add(fin.get(NDArrayIndex.point(j)));
            grid.add(row);
        }
        ImageGrid.write(out.resolve("samples.png"), grid, Math.max(size, 64), 4);
        System.err.printf("generate: %d samples of class %d, %d level(s), %.0f ms, %.3g MACs, KV cache %.1f MB → %s%n",
                count, label, r.levels(), r.millis(), (double) r.macs(), r.kvCacheBytes() / 1e6, out);
        return 0;
    }
}
