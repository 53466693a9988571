package io.dcsldm.core.mask;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The group-block mask against the token-level rule {@code allow(a, b) ⇔ level(b) ≤ level(a) ∧ time(b) ≤ time(a)}
 * evaluated by brute force, on fixed and random layouts.
 */
class AttentionMaskTest {

    /** Brute-force token-level rule. */
    private static boolean allow(TokenGroups q, int a, TokenGroups k, int b) {
        return k.tokenLevels()[b] <= q.tokenLevels()[a] && k.tokenTimes()[b] <= q.tokenTimes()[a];
    }

    /** Layouts with random group sizes (1..4 tokens), level-major. */
    private static TokenGroups randomLevelMajor(Random rnd, int levels, int times) {
        int n = levels * times;
        int[] l = new int[n], t = new int[n], s = new int[n];
        for (int lv = 0, g = 0; lv < levels; lv++)
            for (int ti = 0; ti < times; ti++, g++) {
                l[g] = lv;
                t[g] = ti;
                s[g] = 1 + rnd.nextInt(4);
            }
        return new TokenGroups(l, t, s);
    }

    // ------------------------------------------------------------------------------------ images

    @Test
    void imageRunsAreSinglePrefixes() {
        Random rnd = new Random(41);
        List<TokenGroups> layouts = new ArrayList<>();
        for (int levels = 1; levels <= 5; levels++)
            for (int m = 1; m <= 3; m++) layouts.add(TokenGroups.levelMajor(levels, 1, m));
        for (int i = 0; i < 10; i++) layouts.add(randomLevelMajor(rnd, 1 + rnd.nextInt(6), 1));
        // a level split over several groups: a query still sees its whole level, later groups of it included
        layouts.add(new TokenGroups(new int[]{0, 0, 1, 1, 1, 2}, new int[6], new int[]{2, 1, 3, 1, 2, 4}));

        int checked = 0;
        for (TokenGroups g : layouts) {
            AttentionMask mask = AttentionMask.levelCausal(g);
            for (int q = 0; q < g.count(); q++) {
                int endOfLevel = 0;
                for (int k = 0; k < g.count(); k++) if (g.level(k) <= g.level(q)) endOfLevel = Math.max(endOfLevel, g.end(k));
                assertArrayEquals(new int[]{0, endOfLevel}, mask.keyRuns(q), g + " query group " + q);
                assertEquals(endOfLevel, mask.keyCount(q));
                checked++;
            }
            assertBruteForce(g, g, mask);
        }
        System.out.printf("[mask] images: %d layouts, %d query groups, every key set one prefix run%n", layouts.size(), checked);
    }

    // ------------------------------------------------------------------------------------ video

    @Test
    void videoRunsMatchBruteForce() {
        Random rnd = new Random(42);
        List<TokenGroups> layouts = new ArrayList<>();
        for (int levels = 1; levels <= 4; levels++)
            for (int times = 2; times <= 4; times++) {
                layouts.add(TokenGroups.levelMajor(levels, times, 2));
                layouts.add(randomLevelMajor(rnd, levels, times));
            }
        int pairs = 0;
        for (TokenGroups g : layouts) {
            AttentionMask mask = AttentionMask.levelCausal(g);
            pairs += assertBruteForce(g, g, mask);
            int times = g.tokenTimes()[g.total() - 1] + 1;
            for (int q = 0; q < g.count(); q++) {
                // level-major: levels below see all their times (contiguous with the next level's start) unless the
                // query is at an earlier time, so the key set is one run at the last time and ℓ+1 runs before it
                int expectRuns = g.time(q) == times - 1 ? 1 : g.level(q) + 1;
                assertEquals(expectRuns, mask.keyRuns(q).length / 2, g + " query group " + q + " runs " + Arrays.toString(mask.keyRuns(q)));
            }
        }
        System.out.printf("[mask] video: %d layouts, %d token pairs match allow() by brute force%n", layouts.size(), pairs);
    }

    /** Queries and keys from different sequences, as in KV-cache inference, and a non level-major order. */
    @Test
    void crossAndUnorderedMasksMatchBruteForce() {
        TokenGroups all = TokenGroups.levelMajor(3, 2, 2);
        for (int split = 1; split < all.count(); split++) {
            TokenGroups newGroups = all.slice(split, Math.min(split + 2, all.count()));
            TokenGroups keys = all.slice(0, split).concat(newGroups);
            assertBruteForce(newGroups, keys, new AttentionMask(newGroups, keys, AttentionMask.LEVEL_TIME_CAUSAL));
        }
        // time-major order: runs are no longer prefixes but must still be exact
        TokenGroups timeMajor = new TokenGroups(new int[]{0, 1, 2, 0, 1, 2}, new int[]{0, 0, 0, 1, 1, 1}, new int[]{1, 2, 3, 1, 2, 3});
        assertBruteForce(timeMajor, timeMajor, AttentionMask.levelCausal(timeMajor));
    }

    /**
     * Checks {@code allows(a, b)} against the brute-force rule for every token pair, that runs are sorted,
     * non-empty, maximally merged and in range, and that {@code keyCount} and {@code allowedPairs} count exactly
     * the allowed pairs. Returns the number of pairs checked.
     */
    private static int assertBruteForce(TokenGroups q, TokenGroups k, AttentionMask mask) {
        long allowed = 0;
        for (int g = 0; g < q.count(); g++) {
            int[] r = mask.keyRuns(g);
            assertEquals(0, r.length % 2);
            for (int i = 0; i < r.length; i += 2) {
                assertTrue(r[i] < r[i + 1], "empty run");
                assertTrue(r[i] >= 0 && r[i + 1] <= k.total(), "run out of range");
                if (i + 2 < r.length) assertTrue(r[i + 1] < r[i + 2], "runs must be sorted and merged: " + Arrays.toString(r));
            }
            int perQuery = -1;
            for (int a = q.start(g); a < q.end(g); a++) {
                int n = 0;
                for (int b = 0; b < k.total(); b++) {
                    boolean expect = allow(q, a, k, b);
                    assertEquals(expect, mask.allows(a, b), "token pair (" + a + ", " + b + ")");
                    if (expect) n++;
                }
                if (perQuery >= 0) assertEquals(perQuery, n, "tokens of one group see the same keys");
                perQuery = n;
                allowed += n;
            }
            assertEquals(perQuery, mask.keyCount(g));
        }
        assertEquals(allowed, mask.allowedPairs());
        return q.total() * k.total();
    }

    // ------------------------------------------------------------------------------------ counts

    @Test
    void allowedPairsClosedForms() {
        // images: Σ_ℓ n_ℓ · (n_0 + … + n_ℓ)
        TokenGroups img = new TokenGroups(new int[]{0, 1, 2, 3}, new int[4], new int[]{1, 4, 16, 64});
        assertEquals(1 * 1 + 4 * 5 + 16 * 21 + 64 * 85, AttentionMask.levelCausal(img).allowedPairs());
        // video, L levels × T times × m tokens: m² · L(L+1)/2 · T(T+1)/2
        for (int levels = 1; levels <= 4; levels++)
            for (int times = 1; times <= 5; times++)
                for (int m = 1; m <= 3; m++) {
                    long expect = (long) m * m * levels * (levels + 1) / 2 * times * (times + 1) / 2;
                    assertEquals(expect, AttentionMask.levelCausal(TokenGroups.levelMajor(levels, times, m)).allowedPairs());
                }
        // full attention: everything, one run
        TokenGroups v = TokenGroups.levelMajor(3, 4, 2);
        AttentionMask full = new AttentionMask(v, v, AttentionMask.FULL);
        assertEquals((long) v.total() * v.total(), full.allowedPairs());
        for (int g = 0; g < v.count(); g++) assertArrayEquals(new int[]{0, v.total()}, full.keyRuns(g));
        // causal / full work = [L(L+1)/2 · T(T+1)/2] / (L·T)² = 6·10 / 144 for L = 3, T = 4
        double ratio = (double) AttentionMask.levelCausal(v).allowedPairs() / full.allowedPairs();
        assertEquals(6 * 10 / 144.0, ratio, 1e-12);
        System.out.printf("[mask] allowedPairs closed forms hold; 3 levels x 4 times: causal/full work = %.3f%n", ratio);
    }

    @Test
    void groupThatSeesNothingHasNoRuns() {
        TokenGroups g = TokenGroups.levelMajor(3, 1, 2);
        AttentionMask strict = new AttentionMask(g, g, (ql, qt, kl, kt) -> kl < ql);
        assertEquals(0, strict.keyRuns(0).length);
        assertEquals(0, strict.keyCount(0));
        assertArrayEquals(new int[]{0, 2}, strict.keyRuns(1));
        assertEquals(2 * 2 + 2 * 4, strict.allowedPairs());
        for (int b = 0; b < g.total(); b++) assertTrue(!strict.allows(0, b));
    }

    /** A prefix of levels is a prefix of the sequence, and its mask is the full mask restricted to it. */
    @Test
    void prefixMaskIsRestrictionOfFullMask() {
        TokenGroups v = TokenGroups.levelMajor(3, 3, 2);
        AttentionMask full = AttentionMask.levelCausal(v);
        for (int l = 1; l <= 3; l++) {
            TokenGroups p = v.prefixLevels(l);
            assertEquals(v.slice(0, 3 * l), p);
            assertEquals(l, p.levels());
            AttentionMask pm = AttentionMask.levelCausal(p);
            for (int g = 0; g < p.count(); g++) assertArrayEquals(full.keyRuns(g), pm.keyRuns(g));
        }
    }
}
