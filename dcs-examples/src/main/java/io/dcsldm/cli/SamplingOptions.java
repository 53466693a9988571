package io.dcsldm.cli;

import io.dcsldm.dit.FlowSampler;
import io.dcsldm.train.dit.DitTrainConfig;
import picocli.CommandLine.Option;

/**
 * {@code --method} and {@code --guidance} of the commands that sample a DiT (generate, eval-dit; image and
 * video models): unset, each takes the model config's {@code sampling} default. A picocli mixin.
 */
final class SamplingOptions {
    @Option(names = "--guidance", defaultValue = "-1", description = "Guidance scale (negative = the config's)")
    double guidance;

    @Option(names = "--method", description = "EULER or HEUN (default: the config's)")
    FlowSampler.Method method;

    FlowSampler.Method method(DitTrainConfig.Sampling config) {
        return method != null ? method : config.method;
    }

    double guidance(DitTrainConfig.Sampling config) {
        return guidance >= 0 ? guidance : config.guidance;
    }
}
