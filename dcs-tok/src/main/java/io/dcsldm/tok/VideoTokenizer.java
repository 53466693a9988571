package io.dcsldm.tok;

import io.dcsldm.core.embed.Sinusoidal;
import io.dcsldm.core.nn.ParamStore;
import io.dcsldm.core.runtime.Profiler;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DCS-Tok for video (DESIGN §4): the same tokenizer, with frames as the time axis of the token layout.
 *
 * <pre>
 *   clip [B, F, C, H, W] at fps f
 *     → patches of p_t × p × p pixels    p = min(h, w) / k, p_t = f / k_t   ({@link TemporalGrid})
 *     → Patchifier (PLA)                  pixel tokens carry (u, v, τ), τ = normalised in-patch time
 *     → level-major sequence              levels, then time, then raster order
 *     → encoder / decoder (LCA)           allow(a, b) ⇔ level(b) ≤ level(a) ∧ time(b) ≤ time(a)
 *     → Depatchifier (LPA)                any output size and any output frame rate
 * </pre>
 *
 * <p>With {@code model.linearCode} the latent also carries a linear code of each temporal patch
 * ({@link TemporalLinearCode}): the encoder's output is a residual added to the code's coordinates and the
 * depatchifier's output a residual added to the code's rendering, as {@link DcsTokenizer} does for images.</p>
 *
 * <p>It holds no weights of its own: every module is built on the wrapped {@link DcsTokenizer}'s
 * parameter store through shared scopes, so an image (a one-frame video at {@code fps = k_t}, in-patch
 * time {@code τ = 0.5}) goes through exactly the weights and computation of {@link DcsTokenizer#encode}
 * and {@link DcsTokenizer#decode}, and one checkpoint serves images and clips.</p>
 *
 * <p>Causality in time: the patchifier and depatchifier see one patch at a time and the encoder and
 * decoder use the level- and time-causal mask, so the tokens of temporal patch {@code t} depend only on
 * frames of patches {@code ≤ t}, and decoded frames of patch {@code t} only on tokens of patches
 * {@code ≤ t} (and levels {@code ≤ ℓ}).</p>
 *
 * <p>Tensors: clips are {@code [B, F, C, H, W]} in [0, 1]. Not thread-safe; modules keep their activations
 * between {@link #forwardBackward}'s forward and backward.</p>
 */
public final class VideoTokenizer {
    private final DcsTokenizer image;
    private final TokConfig cfg;
    private final ParamStore params;
    private final LevelCausalCoder encoder;
    private final LevelCausalCoder decoder;
    private final Map<String, Patchifier> patchifiers = new HashMap<>();
    private final Map<String, Depatchifier> depatchifiers = new HashMap<>();
    private final Map<String, INDArray> fourierCache = new HashMap<>();
    private final Map<String, Integer> inUse = new HashMap<>();
    private TemporalLinearCode linear; // wraps the image tokenizer's code when model.linearCode (see linear())

    public VideoTokenizer(DcsTokenizer image) {
        this.image = image;
        this.cfg = image.config();
        this.params = image.params();
        ParamStore.Scope s = params.scope("tok");
        long before = params.count();
        this.encoder = new LevelCausalCoder(s.scope("encoder").shared(), cfg, cfg.encoderDepth, cfg.width, cfg.latentChannels, false);
        this.decoder = new LevelCausalCoder(s.scope("decoder").shared(), cfg, cfg.decoderDepth, cfg.latentChannels, cfg.width, false);
        if (params.count() != before) throw new IllegalStateException("video modules must reuse the image tokenizer's weights");
    }

    /** The image tokenizer whose weights this shares. */
    public DcsTokenizer imageTokenizer() { return image; }

    public TokConfig config() { return cfg; }

    public ParamStore params() { return params; }

    /** Temporal grid of {@code frames} frames at {@code fps}. */
    public TemporalGrid temporal(int frames, double fps) { return new TemporalGrid(frames, fps, cfg.kt); }

    /**
     * Token layout of a clip: {@code G_t × G_h × G_w} patches, {@code G_t = duration·k_t}. Depends on the
     * duration and the aspect ratio only, not on the frame rate or the resolution.
     */
    public TokenLayout layout(int frames, double fps, int h, int w) {
        PatchGrid g = image.grid(h, w);
        return new TokenLayout(cfg.levels, temporal(frames, fps).gridT(), g.gridH(), g.gridW(), cfg.tokensPerLevel);
    }

    // ------------------------------------------------------------------ inference

    /** Encodes clips {@code [B, F, C, H, W]} at {@code fps} into a full latent. */
    public Latent encode(INDArray clips, double fps) {
        INDArray tokens = encodeUnnormalized(clips, fps);
        TemporalGrid tg = temporal((int) clips.size(1), fps);
        PatchGrid g = image.grid((int) clips.size(3), (int) clips.size(4));
        TokenLayout layout = new TokenLayout(cfg.levels, tg.gridT(), g.gridH(), g.gridW(), cfg.tokensPerLevel);
        return new Latent(normalize(tokens, layout, cfg.levels, true), layout, cfg.levels);
    }

    /** Encodes images {@code [B, C, H, W]} as one-frame videos (identical to {@link DcsTokenizer#encode}). */
    public Latent encodeImages(INDArray images) {
        return encode(asClip(images), cfg.kt);
    }

    /**
     * Decodes the levels present in {@code z} at {@code fps} and {@code outH × outW}: {@code [B, F, C, outH, outW]}
     * in [0, 1] with {@code F = G_t · fps / k_t} (the clip's duration at the new frame rate).
     */
    public INDArray decode(Latent z, double fps, int outH, int outW) {
        TokenLayout layout = z.layout();
        TemporalGrid tg = TemporalGrid.forDuration(layout.times(), fps, cfg.kt);
        PatchGrid out = new PatchGrid(layout.gridH(), layout.gridW(), 1, layout.gridH(), layout.gridW()).atSize(outH, outW);
        int b = z.batch(), l = z.levels();
        inUse.clear();
        INDArray raw = normalize(z.tokens().dup('c'), layout, l, false).reshape((long) b * layout.tokens(l), cfg.latentChannels);
        INDArray dec = decoder.forward(raw, layout, l, b, false);
        INDArray perPatch = layout.sequenceToPatch(dec, b, l);
        INDArray linearZ = cfg.linearCode ? raw.reshape(b, (long) layout.tokens(l) * cfg.latentChannels) : null;
        return depatchify(perPatch, null, linearZ, tg, out, layout, b, l, false, null);
    }

    /** Decodes a one-temporal-patch latent as images {@code [B, C, H, W]} (the image path). */
    public INDArray decodeImages(Latent z, int outH, int outW) {
        if (z.layout().times() != 1) throw new IllegalArgumentException("decodeImages needs a one-frame latent, this one has "
                + z.layout().times() + " temporal patches");
        INDArray v = decode(z, cfg.kt, outH, outW);
        return v.reshape(v.size(0), v.size(2), v.size(3), v.size(4));
    }

    /** {@code [B, C, H, W]} → {@code [B, 1, C, H, W]}. */
    public static INDArray asClip(INDArray images) {
        if (images.rank() != 4) throw new IllegalArgumentException("images must be [B, C, H, W], got rank " + images.rank());
        return images.reshape(images.size(0), 1, images.size(1), images.size(2), images.size(3));
    }

    // ------------------------------------------------------------------ training

    /**
     * One training sample: a clip rendered at the input frame rate and size, the same clip (same duration)
     * rendered at the target frame rate and size, and its level count. An image sample is a one-frame clip
     * at {@code fps = k_t} on both sides.
     */
    public record Sample(INDArray input, double inFps, INDArray target, double targetFps, int levels) {}

    /**
     * Forward and backward of the reconstruction loss {@code L1 + MSE} (mean per sample, then over samples),
     * asymmetric in time and space: each sample is encoded at its input frame rate and size and decoded
     * from its first {@code levels} levels at its target frame rate and size. All samples of one call must
     * share one token layout (duration and aspect ratio; images and clips go in separate calls). Gradients,
     * scaled by {@code weight}, are added into the parameters' buffers. Returns the loss.
     */
    public double forwardBackward(List<Sample> samples, double weight) {
        int b = samples.size();
        if (b == 0) throw new IllegalArgumentException("empty batch");
        TokenLayout layout = null;
        for (Sample s : samples) {
            checkClips(s.input());
            checkClips(s.target());
            if (s.input().size(0) != 1 || s.target().size(0) != 1)
                throw new IllegalArgumentException("a sample holds one clip");
            TokenLayout li = layout((int) s.input().size(1), s.inFps(), (int) s.input().size(3), (int) s.input().size(4));
            TokenLayout lo = layout((int) s.target().size(1), s.targetFps(), (int) s.target().size(3), (int) s.target().size(4));
            if (!li.equals(lo))
                throw new IllegalArgumentException("input and target of a sample must cover the same duration and aspect ratio: "
                        + li + " vs " + lo);
            if (layout == null) layout = li;
            else if (!layout.equals(li))
                throw new IllegalArgumentException("all samples of a batch must share one token layout: " + layout + " vs " + li);
        }
        int g = layout.patches(), lm = cfg.tokensPerPatch();
        inUse.clear();

        // encoder batch order: samples grouped by input (frames, fps, size)
        Map<String, List<Integer>> byIn = groupBy(samples, true);
        int[] order = byIn.values().stream().flatMap(List::stream).mapToInt(Integer::intValue).toArray();
        int[] position = new int[b];
        for (int i = 0; i < b; i++) position[order[i]] = i;

        long t = Profiler.start();
        List<INDArray> lats = new ArrayList<>();
        List<List<Patchifier>> usedPla = new ArrayList<>();
        List<TemporalGrid> inGrids = new ArrayList<>();
        List<INDArray> linearLatents = new ArrayList<>(); // per input group, when model.linearCode
        for (List<Integer> members : byIn.values()) {
            INDArray in = stack(samples, members, true);
            Sample first = samples.get(members.get(0));
            TemporalGrid tg = temporal((int) in.size(1), first.inFps());
            PatchGrid gin = image.grid((int) in.size(3), (int) in.size(4));
            List<Patchifier> used = new ArrayList<>();
            INDArray scaled = in.mul(2.0).subi(1.0);
            lats.add(patchify(scaled, tg, gin, members.size(), true, used));
            usedPla.add(used);
            inGrids.add(tg);
            if (cfg.linearCode) linearLatents.add(linearLatent(scaled, tg, layout));
        }
        INDArray lat = lats.size() == 1 ? lats.get(0) : Nd4j.concat(0, lats.toArray(new INDArray[0]));
        t = Profiler.lap("vtok.pla.fwd", t);
        INDArray z = encoder.forward(layout.patchToSequence(lat, b, cfg.levels), layout, cfg.levels, b, true);
        long floats = (long) layout.tokens() * cfg.latentChannels;
        INDArray zFlat = z.reshape(b, floats); // a view: samples in encoder order
        long firstRow = 0;                     // the linear coordinates of each input group, added in place
        for (INDArray coords : linearLatents) {
            zFlat.get(NDArrayIndex.interval(firstRow, firstRow + coords.rows()), NDArrayIndex.all()).addi(coords);
            firstRow += coords.rows();
        }
        INDArray dzLinear = cfg.linearCode ? Nd4j.zeros(z.dataType(), b, floats) : null;
        INDArray perPatch = layout.sequenceToPatch(decoder.forward(z, layout, cfg.levels, b, true), b, cfg.levels);
        t = Profiler.lap("vtok.coders.fwd", t);

        TokenLayout targetLayout = layout;
        // one target rendering (frames, frame rate, size): a depatchifier per temporal frame pattern
        TargetGroupDecoding.Result decoded = TargetGroupDecoding.run(perPatch, (long) g * lm, position, groupBy(samples, false).values(),
                members -> stack(samples, members, false), i -> samples.get(i).levels(), weight, 1.0 /* L1 + MSE */, "vtok",
                (members, target) -> new TargetGroupDecoding.Group() {
                    final int n = members.size();
                    final TemporalGrid tg = temporal((int) target.size(1), samples.get(members.get(0)).targetFps());
                    final PatchGrid gout = new PatchGrid(targetLayout.gridH(), targetLayout.gridW(), 1, targetLayout.gridH(), targetLayout.gridW())
                            .atSize((int) target.size(3), (int) target.size(4));
                    final List<Depatchifier> used = new ArrayList<>();
                    final int[] batchRows = members.stream().mapToInt(i -> position[i]).toArray(); // in the encoder-ordered batch
                    TargetGroupDecoding.LinearPrefix linearPrefix;

                    @Override
                    public INDArray forward(INDArray rows, int[] levels) {
                        // with the linear code: each member's linear rendering from its first levels only
                        if (cfg.linearCode) linearPrefix = TargetGroupDecoding.LinearPrefix.gather(zFlat, batchRows, levels, targetLayout, cfg.latentChannels);
                        return depatchify(rows, levels, cfg.linearCode ? linearPrefix.z() : null, tg, gout, targetLayout, n, cfg.levels, true, used);
                    }

                    @Override
                    public INDArray backward(INDArray dPred) {
                        if (cfg.linearCode) linearPrefix.scatter(linearBackward(dPred, tg, targetLayout, cfg.levels), dzLinear, batchRows);
                        return depatchifyBackward(dPred, tg, gout, targetLayout, n, used);
                    }
                });
        t = Profiler.start();
        INDArray dz = decoder.backward(layout.patchToSequence(decoded.dPerPatch(), b, cfg.levels));
        if (cfg.linearCode) dz.reshape(b, floats).addi(dzLinear); // z also fed the linear rendering
        INDArray dLat = layout.sequenceToPatch(encoder.backward(dz), b, cfg.levels);
        t = Profiler.lap("vtok.coders.bwd", t);
        long row = 0;
        int k = 0;
        for (List<Integer> members : byIn.values()) {
            long rowsN = (long) members.size() * g * lm;
            patchifyBackward(dLat.get(NDArrayIndex.interval(row, row + rowsN), NDArrayIndex.all()), inGrids.get(k), layout,
                    members.size(), usedPla.get(k));
            row += rowsN;
            k++;
        }
        Profiler.lap("vtok.pla.bwd", t);
        return decoded.loss();
    }

    // ------------------------------------------------------------------ patchify / depatchify over time

    /**
     * Clips {@code [B, F, C, H, W]} on the [−1, 1] scale → latent tokens in per-patch order {@code [B·G·L·m, D]},
     * patches ordered (sample, temporal patch, row, column). One patchifier call per temporal frame pattern.
     */
    private INDArray patchify(INDArray scaled, TemporalGrid tg, PatchGrid g, int b, boolean train, List<Patchifier> used) {
        int s = g.patches(), lm = cfg.tokensPerPatch();
        INDArray out = Nd4j.createUninitialized(params.dataType(), b, tg.gridT(), (long) s * lm, cfg.width);
        for (TemporalGrid.Pattern pat : tg.patterns()) {
            int nt = pat.patches().length, pixels = pat.frames() * g.pixelsPerPatch();
            INDArray[] parts = new INDArray[nt];
            for (int i = 0; i < nt; i++) parts[i] = extract(scaled, tg, pat.patches()[i], g);   // [B·S, P, C]
            INDArray pix = (nt == 1 ? parts[0] : Nd4j.concat(0, parts)).reshape((long) nt * b * s * pixels, cfg.channels);
            Patchifier pla = patchifierFor(g.patch(), pat);
            if (used != null) used.add(pla);
            INDArray lat = pla.forward(pix, fourier(g.patch(), pat), nt * b * s, train);          // [(t, b, s)·Lm, D]
            INDArray l4 = lat.reshape(nt, b, (long) s * lm, cfg.width);
            for (int i = 0; i < nt; i++)
                out.get(NDArrayIndex.all(), NDArrayIndex.point(pat.patches()[i]), NDArrayIndex.all(), NDArrayIndex.all())
                        .assign(l4.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()));
        }
        return out.reshape((long) b * tg.gridT() * s * lm, cfg.width);
    }

    private void patchifyBackward(INDArray dLat, TemporalGrid tg, TokenLayout layout, int b, List<Patchifier> used) {
        int s = layout.gridH() * layout.gridW(), lm = cfg.tokensPerPatch();
        INDArray d4 = dLat.reshape(b, tg.gridT(), (long) s * lm, cfg.width);
        int k = 0;
        for (TemporalGrid.Pattern pat : tg.patterns()) {
            int nt = pat.patches().length;
            INDArray dl = Nd4j.createUninitialized(dLat.dataType(), nt, b, (long) s * lm, cfg.width);
            for (int i = 0; i < nt; i++)
                dl.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all())
                        .assign(d4.get(NDArrayIndex.all(), NDArrayIndex.point(pat.patches()[i]), NDArrayIndex.all(), NDArrayIndex.all()));
            used.get(k++).backward(dl.reshape((long) nt * b * s * lm, cfg.width));
        }
    }

    /**
     * Decoded tokens in per-patch order {@code [B·G·l·m, D]} → clips {@code [B, F, C, H, W]} in [0, 1]
     * (inference) or in the [0, 1] scale unclamped (training, for the loss). {@code levels}: per-sample
     * level counts for training's truncation mask, or null (all tokens present are used). {@code linearZ}: with
     * model.linearCode the raw latent floats {@code [B, tokens(l)·c]} (truncated coordinates zeroed), whose linear
     * rendering is added to the learned one; else null.
     */
    private INDArray depatchify(INDArray perPatch, int[] levels, INDArray linearZ, TemporalGrid tg, PatchGrid out, TokenLayout layout, int b,
                                int l, boolean train, List<Depatchifier> used) {
        int s = layout.gridH() * layout.gridW(), n = l * cfg.tokensPerLevel;
        INDArray tok4 = perPatch.reshape(b, layout.times(), (long) s * n, perPatch.columns());
        INDArray clips = Nd4j.createUninitialized(params.dataType(), b, tg.frames(), cfg.channels, out.height(), out.width());
        for (TemporalGrid.Pattern pat : tg.patterns()) {
            int nt = pat.patches().length, pixels = pat.frames() * out.pixelsPerPatch();
            INDArray rows = Nd4j.createUninitialized(perPatch.dataType(), nt, b, (long) s * n, perPatch.columns());
            for (int i = 0; i < nt; i++)
                rows.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all())
                        .assign(tok4.get(NDArrayIndex.all(), NDArrayIndex.point(pat.patches()[i]), NDArrayIndex.all(), NDArrayIndex.all()));
            INDArray keep = levels == null ? null : keepMask(levels, nt, s);
            Depatchifier lpa = depatchifierFor(out.patch(), pat);
            if (used != null) used.add(lpa);
            INDArray y = lpa.forward(rows.reshape((long) nt * b * s * n, perPatch.columns()), keep, fourier(out.patch(), pat),
                    nt * b * s, train);                                                       // [(t, b, s)·P, C]
            INDArray y4 = y.reshape(nt, (long) b * s, pixels, cfg.channels);
            for (int i = 0; i < nt; i++)
                assemble(y4.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()), clips, tg,
                        pat.patches()[i], out, b);
        }
        if (linearZ != null) {
            INDArray blocks = linearZ.reshape(b, l, layout.times(), linearBlock(layout));
            for (int t = 0; t < layout.times(); t++) {
                INDArray coords = blocks.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(t), NDArrayIndex.all()).dup('c').reshape(b, -1);
                frames(clips, tg, t).addi(linear(layout).decode(coords, tg, t, out.height(), out.width()));
            }
        }
        INDArray img = clips.addi(1.0).muli(0.5);
        return train ? img : Transforms.min(Transforms.max(img, 0.0, false), 1.0, false);
    }

    /** Gradient w.r.t. the model's pixel outputs, as clips {@code [B, F, C, H, W]} → gradient w.r.t. the per-patch decoded tokens. */
    private INDArray depatchifyBackward(INDArray dClips, TemporalGrid tg, PatchGrid out, TokenLayout layout, int b, List<Depatchifier> used) {
        int s = layout.gridH() * layout.gridW(), n = cfg.tokensPerPatch();
        INDArray dTok = Nd4j.createUninitialized(dClips.dataType(), b, layout.times(), (long) s * n, cfg.width);
        int k = 0;
        for (TemporalGrid.Pattern pat : tg.patterns()) {
            int nt = pat.patches().length;
            INDArray[] parts = new INDArray[nt];
            for (int i = 0; i < nt; i++) parts[i] = extract(dClips, tg, pat.patches()[i], out);
            INDArray dy = (nt == 1 ? parts[0] : Nd4j.concat(0, parts)).reshape((long) nt * b * s * pat.frames() * out.pixelsPerPatch(), cfg.channels);
            INDArray dRows = used.get(k++).backward(dy).reshape(nt, b, (long) s * n, cfg.width);
            for (int i = 0; i < nt; i++)
                dTok.get(NDArrayIndex.all(), NDArrayIndex.point(pat.patches()[i]), NDArrayIndex.all(), NDArrayIndex.all())
                        .assign(dRows.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()));
        }
        return dTok.reshape((long) b * layout.patches() * n, cfg.width);
    }

    /**
     * The pixels of temporal patch {@code t}: {@code [B, F, C, H, W]} → {@code [B·S, n·p·p, C]}, spatial
     * patches in raster order, pixels ordered (frame, row, column) inside a patch.
     */
    static INDArray extract(INDArray clips, TemporalGrid tg, int t, PatchGrid g) {
        long b = clips.size(0), c = clips.size(2);
        int f0 = tg.firstFrame(t), n = tg.framesIn(t), p = g.patch();
        INDArray sub = clips.get(NDArrayIndex.all(), NDArrayIndex.interval(f0, f0 + n), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
        // [B, n, C, Gh, p, Gw, p] → [B, Gh, Gw, n, p, p, C]
        return sub.dup('c').reshape(b, n, c, g.gridH(), p, g.gridW(), p)
                .permute(0, 3, 5, 1, 4, 6, 2).dup('c')
                .reshape(b * g.patches(), (long) n * p * p, c);
    }

    /** Inverse of {@link #extract}: writes {@code [B·S, n·p·p, C]} into the frames of temporal patch {@code t} of {@code clips}. */
    static void assemble(INDArray pixels, INDArray clips, TemporalGrid tg, int t, PatchGrid g, int b) {
        int f0 = tg.firstFrame(t), n = tg.framesIn(t), p = g.patch();
        long c = clips.size(2);
        INDArray frames = pixels.reshape(b, g.gridH(), g.gridW(), n, p, p, c)
                .permute(0, 3, 6, 1, 4, 2, 5).dup('c')
                .reshape(b, n, c, g.height(), g.width());
        clips.get(NDArrayIndex.all(), NDArrayIndex.interval(f0, f0 + n), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all())
                .assign(frames);
    }

    /** {@code [nt·B·S, L·m]} in (temporal patch, sample, spatial patch) order: 1 where the token's level is kept. */
    private INDArray keepMask(int[] levels, int nt, int s) {
        int lm = cfg.tokensPerPatch();
        float[] keep = new float[nt * levels.length * s * lm];
        int i = 0;
        for (int t = 0; t < nt; t++)
            for (int b = 0; b < levels.length; b++) {
                if (levels[b] < 1 || levels[b] > cfg.levels)
                    throw new IllegalArgumentException("levels[" + b + "] = " + levels[b] + " not in [1, " + cfg.levels + "]");
                for (int g = 0; g < s; g++)
                    for (int j = 0; j < lm; j++) keep[i++] = j / cfg.tokensPerLevel < levels[b] ? 1f : 0f;
            }
        return Nd4j.create(keep, new long[]{(long) nt * levels.length * s, lm}).castTo(params.dataType());
    }

    /**
     * A patchifier for this patch size and frame pattern, sharing the weights. A module instance keeps the
     * activations of its last forward for its backward, so within one training call every use gets its
     * own instance ({@link #inUse} counts the uses since the call began).
     */
    private Patchifier patchifierFor(int patch, TemporalGrid.Pattern pat) {
        String key = "pla/" + patch + "/" + pat.key() + "#" + inUse.merge("pla/" + patch + "/" + pat.key(), 1, Integer::sum);
        return patchifiers.computeIfAbsent(key, k -> new Patchifier(params.scope("tok").scope("patchifier").shared(), cfg));
    }

    private Depatchifier depatchifierFor(int patch, TemporalGrid.Pattern pat) {
        String key = "lpa/" + patch + "/" + pat.key() + "#" + inUse.merge("lpa/" + patch + "/" + pat.key(), 1, Integer::sum);
        return depatchifiers.computeIfAbsent(key, k -> new Depatchifier(params.scope("tok").scope("depatchifier").shared(), cfg));
    }

    /** Fourier features of the pixel centres {@code (u, v, τ)} of a {@code n × p × p} patch with the pattern's frame times. */
    private INDArray fourier(int p, TemporalGrid.Pattern pat) {
        return fourierCache.computeIfAbsent(p + "/" + pat.key(), key -> {
            try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                double[][] coords = new double[pat.frames() * p * p][];
                int i = 0;
                for (double tau : pat.taus())
                    for (int y = 0; y < p; y++)
                        for (int x = 0; x < p; x++) coords[i++] = new double[]{(y + 0.5) / p, (x + 0.5) / p, tau};
                return Sinusoidal.fourier(coords, cfg.fourierFreqs, params.dataType());
            }
        });
    }

    // ------------------------------------------------------------------ the linear code (model.linearCode)

    /**
     * The image tokenizer's linear code read as a temporal-patch code; it must be installed (fitted or loaded),
     * and {@code layout}'s temporal patches must hold as many floats as it has coordinates (the same spatial grid).
     */
    private TemporalLinearCode linear(TokenLayout layout) {
        LinearCode code = image.linearCode();
        if (code == null)
            throw new IllegalStateException("model.linearCode is true but no linear code is installed: fit one on training clips "
                    + "(VideoTokenizerTask does) or load a checkpoint that holds one");
        if (linear == null || linear.code() != code) linear = new TemporalLinearCode(code, cfg.channels);
        if (linear.floats() != cfg.levels * linearBlock(layout))
            throw new IllegalArgumentException("the linear code has " + linear.floats() + " coordinates per temporal patch, fitted for "
                    + code.height() + "×" + code.width() + " frames; a temporal patch of this clip's " + layout.gridH() + "×" + layout.gridW()
                    + " patch grid has " + cfg.levels * linearBlock(layout) + " latent floats (use the aspect ratio it was trained on)");
        return linear;
    }

    /** Latent floats of one level of one temporal patch: {@code S·m·c}. */
    private long linearBlock(TokenLayout layout) {
        return (long) layout.gridH() * layout.gridW() * cfg.tokensPerLevel * cfg.latentChannels;
    }

    /** The linear coordinates of clips {@code [B, F, C, H, W]} ([−1, 1] scale) as latent floats {@code [B, T·c]}, level-major. */
    private INDArray linearLatent(INDArray scaledClips, TemporalGrid tg, TokenLayout layout) {
        long b = scaledClips.size(0), block = linearBlock(layout);
        INDArray out = Nd4j.createUninitialized(scaledClips.dataType(), b, cfg.levels, layout.times(), block);
        for (int t = 0; t < layout.times(); t++)
            out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(t), NDArrayIndex.all())
                    .assign(linear(layout).encode(scaledClips, tg, t).reshape(b, cfg.levels, block));
        return out.reshape(b, (long) cfg.levels * layout.times() * block);
    }

    /** Gradient of the linear rendering w.r.t. the latent floats {@code [B, tokens(l)·c]}, from {@code dClips} on the [−1, 1] scale. */
    private INDArray linearBackward(INDArray dClips, TemporalGrid tg, TokenLayout layout, int l) {
        long b = dClips.size(0), block = linearBlock(layout);
        INDArray out = Nd4j.createUninitialized(dClips.dataType(), b, l, layout.times(), block);
        for (int t = 0; t < layout.times(); t++)
            out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(t), NDArrayIndex.all())
                    .assign(linear(layout).decodeBackward(frames(dClips, tg, t), tg, t, (int) (l * block)).reshape(b, l, block));
        return out.reshape(b, l * layout.times() * block);
    }

    /** The frames of temporal patch {@code t} of {@code [B, F, C, H, W]}, a view. */
    private static INDArray frames(INDArray clips, TemporalGrid tg, int t) {
        return clips.get(NDArrayIndex.all(), NDArrayIndex.interval(tg.firstFrame(t), tg.firstFrame(t) + tg.framesIn(t)),
                NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
    }

    // ------------------------------------------------------------------ helpers

    /** Sample indices grouped by their input (or target) rendering: frames, frame rate and size. */
    private static Map<String, List<Integer>> groupBy(List<Sample> samples, boolean input) {
        Map<String, List<Integer>> m = new LinkedHashMap<>();
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            INDArray x = input ? s.input() : s.target();
            String key = x.size(1) + "@" + (input ? s.inFps() : s.targetFps()) + ":" + x.size(3) + "x" + x.size(4);
            m.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
        }
        return m;
    }

    private static INDArray stack(List<Sample> samples, List<Integer> members, boolean input) {
        INDArray[] xs = new INDArray[members.size()];
        for (int i = 0; i < xs.length; i++) xs[i] = input ? samples.get(members.get(i)).input() : samples.get(members.get(i)).target();
        return xs.length == 1 ? xs[0] : Nd4j.concat(0, xs);
    }

    /** Normalises ({@code forward}) or denormalises tokens {@code [B, T, c]} of the first {@code l} levels in place, with the image tokenizer's statistics. */
    private INDArray normalize(INDArray tokens, TokenLayout layout, int l, boolean forward) {
        return image.normalize(tokens, layout, l, forward);
    }

    /** Raw (unnormalised) latents {@code [B, T, c]} of clips, for measuring statistics. */
    public INDArray encodeUnnormalized(INDArray clips, double fps) {
        checkClips(clips);
        inUse.clear();
        int b = (int) clips.size(0);
        TemporalGrid tg = temporal((int) clips.size(1), fps);
        PatchGrid g = image.grid((int) clips.size(3), (int) clips.size(4));
        TokenLayout layout = new TokenLayout(cfg.levels, tg.gridT(), g.gridH(), g.gridW(), cfg.tokensPerLevel);
        INDArray scaled = clips.mul(2.0).subi(1.0);
        INDArray lat = patchify(scaled, tg, g, b, false, null);
        INDArray z = encoder.forward(layout.patchToSequence(lat, b, cfg.levels), layout, cfg.levels, b, false);
        if (cfg.linearCode) z.reshape(b, (long) layout.tokens() * cfg.latentChannels).addi(linearLatent(scaled, tg, layout));
        return z.reshape(b, layout.tokens(), cfg.latentChannels);
    }

    private void checkClips(INDArray clips) {
        if (clips.rank() != 5)
            throw new IllegalArgumentException("clips must be [B, F, C, H, W], got rank " + clips.rank());
        if (clips.size(2) != cfg.channels)
            throw new IllegalArgumentException("clips have " + clips.size(2) + " channels, the tokenizer expects " + cfg.channels);
    }
}
