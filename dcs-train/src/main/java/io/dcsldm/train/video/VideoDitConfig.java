package io.dcsldm.train.video;

import io.dcsldm.core.config.Range;
import io.dcsldm.core.config.SelfValidating;
import io.dcsldm.dit.DitConfig;
import io.dcsldm.dit.FlowObjective;
import io.dcsldm.train.dit.DitTrainConfig;
import io.dcsldm.train.loop.TrainConfig;

/**
 * The YAML config of {@code dcs train-dit} for video latents (recognised by its top-level {@code video:}
 * section): DCS-DiT learns the latents of Moving MNIST clips encoded by a trained video tokenizer,
 * conditioned on the class of the clip's first digit.
 */
public class VideoDitConfig implements SelfValidating {
    public DitConfig model = new DitConfig();
    public FlowObjective.Settings flow = new FlowObjective.Settings();
    public TrainConfig train = new TrainConfig();
    public Video video = new Video();
    public DitTrainConfig.Sampling sampling = new DitTrainConfig.Sampling();

    public static class Video {
        /** The video tokenizer (a file written by train-tokenizer --config configs/tok-video.yaml --export). */
        public String tokenizer = "models/tok-video.dcs";
        /** Training clips encoded into latents: scenes 0..clips−1 of the tokenizer's training scenes. */
        @Range(min = 2)
        public int clips = 4000;
        /** Frame rate and size the clips are encoded at (the latent does not depend on them). */
        @Range(min = 0, exclusiveMin = true)
        public double fps = 8;
        @Range(min = 1)
        public int size = 32;
        /**
         * Train and sample in the space scaled per coordinate by (pixel energy)^power, as
         * {@code data.latentScalePower} of the image DiT ({@link io.dcsldm.train.dit.LatentScale}); 0 = the
         * tokenizer's normalised latent.
         */
        @Range(min = 0, max = 2)
        public double latentScalePower = 0.0;
        /** Digits per training scene; 0 (default): the tokenizer's {@code video.digitsPerClip}. The class is the first digit's. */
        @Range(min = 0)
        public int digitsPerClip = 0;
        /**
         * true (DESIGN §3.1, issue 6): the DiT's mask is the tokenizer's, level- and time-causal. false (an experiment,
         * docs/video.md): level-causal only, every temporal patch sees every other, so the flow's velocity is the joint
         * one across time; generation is still progressive by level but no longer causal in time.
         */
        public boolean causalInTime = true;

        /**
         * true: train with earlier temporal patches clean and the rest at their own flow times (Diffusion-Forcing style,
         * {@link FlowObjective#forwardBackwardCausalInTime}), and generate temporal patches in turn, each attending to
         * the finished ones ({@link io.dcsldm.dit.FlowSampler#causalInTime}), levels progressive within a patch. Why: with
         * one flow time shared by the whole clip a time-causal flow loses most of the coupling between temporal patches
         * (docs/video.md, "Why the clips are not coherent in time"). false (default, and models trained before it
         * existed): one time per clip, all temporal patches generated together. Needs {@link #causalInTime}.
         */
        public boolean cleanContext = false;

        /** The DiT's attention rule for {@link #causalInTime}. */
        public io.dcsldm.core.mask.AttentionMask.Rule rule() {
            return causalInTime ? io.dcsldm.core.mask.AttentionMask.LEVEL_TIME_CAUSAL : io.dcsldm.core.mask.AttentionMask.LEVEL_CAUSAL;
        }
    }

    @Override
    public void validate() {
        SelfValidating.checkSection("model", model::validate);
        SelfValidating.checkSection("flow", flow::validate); // a flow error names 'flow', as in DitTrainConfig
        if (video.cleanContext && !video.causalInTime)
            throw new io.dcsldm.core.config.InvalidValueException("video.cleanContext",
                    "needs video.causalInTime: true (a patch generated against finished ones must not see later, unfinished patches)");
        if (!video.cleanContext && flow.frontierZeroShare != FlowObjective.Settings.UNIFORM_FRONTIER)
            throw new io.dcsldm.core.config.InvalidValueException("flow.frontierZeroShare",
                    "needs video.cleanContext: true (only training with clean context has a frontier patch), got " + flow.frontierZeroShare);
    }
}
