package io.dcsldm.train.tok;

import io.dcsldm.core.config.InvalidValueException;
import io.dcsldm.core.config.Range;
import io.dcsldm.core.config.SelfValidating;
import io.dcsldm.tok.TokConfig;
import io.dcsldm.train.loop.TrainConfig;

import java.util.List;

/** The whole YAML config of {@code dcs train-tokenizer}: model, training loop and data. */
public class TokTrainConfig implements SelfValidating {
    public TokConfig model = new TokConfig();
    public TrainConfig train = new TrainConfig();
    public Data data = new Data();
    public Objective objective = new Objective();

    /** The reconstruction loss. */
    public static class Objective {
        /** Weight of the L1 term in {@code l1Weight·L1 + MSE} (0 = MSE only, which is what PSNR measures). */
        @Range(min = 0)
        public double l1Weight = 1.0;
    }

    /** Where images come from and at which sizes the tokenizer trains. */
    public static class Data implements SelfValidating {
        /** Dataset spec of the training split (see Datasets), e.g. {@code fashion-mnist:train}. */
        public String train = "fashion-mnist:train";
        /** Dataset spec of the evaluation split. */
        public String test = "fashion-mnist:test";
        /** Use at most this many training images (0 = all). */
        @Range(min = 0)
        public int limit = 0;
        /** Native size after zero padding (28×28 Fashion-MNIST → 32×32 so that k = 4 divides it). */
        @Range(min = 1)
        public int nativeSize = 32;
        /** Input/output sizes drawn per sample (asymmetric scale alignment). */
        public List<Integer> sizes = List.of(16, 32, 64);
        /** Test images scored at each periodic evaluation. */
        @Range(min = 1)
        public int evalImages = 256;
        /** Training images encoded to measure the per-level latent statistics. */
        @Range(min = 1)
        public int statsImages = 2000;
        /** Training images the global linear code (PCA, {@code model.linearCode}) is fitted on. */
        @Range(min = 2)
        public int pcaImages = 10000;

        @Override
        public void validate() {
            checkSizes("sizes", sizes);
        }
    }

    @Override
    public void validate() {
        SelfValidating.checkSection("model", model::validate);
        checkMultiplesOfK("data.sizes", data.sizes, model.k);
    }

    /** A list of training sizes (image and video configs alike): not empty, every size positive. */
    public static void checkSizes(String key, List<Integer> sizes) {
        if (sizes.isEmpty()) throw new InvalidValueException(key, "must list at least one size");
        for (int s : sizes)
            if (s <= 0) throw new InvalidValueException(key, "sizes must be > 0, got " + s);
    }

    /** Every size must be a multiple of the patch grid's {@code model.k}, so the grid divides it into whole patches. */
    public static void checkMultiplesOfK(String key, List<Integer> sizes, int k) {
        for (int s : sizes)
            if (s % k != 0) throw new InvalidValueException(key, "size " + s + " is not a multiple of model.k = " + k);
    }
}
