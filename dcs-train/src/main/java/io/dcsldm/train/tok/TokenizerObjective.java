package io.dcsldm.train.tok;

import io.dcsldm.core.runtime.Rng;
import io.dcsldm.tok.DcsTokenizer;
import io.dcsldm.train.data.ImageSet;
import io.dcsldm.train.data.Resample;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
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
 * The tokenizer groups samples by input size for its patchifier and by output size for its
 * depatchifier and runs the encoder and decoder once on the whole batch.
 */
public final class TokenizerObjective {
    private final DcsTokenizer tokenizer;
    private final int[] sizes;
    private final double l1Weight;

    public TokenizerObjective(DcsTokenizer tokenizer, int[] sizes) {
        this(tokenizer, sizes, 1.0);
    }

    /** {@code l1Weight}: the loss is {@code l1Weight·L1 + MSE}. */
    public TokenizerObjective(DcsTokenizer tokenizer, int[] sizes, double l1Weight) {
        if (sizes.length == 0) throw new IllegalArgumentException("at least one training size is needed");
        this.tokenizer = tokenizer;
        this.sizes = sizes.clone();
        this.l1Weight = l1Weight;
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
        List<DcsTokenizer.Sample> samples = new ArrayList<>(draws.size());
        for (int i = 0; i < draws.size(); i++) {
            Draw d = draws.get(i);
            samples.add(new DcsTokenizer.Sample(render(batch, new int[]{i}, d.inSize()), render(batch, new int[]{i}, d.outSize()), d.levels()));
        }
        return tokenizer.forwardBackward(samples, 1.0, l1Weight);
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
