package io.dcsldm.train.dit;

import io.dcsldm.core.runtime.Rng;
import io.dcsldm.dit.DcsDiT;
import io.dcsldm.dit.FlowSampler;
import io.dcsldm.tok.DcsTokenizer;
import io.dcsldm.tok.Latent;
import io.dcsldm.tok.TokenLayout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * Class-conditional generation with DCS-DiT and DCS-Tok: coarse-to-fine (progressive, KV-cached) or
 * joint, with a preview decoded at any size after each level, a fixed level budget or an adaptive stop
 * (stop when the next level changes the preview by less than a threshold, as RMS in [0, 1] pixels).
 */
public final class Generation {
    private Generation() {}

    /** What a generation produced. */
    public record Result(INDArray latent, int levels, List<INDArray> previews, long macs, long kvCacheBytes, double millis) {}

    /**
     * Generates {@code labels.length} samples. Noise is drawn from {@code seed} for all levels, so the
     * first {@code ℓ} levels do not depend on how many levels are generated. {@code previewSize > 0}
     * decodes each finished prefix at that size; {@code adaptiveStop > 0} stops once a level changes the
     * preview by less than that RMS.
     */
    public static Result run(DcsDiT dit, DcsTokenizer tok, int[] labels, int maxLevels, FlowSampler.Method method, int steps,
                             double guidance, long seed, boolean progressive, int previewSize, double adaptiveStop) {
        TokenLayout layout = dit.layout();
        INDArray noise = Rng.normal(DataType.FLOAT, seed, labels.length, layout.tokens(), dit.latentChannels());
        FlowSampler sampler = new FlowSampler(dit, method, steps, guidance);
        List<INDArray> previews = new ArrayList<>();
        long t0 = System.nanoTime();
        INDArray z;
        if (progressive) {
            INDArray[] last = new INDArray[1];
            z = sampler.progressive(noise, labels, maxLevels, (l, prefix) -> {
                if (previewSize <= 0 && adaptiveStop <= 0) return true;
                INDArray img = tok.decode(new Latent(dit.toTokenizerSpace(prefix), layout, l), previewSize > 0 ? previewSize : 32, previewSize > 0 ? previewSize : 32);
                previews.add(img);
                boolean keepGoing = true;
                if (adaptiveStop > 0 && last[0] != null) {
                    INDArray d = img.sub(last[0]);
                    double rms = Math.sqrt(d.mul(d).meanNumber().doubleValue());
                    keepGoing = rms >= adaptiveStop;
                }
                last[0] = img;
                return keepGoing;
            });
        } else {
            z = sampler.joint(noise, labels, maxLevels);
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        int levels = (int) (z.size(1) / (layout.tokens(1)));
        return new Result(z, levels, previews, sampler.lastMacs(), sampler.lastCacheBytes(), ms);
    }

    /** Decodes a generated latent prefix (in the model's space, see {@link DcsDiT#latentScale}) at {@code size × size} → images {@code [B, C, size, size]} in [0, 1]. */
    public static INDArray decode(DcsTokenizer tok, DcsDiT dit, INDArray latent, int size) {
        int l = (int) (latent.size(1) / dit.layout().tokens(1));
        return tok.decode(new Latent(dit.toTokenizerSpace(latent), dit.layout(), l), size, size);
    }
}
