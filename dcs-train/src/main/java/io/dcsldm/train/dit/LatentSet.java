package io.dcsldm.train.dit;

import io.dcsldm.core.runtime.StepWorkspace;
import io.dcsldm.tok.DcsTokenizer;
import io.dcsldm.tok.TokenLayout;
import io.dcsldm.train.data.ImageSet;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A dataset's normalised DCS-Tok latents, computed once with the tokenizer and held on the host:
 * {@code [N, T, c]} floats plus labels. The diffusion model trains on these.
 */
public final class LatentSet {
    private final float[] data;
    private final int[] labels;
    private final int tokens;
    private final int channels;
    private final TokenLayout layout;

    private LatentSet(float[] data, int[] labels, int tokens, int channels, TokenLayout layout) {
        this.data = data;
        this.labels = labels;
        this.tokens = tokens;
        this.channels = channels;
        this.layout = layout;
    }

    /** Encodes {@code images} (at the tokenizer's native size) in batches. */
    public static LatentSet encode(DcsTokenizer tok, ImageSet images, int batch) {
        if (!images.hasLabels()) throw new IllegalArgumentException("the diffusion model needs labelled images: " + images.source());
        TokenLayout layout = tok.layout(images.height(), images.width());
        int t = layout.tokens(), c = tok.config().latentChannels;
        float[] out = new float[images.size() * t * c];
        StepWorkspace ws = new StepWorkspace("encode-latents");
        for (int from = 0; from < images.size(); from += batch) {
            int to = Math.min(images.size(), from + batch);
            int[] idx = java.util.stream.IntStream.range(from, to).toArray();
            final int off = from * t * c;
            ws.run(() -> {
                float[] z = tok.encode(images.toINDArray(idx)).tokens().dup('c').data().asFloat();
                System.arraycopy(z, 0, out, off, z.length);
            });
        }
        return new LatentSet(out, images.labels().clone(), t, c, layout);
    }

    /** Multiplies every sample by {@code scale [T, c]} in place (the DiT's diffusion space, {@link LatentScale}). */
    public void scale(INDArray scale) {
        float[] s = scale.dup('c').data().asFloat();
        if (s.length != tokens * channels)
            throw new IllegalArgumentException("latent scale has " + s.length + " values, latents have " + tokens * channels + " per sample");
        for (int i = 0; i < data.length; i++) data[i] *= s[i % s.length];
    }

    public int size() { return labels.length; }

    public int tokens() { return tokens; }

    public int channels() { return channels; }

    public TokenLayout layout() { return layout; }

    public int label(int i) { return labels[i]; }

    /** Latents {@code [idx.length, T, c]} of the given samples. */
    public INDArray batch(int[] idx) {
        int per = tokens * channels;
        float[] b = new float[idx.length * per];
        for (int i = 0; i < idx.length; i++) System.arraycopy(data, idx[i] * per, b, i * per, per);
        return Nd4j.create(b, new long[]{idx.length, tokens, channels});
    }

    public int[] labels(int[] idx) {
        int[] y = new int[idx.length];
        for (int i = 0; i < idx.length; i++) y[i] = labels[idx[i]];
        return y;
    }
}
