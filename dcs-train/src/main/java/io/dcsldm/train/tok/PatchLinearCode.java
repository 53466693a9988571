package io.dcsldm.train.tok;

import io.dcsldm.tok.LinearCode;
import io.dcsldm.tok.TokenLayout;
import io.dcsldm.train.eval.PcaBaseline;

/**
 * A <em>local</em> linear code (our design, docs/video.md, "A local linear code"): one PCA of the patches of the
 * token grid, shared by every patch position, so that each token holds components of its own patch of pixels —
 * as a convolutional autoencoder's latent does — instead of coordinates of a global PCA that spread each
 * object's position over the whole latent.
 *
 * <p>Why: a global PCA is the best linear code for reconstruction, but a diffusion model must then learn where
 * things are from coordinates with no spatial meaning. With the shared patch basis, an object moved by a whole
 * patch moves its coordinates to the neighbouring token unchanged, which the DiT's shared per-token weights and
 * its grid embedding handle directly.</p>
 *
 * <p>Layout: latent float {@code f} of the level-major {@code [T, c]} latent, read as (level {@code l}, patch
 * {@code s}, token of the patch {@code j}, channel {@code ch}), holds component {@code l·m·c + j·c + ch} of patch
 * {@code s}. So the first ℓ levels hold each patch's top {@code ℓ·m·c} components (prefixes decode to coarser
 * patches, exactly as the global code's prefixes do) and the code is an ordinary {@link LinearCode} whose
 * orthonormal components have disjoint supports: it resamples, encodes, decodes and is stored like the global one.</p>
 */
public final class PatchLinearCode {
    private PatchLinearCode() {}

    /**
     * Fits the shared patch PCA on {@code samples} (each a flattened {@code [channels, h, w]} image on the [0, 1]
     * scale, as {@link PcaBaseline} takes them) for the token grid of {@code layout} (one time, {@code gridH × gridW}
     * patches of {@code tokensPerLevel} tokens) and {@code latentChannels} floats per token.
     *
     * @throws IllegalArgumentException naming the sizes when the grid does not tile the image or a patch has fewer
     *                                  values than its tokens have floats
     */
    public static LinearCode fit(float[][] samples, int channels, int h, int w, TokenLayout layout, int latentChannels) {
        int gh = layout.gridH(), gw = layout.gridW();
        if (layout.times() != 1)
            throw new IllegalArgumentException("a patch linear code codes one frame group (one time of the token grid), the layout has " + layout.times());
        if (h % gh != 0 || w % gw != 0)
            throw new IllegalArgumentException("a " + gh + "×" + gw + " token grid does not tile the " + h + "×" + w + " basis into equal patches");
        int ph = h / gh, pw = w / gw, patchDim = channels * ph * pw;
        int perPatch = layout.levels() * layout.tokensPerLevel() * latentChannels;
        if (perPatch > patchDim)
            throw new IllegalArgumentException("each patch's tokens hold " + perPatch + " floats but a " + channels + "×" + ph + "×" + pw
                    + " patch has only " + patchDim + " values: a patch linear code needs a latent no larger than what it codes");
        float[][] patches = new float[samples.length * gh * gw][];
        int i = 0;
        for (float[] x : samples) {
            if (x.length != channels * h * w)
                throw new IllegalArgumentException("sample has " + x.length + " values, expected " + channels + "×" + h + "×" + w);
            for (int gy = 0; gy < gh; gy++)
                for (int gx = 0; gx < gw; gx++) patches[i++] = cut(x, channels, h, w, gy * ph, gx * pw, ph, pw);
        }
        PcaBaseline pca = PcaBaseline.fit(patches);
        double[] ev = pca.eigenvalues(), patchMean = pca.mean();
        double[][] patchComps = new double[perPatch][];
        for (int k = 0; k < perPatch; k++) patchComps[k] = pca.component(k);

        int s = gh * gw, mc = layout.tokensPerLevel() * latentChannels, floats = layout.levels() * s * mc;
        double[] mean = new double[channels * h * w];
        for (int gy = 0; gy < gh; gy++)
            for (int gx = 0; gx < gw; gx++) paste(patchMean, mean, channels, h, w, gy * ph, gx * pw, ph, pw);
        double[][] dirs = new double[floats][];
        double[] var = new double[floats];
        for (int f = 0; f < floats; f++) {
            int l = f / (s * mc), r = f % (s * mc), patch = r / mc, k = l * mc + r % mc;
            dirs[f] = new double[channels * h * w];
            paste(patchComps[k], dirs[f], channels, h, w, (patch / gw) * ph, (patch % gw) * pw, ph, pw);
            var[f] = ev[k];
        }
        return TokenizerTask.fromUnitScalePca(channels, h, w, mean, dirs, var);
    }

    /** The {@code [channels, ph, pw]} patch at {@code (y0, x0)} of a flattened {@code [channels, h, w]} image. */
    static float[] cut(float[] x, int channels, int h, int w, int y0, int x0, int ph, int pw) {
        float[] p = new float[channels * ph * pw];
        int i = 0;
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < ph; y++)
                for (int xx = 0; xx < pw; xx++) p[i++] = x[(c * h + y0 + y) * w + x0 + xx];
        return p;
    }

    /** Writes a {@code [channels, ph, pw]} patch into a flattened {@code [channels, h, w]} image at {@code (y0, x0)}. */
    static void paste(double[] p, double[] x, int channels, int h, int w, int y0, int x0, int ph, int pw) {
        int i = 0;
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < ph; y++)
                for (int xx = 0; xx < pw; xx++) x[(c * h + y0 + y) * w + x0 + xx] = p[i++];
    }
}
