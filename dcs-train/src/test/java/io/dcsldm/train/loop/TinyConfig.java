package io.dcsldm.train.loop;

import io.dcsldm.core.config.ConfigLoader;
import io.dcsldm.core.config.Range;

import java.util.ArrayList;
import java.util.List;

/** Root config of the tiny test task: a model section (fingerprinted), a data section and train:. */
public class TinyConfig {
    /** A DCS-Tok small enough for tests: 4×4 patches, 2 levels, width 16, one block each side. */
    public static io.dcsldm.tok.TokConfig tinyTokenizer() {
        io.dcsldm.tok.TokConfig m = new io.dcsldm.tok.TokConfig();
        m.k = 4;
        m.levels = 2;
        m.latentChannels = 2;
        m.width = 16;
        m.heads = 2;
        m.encoderDepth = 1;
        m.decoderDepth = 1;
        m.pixelWidth = 8;
        m.fourierFreqs = 2;
        m.mlpRatio = 2;
        return m;
    }

    public Model model = new Model();
    public Data data = new Data();
    public TrainConfig train = new TrainConfig();

    public static class Model {
        @Range(min = 1) public int in = 8;
        @Range(min = 2) public int width = 16;
        @Range(min = 1) public int heads = 2;
        @Range(min = 1) public int depth = 1;
        @Range(min = 1) public int out = 4;
        /** Tokens per sample (2 levels × 2 tokens, level-causal attention). */
        @Range(min = 1) public int levels = 2;
        @Range(min = 1) public int tokensPerLevel = 2;
        /** Seed of the parameter initialisation. */
        public long initSeed = 7;
        /** Floats of a dummy parameter that only makes checkpoints bigger (kill test). */
        @Range(min = 0) public int padParams = 0;
    }

    public static class Data {
        @Range(min = 1) public int size = 64;
        @Range(min = 1) public int valSize = 16;
        public long seed = 11;
        /** Std of the input noise drawn per step from Rng.mix(seed, step, ...). */
        @Range(min = 0) public double noise = 0.05;
        /** Test hooks: steps (0-based) whose loss is NaN, and the step whose batch fails to load (-1: none). */
        public List<Long> nanSteps = new ArrayList<>();
        /** Steps (0-based) whose gradient gets an infinite entry while the loss stays finite. */
        public List<Long> infGradSteps = new ArrayList<>();
        public long failLoadAt = -1;
    }

    /** Small, fast defaults for tests. */
    public static TinyConfig small(long steps) {
        TinyConfig c = new TinyConfig();
        TrainConfig t = c.train;
        t.steps = steps;
        t.batchSize = 8;
        t.lr = 3e-3;
        t.warmupSteps = 3;
        t.minLrRatio = 0.1;
        t.weightDecay = 0.01;
        t.gradClip = 1.0;
        t.emaDecay = 0.9;
        t.evalEvery = 5;
        t.checkpointEvery = 4;
        t.keepCheckpoints = 2;
        t.logEvery = 1;
        t.seed = 1234;
        t.maxBadSteps = 3;
        t.prefetchBatches = 2;
        t.plotEvery = 0;
        ConfigLoader.validate(c, "tiny test config");
        return c;
    }
}
