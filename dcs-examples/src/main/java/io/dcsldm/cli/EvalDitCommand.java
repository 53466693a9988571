package io.dcsldm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dcsldm.train.data.Datasets;
import io.dcsldm.train.dit.DitEval;
import io.dcsldm.train.dit.DitModel;
import io.dcsldm.train.eval.FmnistClassifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code dcs eval-dit}: accuracy and classifier-feature distance per level count and step count, with costs. */
@Command(name = "eval-dit", description = "Evaluate a diffusion model: accuracy and FD (project classifier features) per level and step count, with costs.")
public final class EvalDitCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "DiT file, e.g. models/dit-fmnist.dcs")
    Path checkpoint;

    @Option(names = "--classifier", defaultValue = "models/fmnist-classifier.zip", description = "Evaluation classifier (default ${DEFAULT-VALUE})")
    String classifier;

    @Option(names = "--count", defaultValue = "1000", description = "Generated samples (default ${DEFAULT-VALUE})")
    int count;

    @Option(names = "--steps", split = ",", defaultValue = "10,25", description = "Sampling step counts; the last is used for the level sweep (default ${DEFAULT-VALUE})")
    int[] steps;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--real-images", defaultValue = "2000", description = "Real images per split for the feature statistics (default ${DEFAULT-VALUE})")
    int realImages;

    @Option(names = "--out", description = "Also write eval.json, eval.md and tradeoff.png here")
    Path out;

    @Option(names = "--json", description = "Print one JSON object on stdout")
    boolean json;

    @Override
    public Integer call() throws Exception {
        DitModel.Loaded m = DitModel.load(checkpoint, Repo.root().orElse(null));
        FmnistClassifier clf = FmnistClassifier.load(Repo.resolve(classifier));
        var test = Datasets.load("fashion-mnist:test", realImages);
        var train = Datasets.load("fashion-mnist:train", realImages);
        Map<String, Object> r = DitEval.evaluate(m.dit(), m.tokenizer(), clf, test, train,
                new DitEval.Options(count, steps, sampling.method(m.config().sampling), sampling.guidance(m.config().sampling),
                        100, 1000, test.height(), m.nativeSize()));
        String line = new ObjectMapper().writeValueAsString(r);
        if (out != null) {
            Files.createDirectories(out);
            Files.writeString(out.resolve("eval.json"), line + "\n");
            Files.writeString(out.resolve("eval.md"), DitEval.markdown(r));
            DitEval.chart(r, out.resolve("tradeoff.png"));
        }
        if (json) System.out.println(line);
        else System.out.print(DitEval.markdown(r));
        return 0;
    }
}
