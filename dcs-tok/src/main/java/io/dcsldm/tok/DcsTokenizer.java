package io.dcsldm.tok;

import io.dcsldm.core.embed.Sinusoidal;
import io.dcsldm.core.nn.Ops;
import io.dcsldm.core.nn.ParamStore;
import io.dcsldm.core.runtime.Profiler;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * DCS-Tok: a scale-aware, multi-level image tokenizer (DESIGN §2).
 *
 * <pre>
 *   image (any scale the grid divides)
 *     → PatchGrid.extract          scale-aware patches, p = min(h, w) / k
 *     → Patchifier (PLA)           L·m latent tokens per patch
 *     → level-major sequence       a prefix of levels is a prefix of the sequence
 *     → encoder (LCA) → D → c      the latent
 *     → decoder (LCA) ← c → D      any prefix of levels
 *     → Depatchifier (LPA)         pixels at any requested scale
 * </pre>
 *
 * <p>Public API: {@link #encode}, {@link Latent#prefix}, {@link #decode}. Images are {@code [B, C, H, W]}
 * in [0, 1]; latents are normalised per level when statistics have been measured
 * ({@link #setLatentStats}), so a diffusion model sees unit-scale inputs.</p>
 *
 * <p>Training uses {@link #forwardBackward}; modules keep their activations between that call's
 * forward and backward, so one instance trains one batch at a time.</p>
 */
public final class DcsTokenizer {
    private final TokConfig cfg;
    private final ParamStore params;
    private final Patchifier patchifier;
    private final LevelCausalCoder encoder;
    private final LevelCausalCoder decoder;
    private final Depatchifier depatchifier;
    private final Map<Integer, INDArray> fourierCache = new HashMap<>();
    private final Map<Integer, Patchifier> patchifiers = new HashMap<>();
    private final Map<Integer, Depatchifier> depatchifiers = new HashMap<>();
    private LinearCode linear;   // the global linear part of the latent (cfg.linearCode), or null
    private INDArray latentMean; // [L, c] or null (identity)
    private INDArray latentStd;

    public DcsTokenizer(TokConfig cfg, long seed) {
        this(cfg, new ParamStore(DataType.FLOAT, seed));
    }

    public DcsTokenizer(TokConfig cfg, ParamStore params) {
        cfg.validate();
        this.cfg = cfg;
        this.params = params;
        ParamStore.Scope s = params.scope("tok");
        this.patchifier = new Patchifier(s.scope("patchifier"), cfg);
        // with a linear code the learned encoder adds a residual to its coordinates, starting at zero
        this.encoder = new LevelCausalCoder(s.scope("encoder"), cfg, cfg.encoderDepth, cfg.width, cfg.latentChannels, cfg.linearCode);
        this.decoder = new LevelCausalCoder(s.scope("decoder"), cfg, cfg.decoderDepth, cfg.latentChannels, cfg.width, false);
        this.depatchifier = new Depatchifier(s.scope("depatchifier"), cfg);
    }

    public TokConfig config() { return cfg; }

    /**
     * Installs the global linear code (required when {@code cfg.linearCode}; see {@link LinearCode}). Its
     * floats must equal the latent's floats at the code's basis resolution.
     */
    public void setLinearCode(LinearCode code) {
        if (!cfg.linearCode)
            throw new IllegalStateException("model.linearCode is false: this tokenizer has no linear code");
        if (code.channels() != cfg.channels && (cfg.kt <= 1 || code.channels() % cfg.channels != 0))
            throw new IllegalArgumentException("linear code has " + code.channels() + " channels, the tokenizer " + cfg.channels
                    + (cfg.kt > 1 ? " (or a multiple: the basis frames of a temporal patch, TemporalLinearCode)" : ""));
        // a video tokenizer's code spans the basis frames of one temporal patch, whose latent floats are an image's
        long floats = (long) layout(code.height(), code.width()).tokens() * cfg.latentChannels;
        if (code.floats() != floats)
            throw new IllegalArgumentException("linear code has " + code.floats() + " floats, the latent of a "
                    + code.height() + "×" + code.width() + " image has " + floats);
        this.linear = code.as(params.dataType());
    }

    /** The global linear code, or null when the model has none (or it is not fitted yet). */
    public LinearCode linearCode() { return linear; }

    private LinearCode requireLinear() {
        if (linear == null)
            throw new IllegalStateException("model.linearCode is true but no linear code is installed: fit one on training "
                    + "images (TokenizerTask does) or load a checkpoint that holds one");
        if (linear.channels() != cfg.channels)
            throw new IllegalStateException("this tokenizer's linear code spans " + linear.channels() / cfg.channels
                    + " frames of a temporal patch (a video tokenizer): encode and decode images through VideoTokenizer");
        return linear;
    }

    public ParamStore params() { return params; }

    /** The patch grid of an {@code h × w} image. */
    public PatchGrid grid(int h, int w) { return PatchGrid.forImage(h, w, cfg.k); }

    /** Token layout of an image of {@code h × w}: depends on the aspect ratio only. */
    public TokenLayout layout(int h, int w) {
        PatchGrid g = grid(h, w);
        return new TokenLayout(cfg.levels, 1, g.gridH(), g.gridW(), cfg.tokensPerLevel);
    }

    // ------------------------------------------------------------------ inference

    /** Encodes images {@code [B, C, H, W]} in [0, 1] at their own scale into a full (all-level) latent. */
    public Latent encode(INDArray images) {
        checkImages(images);
        int b = (int) images.size(0);
        PatchGrid g = grid((int) images.size(2), (int) images.size(3));
        TokenLayout layout = layout(g.height(), g.width());
        INDArray z = encodeRaw(images, g, layout, b, false);
        INDArray tokens = z.reshape(b, layout.tokens(), cfg.latentChannels);
        return new Latent(normalize(tokens, layout, cfg.levels, true), layout, cfg.levels);
    }

    /** Decodes all levels present in {@code z} at {@code outH × outW} → images {@code [B, C, outH, outW]} in [0, 1]. */
    public INDArray decode(Latent z, int outH, int outW) {
        TokenLayout layout = z.layout();
        PatchGrid out = new PatchGrid(layout.gridH(), layout.gridW(), 1, layout.gridH(), layout.gridW()).atSize(outH, outW);
        int b = z.batch(), l = z.levels();
        INDArray raw = normalize(z.tokens().dup('c'), layout, l, false).reshape((long) b * layout.tokens(l), cfg.latentChannels);
        INDArray dec = decoder.forward(raw, layout, l, b, false);
        INDArray perPatch = layout.sequenceToPatch(dec, b, l);
        INDArray y = depatchifier.forward(perPatch, null, fourier(out.patch()), b * layout.patches(), false);
        INDArray img = out.assemble(y.reshape((long) b * layout.patches(), out.pixelsPerPatch(), cfg.channels), cfg.channels);
        if (cfg.linearCode) img.addi(requireLinear().decode(raw.reshape(b, (long) layout.tokens(l) * cfg.latentChannels), outH, outW));
        return toImage(img);
    }

    /**
     * Content-adaptive token allocation (DESIGN §2.7): for each image the smallest number of levels whose
     * reconstruction at the image's own size reaches {@code targetPsnr} dB (PSNR over the whole frame,
     * data range 1), or {@code L} when no prefix does. Resolution does not enter: the same content needs
     * the same levels at any scale.
     */
    public int[] levelsFor(INDArray images, double targetPsnr) {
        Latent z = encode(images);
        int b = (int) images.size(0), h = (int) images.size(2), w = (int) images.size(3);
        int[] out = new int[b];
        java.util.Arrays.fill(out, cfg.levels);
        boolean[] done = new boolean[b];
        for (int l = 1; l <= cfg.levels; l++) {
            INDArray diff = decode(z.prefix(l), h, w).subi(images);
            INDArray mse = diff.muli(diff).reshape(b, -1).mean(1);
            for (int i = 0; i < b; i++) {
                double m = mse.getDouble(i);
                double psnr = m <= 0 ? Double.POSITIVE_INFINITY : -10 * Math.log10(m);
                if (!done[i] && psnr >= targetPsnr) {
                    out[i] = l;
                    done[i] = true;
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ training

    /** One training sample: its input rendering, its target rendering (any sizes the grid divides) and its level count. */
    public record Sample(INDArray input, INDArray target, int levels) {}

    /**
     * Forward and backward of the reconstruction loss {@code L1 + MSE} for one batch with a single input
     * and a single target size (see {@link #forwardBackward(java.util.List, double)}).
     */
    public double forwardBackward(INDArray input, INDArray target, int[] levels, double weight) {
        checkImages(input);
        checkImages(target);
        int b = (int) input.size(0);
        if (target.size(0) != b || levels.length != b)
            throw new IllegalArgumentException("input, target and levels must have the same batch size");
        java.util.List<Sample> samples = new java.util.ArrayList<>();
        for (int i = 0; i < b; i++)
            samples.add(new Sample(input.get(NDArrayIndex.interval(i, i + 1)), target.get(NDArrayIndex.interval(i, i + 1)), levels[i]));
        return forwardBackward(samples, weight);
    }

    /**
     * Forward and backward of the reconstruction loss {@code L1 + MSE} (mean per sample, then over samples)
     * for samples whose input and target sizes may all differ (asymmetric scale alignment, DESIGN §2.6):
     * each sample is encoded at its input size and decoded from its first {@code levels} levels at its
     * target size. Inputs are grouped by size for the patchifier and targets for the depatchifier (one
     * module instance per patch size, sharing weights); the encoder and decoder run on the whole batch.
     * Gradients, scaled by {@code weight}, are added into the parameters' buffers. Returns the loss.
     */
    public double forwardBackward(java.util.List<Sample> samples, double weight) {
        return forwardBackward(samples, weight, 1.0);
    }

    /**
     * As {@link #forwardBackward(java.util.List, double)} with the loss {@code l1Weight·L1 + MSE}: MSE is
     * what PSNR measures, L1 sharpens edges; {@code l1Weight = 0} trains for PSNR alone.
     */
    public double forwardBackward(java.util.List<Sample> samples, double weight, double l1Weight) {
        if (!(l1Weight >= 0)) throw new IllegalArgumentException("l1Weight must be >= 0, got " + l1Weight);
        int b = samples.size();
        if (b == 0) throw new IllegalArgumentException("empty batch");
        for (Sample smp : samples) {
            checkImages(smp.input());
            checkImages(smp.target());
        }
        TokenLayout layout = layout((int) samples.get(0).input().size(2), (int) samples.get(0).input().size(3));
        int g = layout.patches(), lm = cfg.tokensPerPatch();
        // encoder batch order: samples sorted by input size
        java.util.TreeMap<Long, java.util.List<Integer>> byIn = groupBy(samples, true);
        int[] order = byIn.values().stream().flatMap(java.util.List::stream).mapToInt(Integer::intValue).toArray();
        int[] position = new int[b];
        for (int i = 0; i < b; i++) position[order[i]] = i;

        long t = Profiler.start();
        java.util.List<INDArray> latents = new java.util.ArrayList<>();
        java.util.List<Patchifier> usedPla = new java.util.ArrayList<>();
        java.util.List<INDArray> linearCoords = new java.util.ArrayList<>(); // per input-size group, when cfg.linearCode
        for (java.util.List<Integer> members : byIn.values()) {
            INDArray in = stack(samples, members, true);
            PatchGrid gin = grid((int) in.size(2), (int) in.size(3));
            if (!layout(gin.height(), gin.width()).equals(layout))
                throw new IllegalArgumentException("all inputs of a batch must share one patch grid (aspect ratio)");
            Patchifier pla = patchifierFor(gin.patch());
            usedPla.add(pla);
            INDArray scaled = in.mul(2.0).subi(1.0);
            if (cfg.linearCode) linearCoords.add(requireLinear().encode(scaled));
            INDArray pix = gin.extract(scaled).reshape((long) members.size() * g * gin.pixelsPerPatch(), cfg.channels);
            latents.add(pla.forward(pix, fourier(gin.patch()), members.size() * g, true));
        }
        INDArray lat = latents.size() == 1 ? latents.get(0) : Nd4j.concat(0, latents.toArray(new INDArray[0]));
        t = Profiler.lap("tok.pla.fwd", t);
        INDArray z = encoder.forward(layout.patchToSequence(lat, b, cfg.levels), layout, cfg.levels, b, true);
        long floats = (long) layout.tokens() * cfg.latentChannels;
        INDArray zFlat = z.reshape(b, floats); // a view: samples in encoder order
        long first = 0;                        // the linear coordinates of each input-size group, added in place
        for (INDArray coords : linearCoords) {
            zFlat.get(NDArrayIndex.interval(first, first + coords.rows()), NDArrayIndex.all()).addi(coords);
            first += coords.rows();
        }
        INDArray dzLinear = cfg.linearCode ? Nd4j.zeros(z.dataType(), b, floats) : null;
        t = Profiler.lap("tok.encoder.fwd", t);
        INDArray perPatch = layout.sequenceToPatch(decoder.forward(z, layout, cfg.levels, b, true), b, cfg.levels);
        t = Profiler.lap("tok.decoder.fwd", t);

        // one target size: the depatchifier for its patch size, plus each sample's linear reconstruction
        class TargetSize implements TargetGroupDecoding.Group {
            final INDArray target;
            final int n;
            final PatchGrid gout;
            final Depatchifier lpa;
            final int[] batchRows; // the members' rows in the encoder-ordered batch
            TargetGroupDecoding.LinearPrefix linearPrefix;

            TargetSize(List<Integer> members, INDArray target) {
                this.target = target;
                this.n = members.size();
                this.gout = new PatchGrid(layout.gridH(), layout.gridW(), 1, layout.gridH(), layout.gridW())
                        .atSize((int) target.size(2), (int) target.size(3));
                this.lpa = depatchifierFor(gout.patch());
                this.batchRows = members.stream().mapToInt(i -> position[i]).toArray();
            }

            @Override
            public INDArray forward(INDArray rows, int[] levels) {
                INDArray y = lpa.forward(rows, keepMask(levels, g), fourier(gout.patch()), n * g, true);
                INDArray pred = gout.assemble(y.reshape((long) n * g, gout.pixelsPerPatch(), cfg.channels), cfg.channels);
                if (cfg.linearCode) { // each sample's linear reconstruction from its first levels only
                    linearPrefix = TargetGroupDecoding.LinearPrefix.gather(zFlat, batchRows, levels, layout, cfg.latentChannels);
                    pred.addi(requireLinear().decode(linearPrefix.z(), (int) target.size(2), (int) target.size(3)));
                }
                return pred.addi(1.0).muli(0.5); // model output in [−1, 1] → the [0, 1] scale
            }

            @Override
            public INDArray backward(INDArray dPred) {
                if (cfg.linearCode) linearPrefix.scatter(requireLinear().decodeBackward(dPred, (int) floats), dzLinear, batchRows);
                return lpa.backward(gout.extract(dPred).reshape((long) n * g * gout.pixelsPerPatch(), cfg.channels));
            }
        }
        TargetGroupDecoding.Result decoded = TargetGroupDecoding.run(perPatch, (long) g * lm, position, groupBy(samples, false).values(),
                members -> stack(samples, members, false), i -> samples.get(i).levels(), weight, l1Weight, "tok", TargetSize::new);
        t = Profiler.start();
        INDArray dz = decoder.backward(layout.patchToSequence(decoded.dPerPatch(), b, cfg.levels));
        if (cfg.linearCode) dz.reshape(b, floats).addi(dzLinear); // z also fed the linear reconstruction
        t = Profiler.lap("tok.decoder.bwd", t);
        INDArray dLat = layout.sequenceToPatch(encoder.backward(dz), b, cfg.levels);
        t = Profiler.lap("tok.encoder.bwd", t);
        long row = 0;
        int k = 0;
        for (java.util.List<Integer> members : byIn.values()) {
            long n = (long) members.size() * g * lm;
            usedPla.get(k++).backward(dLat.get(NDArrayIndex.interval(row, row + n), NDArrayIndex.all()));
            row += n;
        }
        Profiler.lap("tok.pla.bwd", t);
        return decoded.loss();
    }

    /** Sample indices grouped by input (or target) size, groups ordered by size. */
    private static java.util.TreeMap<Long, java.util.List<Integer>> groupBy(java.util.List<Sample> samples, boolean input) {
        java.util.TreeMap<Long, java.util.List<Integer>> m = new java.util.TreeMap<>();
        for (int i = 0; i < samples.size(); i++) {
            INDArray x = input ? samples.get(i).input() : samples.get(i).target();
            m.computeIfAbsent((x.size(2) << 32) | x.size(3), key -> new java.util.ArrayList<>()).add(i);
        }
        return m;
    }

    private static INDArray stack(java.util.List<Sample> samples, java.util.List<Integer> members, boolean input) {
        INDArray[] xs = new INDArray[members.size()];
        for (int i = 0; i < xs.length; i++) xs[i] = input ? samples.get(members.get(i)).input() : samples.get(members.get(i)).target();
        return xs.length == 1 ? xs[0] : Nd4j.concat(0, xs);
    }

    /** One patchifier per input patch size, all sharing the weights of the first (separate activations). */
    private Patchifier patchifierFor(int patch) {
        return patchifiers.computeIfAbsent(patch, p -> new Patchifier(params.scope("tok").scope("patchifier").shared(), cfg));
    }

    private Depatchifier depatchifierFor(int patch) {
        return depatchifiers.computeIfAbsent(patch, p -> new Depatchifier(params.scope("tok").scope("depatchifier").shared(), cfg));
    }

    // ------------------------------------------------------------------ latent statistics

    /** Per-level statistics {@code [L, c]}; after this, {@link #encode} returns normalised latents. */
    public void setLatentStats(INDArray mean, INDArray std) {
        if (mean.rows() != cfg.levels || mean.columns() != cfg.latentChannels || std.rows() != cfg.levels || std.columns() != cfg.latentChannels)
            throw new IllegalArgumentException("latent stats must be [" + cfg.levels + ", " + cfg.latentChannels + "]");
        try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            this.latentMean = mean.castTo(params.dataType()).dup();
            this.latentStd = std.castTo(params.dataType()).dup();
        }
    }

    public INDArray latentMean() { return latentMean; }

    public INDArray latentStd() { return latentStd; }

    /** Raw (unnormalised) latents of a batch, for measuring statistics: {@code [B, T, c]}. */
    public INDArray encodeUnnormalized(INDArray images) {
        int b = (int) images.size(0);
        PatchGrid g = grid((int) images.size(2), (int) images.size(3));
        TokenLayout layout = layout(g.height(), g.width());
        return encodeRaw(images, g, layout, b, false).reshape(b, layout.tokens(), cfg.latentChannels);
    }

    // ------------------------------------------------------------------ causality probes (tests)

    /**
     * Runs the decoder over all levels of {@code tokens} ([B, T, c], normalised) twice, the second time with
     * the tokens of levels &gt; {@code l} replaced by noise; true when the outputs of the first {@code l} levels
     * are bit-identical (and those of the later levels did change). The decoder then also equals one run on
     * the first {@code l} levels only, up to float rounding: see {@link #decoderPrefixRunDifference}.
     */
    boolean decoderPrefixIsCausal(INDArray tokens, int l) {
        int b = (int) tokens.size(0);
        TokenLayout layout = probeLayout(tokens);
        INDArray noisy = tokens.dup('c');
        noisy.get(NDArrayIndex.all(), NDArrayIndex.interval(layout.tokens(l), layout.tokens()), NDArrayIndex.all())
                .assign(Nd4j.randn(tokens.dataType(), b, layout.tokens() - layout.tokens(l), cfg.latentChannels).muli(100));
        INDArray a = decoder.forward(tokens.dup('c').reshape((long) b * layout.tokens(), cfg.latentChannels), layout, cfg.levels, b, false)
                .reshape(b, layout.tokens(), cfg.width);
        INDArray c = decoder.forward(noisy.reshape((long) b * layout.tokens(), cfg.latentChannels), layout, cfg.levels, b, false)
                .reshape(b, layout.tokens(), cfg.width);
        INDArray pa = a.get(NDArrayIndex.all(), NDArrayIndex.interval(0, layout.tokens(l)), NDArrayIndex.all());
        INDArray pc = c.get(NDArrayIndex.all(), NDArrayIndex.interval(0, layout.tokens(l)), NDArrayIndex.all());
        return !Ops.bitIdentical(a, c) && Ops.bitIdentical(pa, pc);
    }

    /**
     * Max |Δ| between the decoder's outputs for the first {@code l} levels in a run over all levels and in a
     * run over those levels only: zero up to float rounding, as the two runs sum in different GEMM shapes.
     */
    double decoderPrefixRunDifference(INDArray tokens, int l) {
        int b = (int) tokens.size(0);
        TokenLayout layout = probeLayout(tokens);
        INDArray all = decoder.forward(tokens.dup('c').reshape((long) b * layout.tokens(), cfg.latentChannels), layout, cfg.levels, b, false);
        INDArray pre = decoder.forward(tokens.get(NDArrayIndex.all(), NDArrayIndex.interval(0, layout.tokens(l)), NDArrayIndex.all())
                .dup('c').reshape((long) b * layout.tokens(l), cfg.latentChannels), layout, l, b, false);
        INDArray allPre = all.reshape(b, layout.tokens(), all.columns())
                .get(NDArrayIndex.all(), NDArrayIndex.interval(0, layout.tokens(l)), NDArrayIndex.all());
        return Transforms.abs(allPre.sub(pre.reshape(b, layout.tokens(l), pre.columns()))).maxNumber().doubleValue();
    }

    /** Layout of a square-grid latent {@code [B, T, c]}. */
    private TokenLayout probeLayout(INDArray tokens) {
        int side = (int) Math.round(Math.sqrt(tokens.size(1) / cfg.tokensPerPatch()));
        return new TokenLayout(cfg.levels, 1, side, side, cfg.tokensPerLevel);
    }

    /**
     * Encodes {@code images} twice, the second time with the patchifier's tokens of levels ≥ {@code l}
     * replaced by noise; true when the latent tokens of the first {@code l} levels are bit-identical.
     */
    boolean encoderPrefixIsCausal(INDArray images, int l) {
        int b = (int) images.size(0);
        PatchGrid g = grid((int) images.size(2), (int) images.size(3));
        TokenLayout layout = layout(g.height(), g.width());
        INDArray pix = g.extract(images.mul(2.0).subi(1.0)).reshape((long) b * g.patches() * g.pixelsPerPatch(), cfg.channels);
        INDArray seq = layout.patchToSequence(patchifier.forward(pix, fourier(g.patch()), b * g.patches(), false), b, cfg.levels);
        INDArray noisy = seq.dup().reshape(b, layout.tokens(), cfg.width);
        noisy.get(NDArrayIndex.all(), NDArrayIndex.interval(layout.tokens(l), layout.tokens()), NDArrayIndex.all())
                .assign(Nd4j.randn(seq.dataType(), b, layout.tokens() - layout.tokens(l), cfg.width).muli(10));
        INDArray a = encoder.forward(seq, layout, cfg.levels, b, false).reshape(b, layout.tokens(), cfg.latentChannels);
        INDArray c = encoder.forward(noisy.reshape((long) b * layout.tokens(), cfg.width), layout, cfg.levels, b, false)
                .reshape(b, layout.tokens(), cfg.latentChannels);
        INDArray[] pre = new INDArray[2];
        int i = 0;
        for (INDArray x : new INDArray[]{a, c})
            pre[i++] = x.get(NDArrayIndex.all(), NDArrayIndex.interval(0, layout.tokens(l)), NDArrayIndex.all());
        boolean higherChanged = !Ops.bitIdentical(a, c);
        return higherChanged && Ops.bitIdentical(pre[0], pre[1]);
    }

    // ------------------------------------------------------------------ internals

    private INDArray encodeRaw(INDArray images, PatchGrid g, TokenLayout layout, int b, boolean train) {
        INDArray scaled = images.mul(2.0).subi(1.0);
        INDArray pix = g.extract(scaled).reshape((long) b * g.patches() * g.pixelsPerPatch(), cfg.channels);
        INDArray lat = patchifier.forward(pix, fourier(g.patch()), b * g.patches(), train);
        INDArray seq = layout.patchToSequence(lat, b, cfg.levels);
        INDArray z = encoder.forward(seq, layout, cfg.levels, b, train);
        if (cfg.linearCode) z.reshape(b, (long) layout.tokens() * cfg.latentChannels).addi(requireLinear().encode(scaled));
        return z;
    }

    /** {@code [B·G, L·m]}: 1 where the token's level is below the sample's level count. */
    private INDArray keepMask(int[] levels, int patches) {
        int lm = cfg.tokensPerPatch();
        float[] keep = new float[levels.length * patches * lm];
        for (int b = 0; b < levels.length; b++) {
            if (levels[b] < 1 || levels[b] > cfg.levels)
                throw new IllegalArgumentException("levels[" + b + "] = " + levels[b] + " not in [1, " + cfg.levels + "]");
            for (int g = 0; g < patches; g++)
                for (int j = 0; j < lm; j++)
                    keep[(b * patches + g) * lm + j] = j / cfg.tokensPerLevel < levels[b] ? 1f : 0f;
        }
        return Nd4j.create(keep, new long[]{(long) levels.length * patches, lm}).castTo(params.dataType());
    }

    /** Fourier features of the pixel centres of a {@code p × p} patch, cached per patch size. */
    private INDArray fourier(int p) {
        return fourierCache.computeIfAbsent(p, size -> {
            try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                PatchGrid one = new PatchGrid(size, size, size, 1, 1);
                return Sinusoidal.fourier(one.pixelCoords(), cfg.fourierFreqs, params.dataType());
            }
        });
    }

    /** Normalises ({@code forward}) or denormalises tokens {@code [B, T, c]} of the first {@code l} levels in place. */
    INDArray normalize(INDArray tokens, TokenLayout layout, int l, boolean forward) {
        if (latentMean == null) return tokens;
        int[] lv = layout.tokenLevels(l);
        INDArray mean = Nd4j.createUninitialized(tokens.dataType(), lv.length, cfg.latentChannels);
        INDArray std = Nd4j.createUninitialized(tokens.dataType(), lv.length, cfg.latentChannels);
        for (int i = 0; i < lv.length; i++) {
            mean.putRow(i, latentMean.getRow(lv[i]));
            std.putRow(i, latentStd.getRow(lv[i]));
        }
        INDArray flat = tokens.reshape(tokens.size(0) * tokens.size(1), tokens.size(2));
        int b = (int) tokens.size(0);
        if (forward) {
            Ops.addPerPosition(flat, mean.neg(), b);
            divPerPosition(flat, std, b);
        } else {
            mulPerPosition(flat, std, b);
            Ops.addPerPosition(flat, mean, b);
        }
        return flat.reshape(tokens.shape());
    }

    private static void mulPerPosition(INDArray x, INDArray v, int b) {
        INDArray x3 = x.reshape(b, x.rows() / b, x.columns());
        Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp(x3, v, x3, 1, 2));
    }

    private static void divPerPosition(INDArray x, INDArray v, int b) {
        INDArray x3 = x.reshape(b, x.rows() / b, x.columns());
        Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.broadcast.BroadcastDivOp(x3, v, x3, 1, 2));
    }

    /** Model output in [−1, 1] scale → image in [0, 1], clamped as any image writer would. */
    private static INDArray toImage(INDArray y) {
        INDArray img = y.addi(1.0).muli(0.5);
        return Transforms.min(Transforms.max(img, 0.0, false), 1.0, false);
    }

    private void checkImages(INDArray images) {
        if (images.rank() != 4)
            throw new IllegalArgumentException("images must be [B, C, H, W], got rank " + images.rank());
        if (images.size(1) != cfg.channels)
            throw new IllegalArgumentException("images have " + images.size(1) + " channels, the tokenizer expects " + cfg.channels);
    }
}
