package io.dcsldm.cli;

import io.dcsldm.tok.Latent;
import io.dcsldm.train.data.Datasets;
import io.dcsldm.train.data.ImageFolderReader;
import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.tok.TokenizerModel;
import io.dcsldm.train.tok.TokenizerTask;
import io.dcsldm.train.viz.ImageGrid;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code dcs reconstruct}: samples × (levels × sizes) grid, like the paper's Figure 5. */
@Command(name = "reconstruct", description = "Encode images once and decode every level prefix at several sizes into one grid image.")
public final class ReconstructCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "Tokenizer file, e.g. models/tok-fmnist.dcs")
    Path checkpoint;

    @Option(names = "--input", split = ",", description = "Image files (PNG/JPEG, resized to the content size)")
    List<Path> inputs = new ArrayList<>();

    @Option(names = "--data", description = "Or a dataset spec, e.g. fashion-mnist:test")
    String data;

    @Option(names = "--count", defaultValue = "6", description = "Images taken from --data (default ${DEFAULT-VALUE})")
    int count;

    @Option(names = "--levels", split = ",", defaultValue = "1,2,3,4", description = "Level counts (default ${DEFAULT-VALUE})")
    int[] levels;

    @Option(names = "--size", split = ",", defaultValue = "14,28,56", description = "Output content sizes (default ${DEFAULT-VALUE})")
    int[] sizes;

    @Option(names = "--out", required = true, description = "Output directory (writes reconstruct.png)")
    Path out;

    @Override
    public Integer call() throws Exception {
        TokenizerModel.Loaded m = TokenizerModel.load(checkpoint);
        int nat = m.config().data.nativeSize, content = 28;
        ImageSet images;
        if (!inputs.isEmpty()) {
            ImageFolderReader reader = new ImageFolderReader(m.config().model.channels, content, content, ImageFolderReader.SizePolicy.RESIZE);
            List<float[]> imgs = new ArrayList<>();
            for (Path p : inputs) imgs.add(reader.readImage(p));
            images = new ImageSet(imgs.toArray(new float[0][]), null, m.config().model.channels, content, content, inputs.toString());
        } else if (data != null) {
            images = Datasets.load(data, count);
        } else {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "give --input files or --data");
        }
        content = images.height();
        INDArray padded = TokenizerTask.pad(images, nat).toINDArray();
        Latent z = m.tokenizer().encode(padded);
        List<List<INDArray>> rows = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            List<INDArray> row = new ArrayList<>();
            row.add(images.toINDArray(new int[]{i}));
            for (int s : sizes) {
                if (s * nat % content != 0) throw new IllegalArgumentException("size " + s + " does not map to a whole native frame (content " + content + ", native " + nat + ")");
                int frame = s * nat / content, pad = (frame - s) / 2;
                for (int l : levels) {
                    INDArray y = m.tokenizer().decode(z.prefix(l), frame, frame).get(NDArrayIndex.point(i));
                    row.add(y.get(NDArrayIndex.all(), NDArrayIndex.interval(pad, pad + s), NDArrayIndex.interval(pad, pad + s)).dup('c'));
                }
            }
            rows.add(row);
        }
        int cell = 2 * java.util.Arrays.stream(sizes).max().orElse(56);
        ImageGrid.write(out.resolve("reconstruct.png"), rows, Math.max(cell, 56), 4);
        System.err.println("reconstruct: columns = original, then for each size " + java.util.Arrays.toString(sizes)
                + " the level counts " + java.util.Arrays.toString(levels) + " → " + out.resolve("reconstruct.png"));
        return 0;
    }
}
