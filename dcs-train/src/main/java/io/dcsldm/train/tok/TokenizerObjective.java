package io.dcsldm.train.tok;

import io.dcsldm.core.runtime.Rng;
import io.dcsldm.tok.DcsTokenizer;
import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.data.Resample;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * DCS-Tok's training objective (DESIGN §2.6) on a batch of images at their native size:
 *
 * <ul>
 * <li><b>Asymmetric scale alignment</b>: every sample draws an input size and an output size
 * independently from {@code sizes}; the sample is rendered at both (area resize down, bicubic up),
 * encoded from the first and decoded at the second.</li>
 * <li><b>Level truncation</b>: every sample draws {@code ℓ ∈ [1, L]} and is decoded from its first
 * {@code ℓ} levels only, so every prefix is a trained decoder input.</li>
 * </ul>
 *
 * Samples that share (input size, output size) run as one sub-batch; gradients of sub-batches add up,
 * each weighted by its share of the batch, so the step equals a per-sample mean over the whole batch.
 */
public final class TokenizerObjective {
    private final DcsTokenizer tokenizer;
    private final int[] sizes;

    public TokenizerObjective(DcsTokenizer tokenizer, int[] sizes) {
        if (sizes.length == 0) throw new IllegalArgumentException("at least one training size is needed");
        this.tokenizer = tokenizer;
        this.sizes = sizes.clone();
    }

    /** One per-sample draw. */
    record Draw(int inSize, int outSize, int levels) {}

    /** The draws of a step: a pure function of (seed, step, batch size). */
    List<Draw> draws(int batch, long seed, long step) {
        SplittableRandom r = new SplittableRandom(Rng.mix(seed, step, 0x70CL));
        List<Draw> d = new ArrayList<>(batch);
        int levels = tokenizer.config().levels;
        for (int i = 0; i < batch; i++)
            d.add(new Draw(sizes[r.nextInt(sizes.length)], sizes[r.nextInt(sizes.length)], 1 + r.nextInt(levels)));
        return d;
    }

    /**
     * Forward and backward on {@code batch} (images at native size); returns the mean loss. Gradients are
     * accumulated into the tokenizer's parameters.
     */
    public double forwardBackward(ImageSet batch, long seed, long step) {
        List<Draw> draws = draws(batch.size(), seed, step);
        Map<Long, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < draws.size(); i++)
            groups.computeIfAbsent(((long) draws.get(i).inSize << 32) | draws.get(i).outSize, k -> new ArrayList<>()).add(i);
        double loss = 0;
        int n = batch.size();
        for (List<Integer> members : groups.values()) {
            Draw first = draws.get(members.get(0));
            int[] idx = members.stream().mapToInt(Integer::intValue).toArray();
            int[] levels = members.stream().mapToInt(i -> draws.get(i).levels()).toArray();
            INDArray in = render(batch, idx, first.inSize());
            INDArray target = render(batch, idx, first.outSize());
            double w = (double) idx.length / n;
            loss += w * tokenizer.forwardBackward(in, target, levels, w);
        }
        return loss;
    }

    /** Images {@code idx} of the batch rendered at {@code size × size} (aspect ratio kept for square data). */
    INDArray render(ImageSet batch, int[] idx, int size) {
        int c = batch.channels(), h = batch.height(), w = batch.width();
        int outH = size, outW = (int) Math.round((double) size * w / h);
        float[][] out = new float[idx.length][];
        for (int i = 0; i < idx.length; i++) {
            float[] img = batch.image(idx[i]);
            out[i] = (outH == h && outW == w) ? img : Resample.resize(img, c, h, w, outH, outW);
        }
        return ImageSet.toINDArray(out, c, outH, outW);
    }
}
