package io.dcsldm.core.nn;

import io.dcsldm.core.mask.AttentionMask;
import io.dcsldm.core.mask.TokenGroups;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;

import static io.dcsldm.core.nn.TestArrays.maxAbsDiff;
import static io.dcsldm.core.nn.TestArrays.normal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * KV-cache inference equals whole-sequence attention, and what the mask hides cannot change an output.
 *
 * <p>FP32 throughout. Cached vs full: max |Δ| ≤ 1e-5. Masked keys/values and masked input tokens: outputs must be
 * bit-identical ({@link Ops#bitIdentical}: every bit; ND4J's {@code equals} would allow 1e-5), and each of those checks is paired with a control showing
 * that the same perturbation on <em>visible</em> data does change the output, so none of them is vacuous.</p>
 */
class AttentionCacheTest {
    static final double TOL = 1e-5;
    static final int B = 2, C = 16, HEADS = 4, D = C / HEADS;

    private static DataType savedDefault;
    private static DataType savedFloat;

    @BeforeAll
    static void useFloat() {
        savedDefault = Nd4j.dataType();
        savedFloat = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
    }

    @AfterAll
    static void restore() {
        Nd4j.setDefaultDataTypes(savedDefault, savedFloat);
    }

    /** Image layout: 3 levels of 4 tokens. */
    static TokenGroups image() { return TokenGroups.levelMajor(3, 1, 4); }

    /** Video layout: 2 levels × 3 times, 3 tokens per (level, time) group. */
    static TokenGroups video() { return TokenGroups.levelMajor(2, 3, 3); }

    // ---------------------------------------------------------------------------- cached == full

    @Test
    void cachedImageLevelByLevelMatchesFull() {
        double e = cachedVsFull("image, one level at a time", image(), singleGroups(image()));
        assertTrue(e <= TOL);
    }

    @Test
    void cachedVideoGroupByGroupMatchesFull() {
        double e = cachedVsFull("video, one (level,time) group at a time", video(), singleGroups(video()));
        assertTrue(e <= TOL);
    }

    @Test
    void cachedVideoLevelByLevelMatchesFull() {
        // several groups per call: the mask among the new tokens themselves must be applied too
        double e = cachedVsFull("video, one level (3 groups) at a time", video(), List.of(new int[]{0, 3}, new int[]{3, 6}));
        assertTrue(e <= TOL);
    }

    private double cachedVsFull(String label, TokenGroups groups, List<int[]> chunks) {
        Random rnd = new Random(31);
        ParamStore ps = new ParamStore(DataType.FLOAT, 31);
        MultiHeadAttention mha = new MultiHeadAttention(ps.scope("attn"), C, HEADS);
        TransformerBlock block = new TransformerBlock(ps.scope("blk"), C, HEADS, 32, true);
        TestArrays.randomizeParams(ps, rnd, 0.3);
        int t = groups.total();
        INDArray x = normal(DataType.FLOAT, rnd, 1.0, (long) B * t, C);
        INDArray cond = normal(DataType.FLOAT, rnd, 1.0, B, C);
        AttentionMask mask = AttentionMask.levelCausal(groups);

        INDArray fullAttn = mha.apply(x, B, mask);
        INDArray fullBlock = block.apply(x, cond, B, mask);
        KvCache attnCache = new KvCache(DataType.FLOAT, B, HEADS, t + 5, D); // spare capacity on purpose
        KvCache blockCache = new KvCache(DataType.FLOAT, B, HEADS, t, D);
        INDArray cachedAttn = Nd4j.zeros(DataType.FLOAT, B * t, C);
        INDArray cachedBlock = Nd4j.zeros(DataType.FLOAT, B * t, C);
        for (int[] ch : chunks) {
            TokenGroups g = groups.slice(ch[0], ch[1]);
            int s = groups.start(ch[0]), e = groups.end(ch[1] - 1);
            INDArray xg = rows(x, t, s, e);
            putRows(cachedAttn, mha.applyCached(xg, B, g, attnCache), t, s, e);
            putRows(cachedBlock, block.applyCached(xg, cond, B, g, blockCache), t, s, e);
        }
        assertEquals(t, attnCache.length());
        assertEquals(groups, attnCache.groups());
        double eAttn = maxAbsDiff(cachedAttn, fullAttn), eBlock = maxAbsDiff(cachedBlock, fullBlock);
        System.out.printf("[kv-cache] %-42s MHA max|Δ| %.2e (max|y| %.2f)  block max|Δ| %.2e (max|y| %.2f)%n", label, eAttn,
                fullAttn.amaxNumber().doubleValue(), eBlock, fullBlock.amaxNumber().doubleValue());
        assertTrue(eBlock <= TOL, "block cached vs full " + eBlock);
        return eAttn;
    }

    // ---------------------------------------------------------------------------- masked K/V never read

    @Test
    void maskedCacheRowsAreNeverReadImage() {
        maskedCacheRowsAreNeverRead(image());
    }

    @Test
    void maskedCacheRowsAreNeverReadVideo() {
        maskedCacheRowsAreNeverRead(video());
    }

    /**
     * For each query group g: fill the cache with groups {@code < g}, overwrite with random values every buffer
     * row g may not see (cached groups the rule masks, and the capacity not yet appended), then feed g. Its
     * output must be bit-identical to the clean run's.
     */
    private void maskedCacheRowsAreNeverRead(TokenGroups groups) {
        Random rnd = new Random(32);
        ParamStore ps = new ParamStore(DataType.FLOAT, 32);
        MultiHeadAttention mha = new MultiHeadAttention(ps.scope("attn"), C, HEADS);
        TestArrays.randomizeParams(ps, rnd, 0.3);
        int t = groups.total(), cap = t + 4;
        INDArray x = normal(DataType.FLOAT, rnd, 1.0, (long) B * t, C);

        List<INDArray> clean = new ArrayList<>();
        KvCache ref = new KvCache(DataType.FLOAT, B, HEADS, cap, D);
        for (int g = 0; g < groups.count(); g++)
            clean.add(mha.applyCached(rows(x, t, groups.start(g), groups.end(g)), B, groups.slice(g, g + 1), ref));

        int maskedGroupsSeen = 0;
        for (int g = 0; g < groups.count(); g++) {
            KvCache cache = new KvCache(DataType.FLOAT, B, HEADS, cap, D);
            for (int p = 0; p < g; p++) mha.applyCached(rows(x, t, groups.start(p), groups.end(p)), B, groups.slice(p, p + 1), cache);
            for (int p = 0; p < g; p++) {
                boolean visible = AttentionMask.LEVEL_TIME_CAUSAL.allow(groups.level(g), groups.time(g), groups.level(p), groups.time(p));
                if (!visible) {
                    scribble(cache, groups.start(p), groups.end(p), rnd);
                    maskedGroupsSeen++;
                }
            }
            scribble(cache, groups.end(g), cap, rnd); // beyond what this call appends
            INDArray out = mha.applyCached(rows(x, t, groups.start(g), groups.end(g)), B, groups.slice(g, g + 1), cache);
            assertTrue(Ops.bitIdentical(clean.get(g), out), "query group " + g + " read a masked cache row");

            if (g > 0) { // control: scribbling over a visible row (group 0 is always visible) does change the output
                KvCache c2 = new KvCache(DataType.FLOAT, B, HEADS, cap, D);
                for (int p = 0; p < g; p++) mha.applyCached(rows(x, t, groups.start(p), groups.end(p)), B, groups.slice(p, p + 1), c2);
                scribble(c2, groups.start(0), groups.end(0), rnd);
                assertFalse(Ops.bitIdentical(clean.get(g), mha.applyCached(rows(x, t, groups.start(g), groups.end(g)), B, groups.slice(g, g + 1), c2)));
            }
        }
        System.out.printf("[kv-cache] %s: %d query groups bit-identical with %d masked cached groups and spare capacity overwritten%n",
                groups.count() == 3 ? "image" : "video", groups.count(), maskedGroupsSeen);
        if (times(groups) > 1) assertTrue(maskedGroupsSeen > 0, "the video layout must have masked cached groups");
    }

    private static void scribble(KvCache cache, int from, int to, Random rnd) {
        if (to <= from) return;
        for (INDArray buf : new INDArray[]{cache.keyBuffer(), cache.valueBuffer()}) {
            INDArray r = buf.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(from, to), NDArrayIndex.all());
            r.assign(normal(DataType.FLOAT, rnd, 10.0, r.shape()));
        }
    }

    // ---------------------------------------------------------------------------- masked inputs never matter

    @Test
    void hiddenTokensDoNotChangeVisibleOutputsImage() {
        checkHiddenInputs(image());
    }

    @Test
    void hiddenTokensDoNotChangeVisibleOutputsVideo() {
        checkHiddenInputs(video());
    }

    /**
     * The same through the layouts the default does not pick for these masks: dense for the image mask (which
     * runs as key runs by default) and block-sparse for both.
     */
    @Test
    void hiddenTokensDoNotChangeVisibleOutputsOtherLayouts() {
        RunAttention.enabled = false;
        try {
            checkHiddenInputs(image());
            AttentionCore.denseEnabled = false;
            checkHiddenInputs(image());
            checkHiddenInputs(video());
        } finally {
            AttentionCore.denseEnabled = true;
            RunAttention.enabled = true;
        }
    }

    /**
     * For every (level ℓ, time τ): replace all input tokens with level > ℓ or time > τ by random values; outputs of
     * tokens with level ≤ ℓ and time ≤ τ must be bit-identical — through one attention layer, one conditioned
     * block (training and inference forward), an unconditioned block and a 2-block conditioned stack — while the
     * outputs of the replaced tokens do change.
     */
    private void checkHiddenInputs(TokenGroups groups) {
        Random rnd = new Random(33);
        ParamStore ps = new ParamStore(DataType.FLOAT, 33);
        MultiHeadAttention mha = new MultiHeadAttention(ps.scope("attn"), C, HEADS);
        TransformerBlock plain = new TransformerBlock(ps.scope("plain"), C, HEADS, 32, false);
        TransformerBlock b0 = new TransformerBlock(ps.scope("blocks.0"), C, HEADS, 32, true);
        TransformerBlock b1 = new TransformerBlock(ps.scope("blocks.1"), C, HEADS, 32, true);
        TestArrays.randomizeParams(ps, rnd, 0.3);
        int t = groups.total();
        AttentionMask mask = AttentionMask.levelCausal(groups);
        INDArray x = normal(DataType.FLOAT, rnd, 1.0, (long) B * t, C);
        INDArray cond = normal(DataType.FLOAT, rnd, 1.0, B, C);

        List<UnaryOperator<INDArray>> nets = List.of(
                in -> mha.apply(in, B, mask),
                in -> b0.apply(in, cond, B, mask),
                in -> b0.forward(in, cond, B, mask),
                in -> plain.apply(in, null, B, mask),
                in -> b1.apply(b0.apply(in, cond, B, mask), cond, B, mask),
                in -> b1.forward(b0.forward(in, cond, B, mask), cond, B, mask));
        String[] names = {"MHA", "block.apply", "block.forward", "unconditioned block", "2-block stack apply", "2-block stack forward"};
        int[] lv = groups.tokenLevels(), tm = groups.tokenTimes();
        int checks = 0;
        for (int l = 0; l < groups.levels(); l++)
            for (int tau = 0; tau < times(groups); tau++) {
                boolean[] hidden = new boolean[t];
                boolean any = false;
                for (int i = 0; i < t; i++) any |= hidden[i] = lv[i] > l || tm[i] > tau;
                INDArray x2 = x.dup();
                for (int b = 0; b < B; b++)
                    for (int i = 0; i < t; i++)
                        if (hidden[i]) x2.getRow((long) b * t + i).assign(normal(DataType.FLOAT, rnd, 3.0, C));
                for (int n = 0; n < nets.size(); n++) {
                    INDArray y = nets.get(n).apply(x), y2 = nets.get(n).apply(x2);
                    for (int b = 0; b < B; b++)
                        for (int i = 0; i < t; i++) {
                            long row = (long) b * t + i;
                            if (!hidden[i])
                                assertTrue(Ops.bitIdentical(y.getRow(row), y2.getRow(row)), String.format("%s: token %d (level %d, time %d) depends on a hidden token (ℓ=%d, τ=%d)",
                                        names[n], i, lv[i], tm[i], l, tau));
                            else
                                assertNotEquals(y.getRow(row), y2.getRow(row), names[n] + ": replaced token " + i + " output unchanged");
                        }
                    checks++;
                }
                if (!any) assertEquals(groups.levels() - 1, l); // the last (ℓ, τ) hides nothing: plain determinism check
            }
        System.out.printf("[kv-cache] %s: %d (prefix, network) cases bit-identical on visible tokens%n",
                times(groups) > 1 ? "video" : "image", checks);
    }

    // ---------------------------------------------------------------------------- helpers

    private static int times(TokenGroups g) {
        int m = 0;
        for (int i = 0; i < g.count(); i++) m = Math.max(m, g.time(i) + 1);
        return m;
    }

    /** One query group per call. */
    private static List<int[]> singleGroups(TokenGroups g) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < g.count(); i++) out.add(new int[]{i, i + 1});
        return out;
    }

    /** Token rows {@code [s, e)} of every sample of {@code x: [B·t, C]}, as {@code [B·(e−s), C]}. */
    static INDArray rows(INDArray x, int t, int s, int e) {
        INDArray[] parts = new INDArray[B];
        for (int b = 0; b < B; b++) parts[b] = x.get(NDArrayIndex.interval((long) b * t + s, (long) b * t + e), NDArrayIndex.all());
        return Nd4j.concat(0, parts);
    }

    static void putRows(INDArray full, INDArray part, int t, int s, int e) {
        int n = e - s;
        for (int b = 0; b < B; b++)
            full.get(NDArrayIndex.interval((long) b * t + s, (long) b * t + e), NDArrayIndex.all())
                    .assign(part.get(NDArrayIndex.interval((long) b * n, (long) (b + 1) * n), NDArrayIndex.all()));
    }
}
