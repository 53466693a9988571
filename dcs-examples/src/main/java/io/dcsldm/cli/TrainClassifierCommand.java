package io.dcsldm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dcsldm.train.data.Datasets;
import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.eval.FmnistClassifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code dcs train-classifier}: trains the Fashion-MNIST evaluation classifier
 * ({@link FmnistClassifier}), reports its accuracy on the whole test split and saves it.
 */
@Command(name = "train-classifier",
        description = "Train the Fashion-MNIST evaluation classifier (a small CNN that scores generated images), "
                + "report its accuracy on the whole test split and save it.")
public final class TrainClassifierCommand implements Callable<Integer> {
    /** Default output, relative to the repository root. */
    static final String DEFAULT_OUT = "models/fmnist-classifier.zip";

    @Option(names = "--epochs", defaultValue = "2", description = "Passes over the training images (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch", defaultValue = "64", description = "Images per Adam step (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--seed", defaultValue = "1", description = "Seed for initialisation and image order (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", description = "Where to save the classifier (default <repo>/" + DEFAULT_OUT + ")")
    Path out;

    @Option(names = "--train-data", defaultValue = "fashion-mnist:train", description = "Training images (default ${DEFAULT-VALUE})")
    String trainData;

    @Option(names = "--test-data", defaultValue = "fashion-mnist:test", description = "Test images, all scored (default ${DEFAULT-VALUE})")
    String testData;

    @Option(names = "--limit", defaultValue = "0", description = "Use only the first N training images; 0 = all (default ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--json", description = "Print one JSON line on stdout")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (epochs < 1) {
            throw new ParameterException(spec.commandLine(), "--epochs must be >= 1, got " + epochs);
        }
        if (batch < 1) {
            throw new ParameterException(spec.commandLine(), "--batch must be >= 1, got " + batch);
        }
        if (limit < 0) {
            throw new ParameterException(spec.commandLine(), "--limit must be >= 0 (0 = all), got " + limit);
        }
        Path file = out != null ? out : Repo.root().map(r -> r.resolve(DEFAULT_OUT)).orElse(Path.of(DEFAULT_OUT));
        PrintWriter err = spec.commandLine().getErr();

        Datasets.Source trainSrc = Datasets.source(trainData);
        Datasets.Source testSrc = Datasets.source(testData);
        ImageSet train = limit == 0 ? trainSrc.load() : trainSrc.load(limit);
        ImageSet test = testSrc.load();
        err.println("train-classifier: training on " + train.source());
        err.println("train-classifier: testing on " + test.source());
        err.flush();

        long t0 = System.nanoTime();
        FmnistClassifier clf = FmnistClassifier.train(train, test, epochs, batch, seed, line -> {
            err.println("train-classifier: " + line);
            err.flush();
        });
        double trainSeconds = (System.nanoTime() - t0) / 1e9;
        // scored on the whole test split after the last epoch (train() did it already)
        double accuracy = clf.trainedTestAccuracy().orElseGet(() -> clf.accuracy(test));
        clf.save(file);
        long bytes = Files.size(file);

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("out", file.toString());
        r.put("testAccuracy", accuracy);
        r.put("testImages", test.size());
        r.put("trainImages", train.size());
        r.put("epochs", epochs);
        r.put("batch", batch);
        r.put("seed", seed);
        r.put("parameters", clf.parameterCount());
        r.put("trainSeconds", Math.round(trainSeconds * 10) / 10.0);
        r.put("fileBytes", bytes);
        r.put("trainData", trainSrc.describe());
        r.put("testData", testSrc.describe());
        r.put("fallbackData", trainSrc.isFallback() || testSrc.isFallback());
        PrintWriter o = spec.commandLine().getOut();
        if (json) {
            o.println(new ObjectMapper().writeValueAsString(r));
        } else {
            o.printf(Locale.ROOT, "test accuracy  %.2f %% (%d images)%n", 100 * accuracy, test.size());
            o.printf(Locale.ROOT, "training       %d images, %d epoch(s), batch %d, seed %d, %.1f s%n",
                    train.size(), epochs, batch, seed, trainSeconds);
            o.printf(Locale.ROOT, "saved          %s (%d bytes, %d parameters)%n", file, bytes, clf.parameterCount());
            if (trainSrc.isFallback() || testSrc.isFallback()) {
                o.println("warning        the shipped subset stood in for the full Fashion-MNIST (see the data lines on stderr)");
            }
        }
        o.flush();
        return 0;
    }
}
