package io.dcsldm.dit;

import io.dcsldm.core.embed.Embedding;
import io.dcsldm.core.mask.AttentionMask;
import io.dcsldm.core.mask.TokenGroups;
import io.dcsldm.core.nn.KvCache;
import io.dcsldm.core.nn.Linear;
import io.dcsldm.core.nn.Ops;
import io.dcsldm.core.nn.ParamStore;
import io.dcsldm.core.nn.Silu;
import io.dcsldm.core.nn.TransformerStack;
import io.dcsldm.tok.TokenLayout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * DCS-DiT (DESIGN §3.1): a diffusion transformer over DCS-Tok latents with the tokenizer's level-causal
 * mask, read top to bottom like DiT's {@code models.py}:
 *
 * <pre>
 *   x    = Linear(c → D)(z_t) + grid(t, y, x) + level embedding      per token
 *   cond = SiLU(TimestepEmbedder(t) + LabelEmbedder(y))              per sample
 *   x    = adaLN-Zero LCA blocks (x, cond) × depth
 *   v    = FinalLayer(x, cond)                                        predicted velocity, [B·T, c]
 * </pre>
 *
 * Because every block is level-causal, the velocity of levels {@code ≤ ℓ} depends only on levels
 * {@code ≤ ℓ}: generation can proceed level by level with a key/value cache ({@link #applyCached}).
 */
public final class DcsDiT {
    private final DitConfig cfg;
    private final TokenLayout layout;
    private final int latentChannels;
    private final ParamStore params;
    private final Linear in;
    private final Embedding level;
    private final TimestepEmbedder timestep;
    private final LabelEmbedder label;
    private final Silu condAct = new Silu();
    private final TransformerStack blocks;
    private final FinalLayer finalLayer;
    private final AttentionMask.Rule rule;
    private int batch;
    /** Rows of the last training forward's conditioning: one per sample, or one per (sample, level, temporal patch). */
    private int condRows;
    /** Per-coordinate scale {@code [T, c]} from the tokenizer's normalised latent to the space this model diffuses in; null = identity. */
    private INDArray latentScale;
    /** Key/value buffers of the last progressive generation, reused by the next one of the same shape. */
    private KvCache[][] cachePool;
    private int cachePoolBatch;
    /** The constant sinusoidal grid embedding of the whole sequence, made on first use ({@link #gridEmbedding()}). */
    private INDArray gridEmbedding;

    public DcsDiT(DitConfig cfg, TokenLayout layout, int latentChannels, ParamStore params) {
        this(cfg, layout, latentChannels, params, AttentionMask.LEVEL_TIME_CAUSAL);
    }

    /**
     * @param rule the attention mask's rule: {@link AttentionMask#LEVEL_TIME_CAUSAL} (DESIGN §3.1, the tokenizer's
     *             mask), or {@link AttentionMask#LEVEL_CAUSAL} to drop the time clause (progressive generation by
     *             level still holds; generation is then not causal in time)
     */
    public DcsDiT(DitConfig cfg, TokenLayout layout, int latentChannels, ParamStore params, AttentionMask.Rule rule) {
        cfg.validate();
        this.rule = rule;
        this.cfg = cfg;
        this.layout = layout;
        this.latentChannels = latentChannels;
        this.params = params;
        ParamStore.Scope s = params.scope("dit");
        this.in = new Linear(s.scope("in"), latentChannels, cfg.width, true);
        this.level = new Embedding(s.scope("level"), layout.levels(), cfg.width, 0.02);
        this.timestep = new TimestepEmbedder(s.scope("timestep"), cfg.width, cfg.frequencyWidth);
        this.label = new LabelEmbedder(s.scope("label"), cfg.classes, cfg.width);
        this.blocks = new TransformerStack(s.scope("blocks"), cfg.depth, cfg.width, cfg.heads, cfg.mlpRatio * cfg.width, true, rule);
        this.finalLayer = new FinalLayer(s.scope("final"), cfg.width, latentChannels);
    }

    public DitConfig config() { return cfg; }

    public TokenLayout layout() { return layout; }

    public ParamStore params() { return params; }

    public int latentChannels() { return latentChannels; }

    public int nullClass() { return label.nullClass(); }

    // ------------------------------------------------------------------ the space the model diffuses in

    /**
     * The fixed per-coordinate scale {@code [T, c]} between the tokenizer's normalised latent and the space
     * this model is trained and sampled in ({@code x = scale · z}), or null when the model diffuses the
     * normalised latent itself. Not a trained parameter: it is chosen before training (e.g. from the
     * decoder's pixel energy per coordinate) and saved with the model.
     */
    public INDArray latentScale() { return latentScale; }

    public void setLatentScale(INDArray scale) {
        if (scale != null && (scale.rank() != 2 || scale.size(0) != layout.tokens() || scale.size(1) != latentChannels))
            throw new IllegalArgumentException("latent scale must be [" + layout.tokens() + ", " + latentChannels + "], got "
                    + java.util.Arrays.toString(scale.shape()));
        this.latentScale = scale == null ? null : scale.castTo(params.dataType()).dup('c');
    }

    /** Tokenizer latents {@code [B, T_l, c]} (any level prefix) → the model's space. */
    public INDArray toModelSpace(INDArray z) { return rescale(z, true); }

    /** The model's samples {@code [B, T_l, c]} (any level prefix) → tokenizer latents, ready to decode. */
    public INDArray toTokenizerSpace(INDArray x) { return rescale(x, false); }

    private INDArray rescale(INDArray z, boolean forward) {
        if (latentScale == null) return z;
        long per = z.size(1) * z.size(2);
        INDArray s = latentScale.get(NDArrayIndex.interval(0, z.size(1)), NDArrayIndex.all()).dup('c').reshape(1, per);
        INDArray flat = z.castTo(params.dataType()).dup('c').reshape(z.size(0), per);
        return (forward ? flat.muliRowVector(s) : flat.diviRowVector(s)).reshape(z.shape());
    }

    /** Per-token positional term of tokens {@code [from, to)} of the full sequence: grid + level embedding. */
    private INDArray positions(int from, int to, boolean train) {
        INDArray grid = gridEmbedding().get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
        int[] lv = java.util.Arrays.copyOfRange(layout.tokenLevels(layout.levels()), from, to);
        INDArray lev = train ? level.forward(lv) : level.apply(lv);
        return lev.addi(grid);
    }

    /**
     * The sinusoidal grid embedding of the whole sequence, a constant: computed once, outside any workspace, instead
     * of once per model evaluation (the progressive sampler makes one per level and step).
     */
    private synchronized INDArray gridEmbedding() {
        if (gridEmbedding == null) {
            try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                gridEmbedding = layout.gridEmbedding(layout.levels(), cfg.width, params.dataType());
            }
        }
        return gridEmbedding;
    }

    private INDArray condition(double[] t, int[] y, boolean train) {
        DataType dt = params.dataType();
        INDArray c = train ? timestep.forward(t, dt).addi(label.forward(y)) : timestep.apply(t, dt).addi(label.apply(y));
        return train ? condAct.forward(c) : Silu.apply(c);
    }

    // ------------------------------------------------------------------ training

    /**
     * Training forward over the first {@code l} levels: {@code zt: [B·T_l, c]} noisy latents, flow times
     * {@code t}, labels {@code y} (null class allowed) → predicted velocity {@code [B·T_l, c]}.
     */
    public INDArray forward(INDArray zt, double[] t, int[] y, int l) {
        return forward(zt, t.length, t, y, l);
    }

    /**
     * Training forward with one flow time per temporal patch: {@code t[b·G_t + p]} is the flow time of temporal patch
     * {@code p} of sample {@code b}, shared by all its levels; a time of 0 marks a clean patch given as context. Each
     * token is conditioned on its own patch's time (adaLN per run of tokens of one level and temporal patch), so earlier
     * patches can be clean while later ones are noisy ({@link FlowObjective#forwardBackwardCausalInTime}). {@link
     * #backward} as usual.
     */
    public INDArray forwardPerTime(INDArray zt, double[] t, int[] y, int l) {
        int b = y.length, times = layout.times();
        if (t.length != b * times)
            throw new IllegalArgumentException("one flow time per sample and temporal patch: expected " + b + "·" + times
                    + " = " + b * times + " times, got " + t.length);
        // the token order is level-major (level, temporal patch, spatial patch, token): one row per (b, level, patch)
        double[] ts = new double[b * l * times];
        int[] ys = new int[ts.length];
        for (int i = 0, g = 0; i < b; i++)
            for (int lv = 0; lv < l; lv++)
                for (int p = 0; p < times; p++, g++) {
                    ts[g] = t[i * times + p];
                    ys[g] = y[i];
                }
        return forward(zt, b, ts, ys, l);
    }

    /** {@code t}, {@code y}: one entry per row of conditioning, each row covering an equal run of every sample's tokens. */
    private INDArray forward(INDArray zt, int sequences, double[] t, int[] y, int l) {
        batch = sequences;
        condRows = t.length;
        int n = layout.tokens(l);
        INDArray x = in.forward(zt);
        Ops.addPerPosition(x, positions(0, n, true), batch);
        INDArray c = condition(t, y, true);
        AttentionMask mask = mask(l);
        x = blocks.forward(x, c, batch, mask);
        return finalLayer.forward(x, c);
    }

    /** Backward of {@link #forward}; the input needs no gradient. */
    public void backward(INDArray dv) {
        INDArray dCond = Nd4j.zeros(dv.dataType(), condRows, cfg.width);
        INDArray dx = finalLayer.backward(dv, dCond);
        INDArray dCondBlocks = Nd4j.zeros(dv.dataType(), condRows, cfg.width);
        dx = blocks.backward(dx, dCondBlocks);
        INDArray dc = condAct.backward(dCond.addi(dCondBlocks));
        timestep.backward(dc);
        label.backward(dc);
        level.backward(Ops.sumOverSequences(dx, batch));
        in.backwardParamsOnly(dx);
    }

    // ------------------------------------------------------------------ inference

    /**
     * Everything a forward needs that depends only on (flow time, label) and not on the tokens: the
     * activated conditioning vector and every block's adaLN modulation. Computed once per model evaluation
     * and shared by all levels, so progressive generation does not repeat it per level.
     */
    public record Conditioning(int batch, INDArray[] blockModulations, INDArray finalModulation) {}

    public Conditioning condition(double[] t, int[] y) {
        INDArray c = condition(t, y, false);
        return new Conditioning(t.length, blocks.modulationsFor(c), finalLayer.modulationFor(c));
    }

    /** Velocity for all tokens of the first {@code l} levels at once (joint generation). */
    public INDArray apply(INDArray zt, Conditioning cond, int l) {
        int b = cond.batch(), n = layout.tokens(l);
        INDArray x = in.apply(zt);
        Ops.addPerPosition(x, positions(0, n, false), b);
        x = blocks.applyModulated(x, cond.blockModulations(), b, mask(l));
        return finalLayer.apply(x, cond.finalModulation());
    }

    /**
     * Velocity for the tokens of level {@code l} only, attending to the cached keys/values of levels
     * {@code < l} (one {@link KvCache} per block, holding those levels' keys/values for the same
     * conditioning) and appending level {@code l}'s own. Equal to the level-{@code l} rows of {@link #apply}
     * over the first {@code l + 1} levels.
     */
    public INDArray applyCached(INDArray ztLevel, Conditioning cond, int l, KvCache[] caches) {
        return applyCached(ztLevel, cond, levelGroups(l), caches);
    }

    /**
     * Velocity for the tokens of {@code newGroups} (groups of this model's layout, e.g. the levels of one temporal
     * patch; rows in the groups' order), attending to what {@code caches} hold and appending their own keys/values.
     * The mask is the model's rule over the groups' (level, time) labels, so the cache may hold any earlier groups
     * in any order, e.g. finished temporal patches fed once at flow time 0 as context.
     */
    public INDArray applyCached(INDArray zt, Conditioning cond, TokenGroups newGroups, KvCache[] caches) {
        int b = cond.batch();
        INDArray x = in.apply(zt);
        Ops.addPerPosition(x, positionsOf(newGroups), b);
        x = blocks.applyCachedModulated(x, cond.blockModulations(), b, newGroups, caches);
        return finalLayer.apply(x, cond.finalModulation());
    }

    /** The groups of level {@code l}, all temporal patches. */
    public TokenGroups levelGroups(int l) {
        TokenGroups all = layout.groups(l + 1);
        return all.slice(layout.groups(l).count(), all.count());
    }

    /** The groups of temporal patch {@code p}, levels {@code 0..levels−1} in order. */
    public TokenGroups temporalPatchGroups(int p, int levels) {
        int[] lv = new int[levels], tm = new int[levels], size = new int[levels];
        for (int l = 0; l < levels; l++) {
            lv[l] = l;
            tm[l] = p;
            size[l] = groupSize();
        }
        return new TokenGroups(lv, tm, size);
    }

    /** Tokens of one (level, temporal patch) group. */
    public int groupSize() { return layout.gridH() * layout.gridW() * layout.tokensPerLevel(); }

    /** First token of group (level, time) in the full level-major sequence. */
    public int groupStart(int level, int time) { return (level * layout.times() + time) * groupSize(); }

    /** Positional terms of the tokens of {@code groups}, in the groups' order (contiguous runs become one slice). */
    private INDArray positionsOf(TokenGroups groups) {
        INDArray[] parts = new INDArray[groups.count()];
        int n = 0;
        for (int g = 0; g < groups.count(); ) {
            int from = groupStart(groups.level(g), groups.time(g)), to = from + groups.size(g);
            int h = g + 1;
            while (h < groups.count() && groupStart(groups.level(h), groups.time(h)) == to) to += groups.size(h++);
            parts[n++] = positions(from, to, false);
            g = h;
        }
        return n == 1 ? parts[0] : Nd4j.concat(0, java.util.Arrays.copyOf(parts, n));
    }

    /** One empty cache per block, sized for the whole sequence of {@code batch} samples. */
    public KvCache[] newCaches(int batch) {
        KvCache[] c = new KvCache[cfg.depth];
        for (int i = 0; i < c.length; i++)
            c[i] = new KvCache(params.dataType(), batch, cfg.heads, layout.tokens(), cfg.width / cfg.heads);
        return c;
    }

    /**
     * {@code sets} empty cache sets ({@link #newCaches}) for {@code batch} samples, reusing the buffers of the
     * previous call with the same shape: a progressive generation needs one set per model evaluation
     * (hundreds of MB), and fresh off-heap memory costs ≈3 ns/byte on first touch. The returned caches are
     * valid until the next call with the same shape; the model holds at most one such pool, so two
     * progressive generations must not run on one model at the same time.
     */
    public synchronized KvCache[][] reusableCaches(int sets, int batch) {
        if (cachePool == null || cachePool.length != sets || cachePoolBatch != batch) {
            cachePool = null; // let the old buffers go before allocating the new ones
            KvCache[][] pool = new KvCache[sets][];
            for (int k = 0; k < sets; k++) pool[k] = newCaches(batch);
            cachePool = pool;
            cachePoolBatch = batch;
        }
        for (KvCache[] set : cachePool) for (KvCache c : set) c.clear();
        return cachePool;
    }

    /** Multiply-adds of {@link #condition} for {@code b} samples (once per model evaluation). */
    public long macsConditioning(int b) {
        long d = cfg.width;
        return (long) b * (cfg.frequencyWidth * d + d * d + cfg.depth * 6L * d * d + 2L * d * d);
    }

    /**
     * Multiply-adds of {@link #apply} over the first {@code l} levels for {@code b} samples, counting the
     * attention blocks actually computed (masked blocks are skipped), conditioning excluded.
     */
    public long macs(int b, int l) {
        return tokenMacs((long) b * layout.tokens(l), (long) b * mask(l).allowedPairs());
    }

    /** The mask over the first {@code l} levels. */
    private AttentionMask mask(int l) {
        return new AttentionMask(layout.groups(l), layout.groups(l), rule);
    }

    /** The attention mask's rule. */
    public AttentionMask.Rule rule() { return rule; }

    /** Multiply-adds of {@link #applyCached} for level {@code l}, conditioning excluded. */
    public long macsCached(int b, int l) {
        return macsCached(b, levelGroups(l), layout.groups(l + 1));
    }

    /** Multiply-adds of {@link #applyCached} for {@code newGroups} against {@code keys} (the cache's groups, then the new ones). */
    public long macsCached(int b, TokenGroups newGroups, TokenGroups keys) {
        long pairs = new AttentionMask(newGroups, keys, rule).allowedPairs();
        return tokenMacs((long) b * newGroups.total(), (long) b * pairs);
    }

    /** Per-token work (projections, MLPs, in/out layers) plus attention over the computed (query, key) pairs. */
    private long tokenMacs(long tokens, long pairs) {
        long d = cfg.width, h = (long) cfg.mlpRatio * d;
        long perBlock = tokens * (3 * d * d + d * d + 2 * d * h) + 2 * pairs * d;
        return cfg.depth * perBlock + tokens * 2L * latentChannels * d;
    }
}
