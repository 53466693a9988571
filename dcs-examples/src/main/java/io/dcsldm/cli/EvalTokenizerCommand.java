package io.dcsldm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dcsldm.train.data.Datasets;
import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.tok.TokenizerEval;
import io.dcsldm.train.tok.TokenizerModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code dcs eval-tokenizer}: PSNR/SSIM per size and level, PCA baseline, latent shapes, adaptive levels. */
@Command(name = "eval-tokenizer", description = "Evaluate a tokenizer: PSNR/SSIM per output size and level count against a PCA baseline.")
public final class EvalTokenizerCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "Tokenizer file (models/tok-fmnist.dcs) or a training checkpoint")
    Path checkpoint;

    @Option(names = "--data", defaultValue = "fashion-mnist:test", description = "Test images (default ${DEFAULT-VALUE})")
    String data;

    @Option(names = "--pca-data", defaultValue = "fashion-mnist:train", description = "Images the PCA baseline is fitted on (default ${DEFAULT-VALUE})")
    String pcaData;

    @Option(names = "--pca-images", defaultValue = "10000", description = "Training images for the PCA fit (default ${DEFAULT-VALUE})")
    int pcaImages;

    @Option(names = "--limit", defaultValue = "2000", description = "Test images to score (default ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--target-db", defaultValue = "21", description = "PSNR target of levelsFor (default ${DEFAULT-VALUE})")
    double targetDb;

    @Option(names = "--out", description = "Also write eval.json, eval.md and psnr-vs-floats.png here")
    Path out;

    @Option(names = "--json", description = "Print one JSON object on stdout")
    boolean json;

    @Override
    public Integer call() throws Exception {
        TokenizerModel.Loaded m = TokenizerModel.load(checkpoint);
        ImageSet test = Datasets.load(data, limit);
        ImageSet pcaTrain = Datasets.load(pcaData, pcaImages);
        if (test.height() > m.config().data.nativeSize)
            throw new IllegalArgumentException("images of " + data + " are " + test.height() + "px, larger than the tokenizer's native size " + m.config().data.nativeSize);
        Map<String, Object> r = TokenizerEval.evaluate(m.tokenizer(), test, pcaTrain,
                new TokenizerEval.Options(test.height(), m.config().data.nativeSize, targetDb, pcaImages, 100));
        r.put("data", Datasets.describe(data));
        String line = new ObjectMapper().writeValueAsString(r);
        if (out != null) {
            Files.createDirectories(out);
            Files.writeString(out.resolve("eval.json"), line + "\n");
            Files.writeString(out.resolve("eval.md"), TokenizerEval.markdown(r));
            TokenizerEval.chart(r, out.resolve("psnr-vs-floats.png"));
        }
        if (json) System.out.println(line);
        else System.out.print(TokenizerEval.markdown(r));
        return 0;
    }
}
