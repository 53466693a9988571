package io.dcsldm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dcsldm.train.data.Datasets;
import io.dcsldm.train.eval.FmnistClassifier;
import io.dcsldm.train.video.FrameClassifierFile;
import io.dcsldm.train.video.MovingMnist;
import io.dcsldm.train.video.VideoDitEval;
import io.dcsldm.train.video.VideoDitModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * {@code dcs eval-video-dit}: class accuracy of the clips a one-digit video DiT generates, per level count, beside
 * the same classifier on real clips and on the tokenizer's reconstructions of them ({@link VideoDitEval}).
 */
@Command(name = "eval-video-dit", description = "Evaluate a video DiT of one-digit Moving MNIST: class accuracy of generated clips per level, "
        + "against real clips and their reconstructions.")
public final class EvalVideoDitCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", defaultValue = "models/dit-video.dcs", description = "Video DiT file (default ${DEFAULT-VALUE})")
    Path checkpoint;

    @Option(names = "--count", defaultValue = "200", description = "Generated clips, classes 0-9 in turn (default ${DEFAULT-VALUE})")
    int count;

    @Option(names = "--steps", defaultValue = "0", description = "Sampling steps; 0 = the config's (default ${DEFAULT-VALUE})")
    int steps;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--batch", defaultValue = "10", description = "Clips per sampler call; the KV cache grows with it (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--real-clips", defaultValue = "200", description = "Real evaluation clips scored and reconstructed (default ${DEFAULT-VALUE})")
    int realClips;

    @Option(names = "--classifier-frames", defaultValue = "20000", description = "Training frames of the frame classifier (default ${DEFAULT-VALUE})")
    int classifierFrames;

    @Option(names = "--classifier", paramLabel = "FILE",
            description = "Keep the frame classifier in FILE: loaded when it exists (and FILE.json says it was trained for this model's "
                    + "clips), else trained and saved there. Without it the classifier is trained on every run")
    Path classifier;

    @Option(names = "--seed", defaultValue = "0", description = "Noise seed of the first batch (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--partial-denoise", split = ",", paramLabel = "T0",
            description = "Also noise the latents of real clips to these flow times (0 < t0 <= 1, e.g. 0.3,0.5,0.7,0.85) and score the "
                    + "denoised clips given the true and a wrong class: where the model loses the digit, and whether the label steers it")
    double[] partialDenoise = new double[0];

    @Option(names = "--partial-clips", defaultValue = "100", description = "Real clips used by --partial-denoise (default ${DEFAULT-VALUE})")
    int partialClips;

    @Option(names = "--out", description = "Also write eval.json here")
    Path out;

    @Option(names = "--json", description = "Print one JSON object on stdout")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (count < 1 || batch < 1 || realClips < 1 || classifierFrames < 100 || partialClips < 1)
            throw new IllegalArgumentException("--count, --batch, --real-clips and --partial-clips must be >= 1 and --classifier-frames >= 100");
        for (double t0 : partialDenoise)
            if (!(t0 > 0 && t0 <= 1)) throw new IllegalArgumentException("--partial-denoise: flow times must be in (0, 1], got " + t0);
        Consumer<String> log = line -> System.err.println("eval-video-dit: " + line);
        VideoDitModel.Loaded m = VideoDitModel.load(checkpoint, Repo.root().orElse(null));
        VideoDitEval.requireOneDigit(m, checkpoint.toString());
        var tc = m.tokenizer().config().video;
        var evalDigits = Datasets.load(tc.evalDigits);
        MovingMnist train = VideoDitEval.scenes(m, Datasets.load(tc.digits), tc.seed + 100);
        MovingMnist test = VideoDitEval.scenes(m, evalDigits, tc.seed + 1);
        MovingMnist classifierTest = VideoDitEval.scenes(m, evalDigits, tc.seed + 101);
        double fps = m.config().video.fps;
        int size = m.config().video.size;
        FmnistClassifier clf = classifier == null
                ? VideoDitEval.trainClassifier(train, classifierTest, classifierFrames, fps, size, 1, log)
                : FrameClassifierFile.loadOrTrain(classifier, train, classifierTest, classifierFrames, fps, size, 1, log);
        var o = new VideoDitEval.Options(count, sampling.method(m.config().sampling), steps > 0 ? steps : m.config().sampling.steps,
                sampling.guidance(m.config().sampling), batch, realClips, classifierFrames, seed);
        Map<String, Object> r = new LinkedHashMap<>(VideoDitEval.evaluate(m, clf, test, o, log));
        if (partialDenoise.length > 0) {
            r.put("partial_denoising", VideoDitEval.partialDenoising(m, clf, test, partialDenoise, partialClips, o, log));
            r.put("partial_denoising_clips", partialClips);
        }
        r.put("checkpoint", checkpoint.toString());
        String line = new ObjectMapper().writeValueAsString(r);
        if (out != null) {
            Files.createDirectories(out);
            Files.writeString(out.resolve("eval.json"), line + "\n");
        }
        if (json) System.out.println(line);
        else System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(r));
        return 0;
    }
}
