package io.dcsldm.train.video;

import io.dcsldm.core.runtime.Rng;
import io.dcsldm.dit.DcsDiT;
import io.dcsldm.dit.FlowSampler;
import io.dcsldm.tok.Latent;
import io.dcsldm.tok.TokenLayout;
import io.dcsldm.tok.VideoTokenizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;

/**
 * Coarse-to-fine generation of video latents with the KV-cached progressive samplers, two ways:
 * <ul>
 *   <li>one flow time for the whole clip ({@link FlowSampler#progressive}): level 0 of every temporal patch first, then
 *   level 1, ...; the mask keeps every temporal patch causal in time, and each level's prefix is decoded as a preview
 *   as soon as it is done;</li>
 *   <li>clean context ({@code video.cleanContext}, {@link FlowSampler#causalInTime}): temporal patches in turn, each
 *   generated level by level against the finished earlier ones. Every level prefix of the finished clip is decoded as
 *   a preview (the tokenizer decodes any prefix); a level's preview of the whole clip exists only once the last
 *   temporal patch is done, since generation runs in time first.</li>
 * </ul>
 */
public final class VideoGeneration {
    private VideoGeneration() {}

    /** Per level: clips {@code [B][F][C·H·W]} decoded from the first {@code ℓ} levels; the final latent. */
    public record Result(INDArray latent, int levels, List<float[][][]> previews, long macs, double millis) {}

    /**
     * @param cleanContext whether the model was trained with clean earlier temporal patches ({@code video.cleanContext}),
     *                     and so is sampled in time first
     */
    public static Result run(DcsDiT dit, VideoTokenizer tok, int[] labels, int maxLevels, FlowSampler.Method method, int steps,
                             double guidance, long seed, double fps, int size, boolean cleanContext) {
        TokenLayout layout = dit.layout();
        INDArray noise = Rng.normal(DataType.FLOAT, seed, labels.length, layout.tokens(), dit.latentChannels());
        FlowSampler sampler = new FlowSampler(dit, method, steps, guidance);
        List<float[][][]> previews = new ArrayList<>();
        long t0 = System.nanoTime();
        INDArray z;
        if (cleanContext) {
            z = sampler.causalInTime(noise, labels, maxLevels, true, null);
            for (int l = 1; l <= maxLevels; l++)
                previews.add(decode(dit, tok, z.get(NDArrayIndex.all(), NDArrayIndex.interval(0, layout.tokens(l)), NDArrayIndex.all()), l, fps, size));
        } else {
            z = sampler.progressive(noise, labels, maxLevels, (l, prefix) -> {
                previews.add(decode(dit, tok, prefix, l, fps, size));
                return true;
            });
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        return new Result(z, (int) (z.size(1) / layout.tokens(1)), previews, sampler.lastMacs(), ms);
    }

    /** Clips decoded from a latent prefix of {@code l} levels in the model's space. */
    private static float[][][] decode(DcsDiT dit, VideoTokenizer tok, INDArray prefix, int l, double fps, int size) {
        return Clips.toArrays(tok.decode(new Latent(dit.toTokenizerSpace(prefix).dup('c'), dit.layout(), l), fps, size, size));
    }
}
