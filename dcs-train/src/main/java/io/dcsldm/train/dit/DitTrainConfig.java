package io.dcsldm.train.dit;

import io.dcsldm.core.config.Range;
import io.dcsldm.core.config.SelfValidating;
import io.dcsldm.dit.DitConfig;
import io.dcsldm.dit.FlowObjective;
import io.dcsldm.dit.FlowSampler;
import io.dcsldm.train.loop.TrainConfig;

/** The whole YAML config of {@code dcs train-dit}: model, flow objective, loop, data and default sampling. */
public class DitTrainConfig implements SelfValidating {
    public DitConfig model = new DitConfig();
    public FlowObjective.Settings flow = new FlowObjective.Settings();
    public TrainConfig train = new TrainConfig();
    public Data data = new Data();
    public Sampling sampling = new Sampling();

    public static class Data {
        /** The tokenizer whose latents the model learns (a file written by train-tokenizer --export). */
        public String tokenizer = "models/tok-fmnist.dcs";
        public String train = "fashion-mnist:train";
        /** Dataset spec of images training never sees; the first {@value DitTask#HELD_OUT_IMAGES} give the held-out flow loss. */
        public String test = "fashion-mnist:test";
        /** Use at most this many training images (0 = all). */
        @Range(min = 0)
        public int limit = 0;
        /**
         * The space the model diffuses in: each latent coordinate scaled by (its pixel energy in the
         * decoder)^power, normalised to unit mean square ({@link LatentScale}). 0 = the tokenizer's
         * normalised latent as is; 1 = weigh coordinates like pixel-space MSE.
         */
        @Range(min = 0, max = 2)
        public double latentScalePower = 0.0;
    }

    /** Defaults of generate / eval-dit. */
    public static class Sampling {
        public FlowSampler.Method method = FlowSampler.Method.EULER;
        @Range(min = 1)
        public int steps = 25;
        @Range(min = 0)
        public double guidance = 2.0;
    }

    @Override
    public void validate() {
        SelfValidating.checkSection("model", model::validate);
        SelfValidating.checkSection("flow", flow::validate);
        if (flow.frontierZeroShare != FlowObjective.Settings.UNIFORM_FRONTIER)
            throw new io.dcsldm.core.config.InvalidValueException("flow.frontierZeroShare",
                    "applies to video DiTs trained with clean context only; images have no temporal patches, got " + flow.frontierZeroShare);
    }
}
