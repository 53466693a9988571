package io.dcsldm.train.video;

import io.dcsldm.core.runtime.Rng;
import io.dcsldm.dit.DcsDiT;
import io.dcsldm.dit.FlowSampler;
import io.dcsldm.tok.Latent;
import io.dcsldm.tok.TokenLayout;
import io.dcsldm.tok.VideoTokenizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * Coarse-to-fine generation of video latents with the KV-cached progressive sampler: level 0 of every
 * temporal patch first, then level 1, ...; the mask keeps every temporal patch causal in time. After each
 * level the prefix is decoded as a preview clip at the requested frame rate and size.
 */
public final class VideoGeneration {
    private VideoGeneration() {}

    /** Per level: clips {@code [B][F][C·H·W]} decoded from the first {@code ℓ} levels; the final latent. */
    public record Result(INDArray latent, int levels, List<float[][][]> previews, long macs, double millis) {}

    public static Result run(DcsDiT dit, VideoTokenizer tok, int[] labels, int maxLevels, FlowSampler.Method method, int steps,
                             double guidance, long seed, double fps, int size) {
        TokenLayout layout = dit.layout();
        INDArray noise = Rng.normal(DataType.FLOAT, seed, labels.length, layout.tokens(), dit.latentChannels());
        FlowSampler sampler = new FlowSampler(dit, method, steps, guidance);
        List<float[][][]> previews = new ArrayList<>();
        long t0 = System.nanoTime();
        INDArray z = sampler.progressive(noise, labels, maxLevels, (l, prefix) -> {
            previews.add(Clips.toArrays(tok.decode(new Latent(dit.toTokenizerSpace(prefix).dup('c'), layout, l), fps, size, size)));
            return true;
        });
        double ms = (System.nanoTime() - t0) / 1e6;
        return new Result(z, (int) (z.size(1) / layout.tokens(1)), previews, sampler.lastMacs(), ms);
    }
}
