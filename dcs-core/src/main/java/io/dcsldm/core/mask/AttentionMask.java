package io.dcsldm.core.mask;

import java.util.ArrayList;
import java.util.List;

/**
 * Which key groups each query group may attend to. The rule of DESIGN §2.4 is level-causal with
 * temporal causality: {@code allow(a, b) ⇔ level(b) ≤ level(a) ∧ time(b) ≤ time(a)}.
 *
 * <p>For every query group the allowed key tokens are precomputed as merged contiguous runs
 * {@code [start, end)}; attention computes only those runs. For images in level-major order each query
 * group sees exactly one run, the prefix of all levels up to its own.</p>
 */
public final class AttentionMask {
    /** The rule deciding whether a query group may see a key group. */
    public interface Rule {
        boolean allow(int queryLevel, int queryTime, int keyLevel, int keyTime);
    }

    /** DESIGN §2.4: level-causal and time-causal. */
    public static final Rule LEVEL_TIME_CAUSAL = (ql, qt, kl, kt) -> kl <= ql && kt <= qt;
    /** Level-causal only: every time sees every time (the video DiT's {@code video.causalInTime: false} experiment). */
    public static final Rule LEVEL_CAUSAL = (ql, qt, kl, kt) -> kl <= ql;
    /** Every query sees every key (used by tests and non-causal variants). */
    public static final Rule FULL = (ql, qt, kl, kt) -> true;

    private final TokenGroups queries;
    private final TokenGroups keys;
    private final int[][] runs; // per query group: start0, end0, start1, end1, ...
    private final long allowedPairs;

    public AttentionMask(TokenGroups queries, TokenGroups keys, Rule rule) {
        this.queries = queries;
        this.keys = keys;
        this.runs = new int[queries.count()][];
        long pairs = 0;
        for (int q = 0; q < queries.count(); q++) {
            List<int[]> r = new ArrayList<>();
            for (int k = 0; k < keys.count(); k++) {
                if (!rule.allow(queries.level(q), queries.time(q), keys.level(k), keys.time(k))) continue;
                if (!r.isEmpty() && r.get(r.size() - 1)[1] == keys.start(k)) r.get(r.size() - 1)[1] = keys.end(k);
                else r.add(new int[]{keys.start(k), keys.end(k)});
            }
            int[] flat = new int[r.size() * 2];
            int width = 0;
            for (int i = 0; i < r.size(); i++) {
                flat[2 * i] = r.get(i)[0];
                flat[2 * i + 1] = r.get(i)[1];
                width += r.get(i)[1] - r.get(i)[0];
            }
            runs[q] = flat;
            pairs += (long) width * queries.size(q);
        }
        this.allowedPairs = pairs;
    }

    /** Self-attention over one sequence with the level/time-causal rule. */
    public static AttentionMask levelCausal(TokenGroups tokens) {
        return new AttentionMask(tokens, tokens, LEVEL_TIME_CAUSAL);
    }

    public TokenGroups queries() { return queries; }

    public TokenGroups keys() { return keys; }

    /** Allowed key runs of query group {@code q} as {@code [s0, e0, s1, e1, …]}. */
    public int[] keyRuns(int q) { return runs[q]; }

    /** Number of keys query group {@code q} sees. */
    public int keyCount(int q) {
        int n = 0;
        for (int i = 0; i < runs[q].length; i += 2) n += runs[q][i + 1] - runs[q][i];
        return n;
    }

    /** (query, key) token pairs actually computed — the attention work, for MAC counting. */
    public long allowedPairs() { return allowedPairs; }

    /** Token-level answer, for tests: may query token {@code a} see key token {@code b}? */
    public boolean allows(int a, int b) {
        int q = groupOf(queries, a);
        int[] r = runs[q];
        for (int i = 0; i < r.length; i += 2) if (b >= r[i] && b < r[i + 1]) return true;
        return false;
    }

    private static int groupOf(TokenGroups g, int token) {
        for (int i = 0; i < g.count(); i++) if (token < g.end(i)) return i;
        throw new IndexOutOfBoundsException("token " + token + " of " + g.total());
    }
}
