package io.dcsldm.train.video;

import io.dcsldm.core.config.InvalidValueException;
import io.dcsldm.core.config.Range;
import io.dcsldm.core.config.SelfValidating;
import io.dcsldm.tok.TemporalGrid;
import io.dcsldm.tok.TokConfig;
import io.dcsldm.train.loop.TrainConfig;
import io.dcsldm.train.tok.TokTrainConfig;

import java.util.List;

/**
 * The YAML config of {@code dcs train-tokenizer} for video (recognised by its top-level {@code video:}
 * section): the tokenizer, the training loop, and Moving MNIST clips plus MNIST images trained together.
 */
public class VideoTokTrainConfig implements SelfValidating {
    public TokConfig model = new TokConfig();
    public TrainConfig train = new TrainConfig();
    public Video video = new Video();

    /** Where clips and images come from, and at which frame rates and sizes the tokenizer trains. */
    public static class Video implements SelfValidating {
        /** Digit images for the training scenes and the image samples (a dataset spec, see Datasets). */
        public String digits = "mnist:train";
        /** Digit images for the evaluation scenes and images (disjoint from training). */
        public String evalDigits = "mnist:test";
        /** Training clips: indices 0..clips−1 of the procedural generator (each index is one fixed scene). */
        @Range(min = 1)
        public int clips = 20000;
        /** Scene seed of the training clips; evaluation clips use {@code seed + 1} on the evaluation digits. */
        public long seed = 1;
        /** Clip duration in seconds; {@code duration · model.kt} temporal patches. */
        @Range(min = 0, exclusiveMin = true)
        public double duration = 1.0;
        @Range(min = 1)
        public int digitsPerClip = 2;
        /** Digit speed range in canvas widths per second. */
        @Range(min = 0)
        public double minSpeed = 0.25;
        @Range(min = 0)
        public double maxSpeed = 0.6;
        /** Input and output frame rates, drawn independently per sample (asymmetric alignment in time). */
        public List<Integer> fps = List.of(8, 16, 32);
        /** Input and output frame sizes (square), drawn independently per sample. */
        public List<Integer> sizes = List.of(16, 32);
        /** Size at which evaluation encodes and scores clips and images; MNIST digits are zero-padded to it. */
        @Range(min = 1)
        public int nativeSize = 32;
        /** Fraction of the samples of a batch that are single images (one-frame videos) rather than clips. */
        @Range(min = 0, max = 1)
        public double imageFraction = 0.25;
        /** Training scenes the linear code is fitted on (model.linearCode; images are added in the mix's proportion). */
        @Range(min = 1)
        public int pcaClips = 1500;
        /**
         * Fit the linear code per patch of the token grid (one PCA shared by every patch position, each token holding
         * components of its own patch) instead of over the whole temporal patch: 3.4 dB worse reconstruction for the
         * same floats on Moving MNIST, but a latent whose coordinates are local, on which the video DiT moves away from its
         * noise where on the global one it did not (docs/video.md, {@link io.dcsldm.train.tok.PatchLinearCode}).
         */
        public boolean localLinearCode = false;
        /** Clips and images scored at each periodic evaluation. */
        @Range(min = 1)
        public int evalClips = 16;
        @Range(min = 1)
        public int evalImages = 64;
        /** Clips (at every training frame rate) and images encoded to measure the per-level latent statistics. */
        @Range(min = 1)
        public int statsClips = 32;
        @Range(min = 1)
        public int statsImages = 128;

        @Override
        public void validate() {
            if (fps.isEmpty()) throw new InvalidValueException("fps", "must list at least one frame rate");
            for (int f : fps) if (f <= 0) throw new InvalidValueException("fps", "frame rates must be > 0, got " + f);
            TokTrainConfig.checkSizes("sizes", sizes);
            if (maxSpeed < minSpeed) throw new InvalidValueException("maxSpeed", "must be >= minSpeed (" + minSpeed + ")");
        }
    }

    @Override
    public void validate() {
        SelfValidating.checkSection("model", model::validate);
        TokTrainConfig.checkMultiplesOfK("video.sizes", video.sizes, model.k);
        if (video.nativeSize % model.k != 0)
            throw new InvalidValueException("video.nativeSize", video.nativeSize + " is not a multiple of model.k = " + model.k);
        for (int f : video.fps) {
            try {
                int frames = MovingMnist.frameCount(video.duration, f);
                new TemporalGrid(frames, f, model.kt);
            } catch (IllegalArgumentException e) {
                throw new InvalidValueException("video.fps", f + " fps: " + e.getMessage());
            }
        }
    }

    /** Scene options of the training and evaluation clips. */
    public MovingMnist.Options sceneOptions() {
        MovingMnist.Options o = new MovingMnist.Options();
        o.digits = video.digitsPerClip;
        o.minSpeed = video.minSpeed;
        o.maxSpeed = video.maxSpeed;
        o.duration = video.duration;
        return o.validate();
    }
}
