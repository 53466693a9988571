package io.dcsldm.core.mask;

import java.util.Arrays;

/**
 * A token sequence described as contiguous groups, each group holding tokens of one (level, time).
 * In DCS-LDM's level-major order (DESIGN §2.3) group {@code (ℓ, t)} holds the {@code G_h·G_w·m} tokens of
 * level {@code ℓ} and temporal patch {@code t}; a prefix of levels is a prefix of the groups.
 *
 * <p>Attention masks are decided per pair of groups, never per token: every token of a group has the same
 * level and time, so a block of the attention matrix is either wholly allowed or wholly masked and masked
 * blocks can be skipped outright.</p>
 */
public final class TokenGroups {
    private final int[] level;
    private final int[] time;
    private final int[] size;
    private final int[] start;
    private final int total;

    public TokenGroups(int[] level, int[] time, int[] size) {
        if (level.length != time.length || level.length != size.length)
            throw new IllegalArgumentException("level, time and size must have one entry per group");
        this.level = level.clone();
        this.time = time.clone();
        this.size = size.clone();
        this.start = new int[size.length + 1];
        for (int g = 0; g < size.length; g++) {
            if (size[g] <= 0) throw new IllegalArgumentException("group " + g + " is empty");
            start[g + 1] = start[g] + size[g];
        }
        this.total = start[size.length];
    }

    /**
     * Level-major layout: for each level {@code 0..levels−1}, for each time {@code 0..times−1}, one group
     * of {@code tokensPerGroup} tokens.
     */
    public static TokenGroups levelMajor(int levels, int times, int tokensPerGroup) {
        int n = levels * times;
        int[] l = new int[n], t = new int[n], s = new int[n];
        for (int lv = 0, g = 0; lv < levels; lv++)
            for (int ti = 0; ti < times; ti++, g++) {
                l[g] = lv;
                t[g] = ti;
                s[g] = tokensPerGroup;
            }
        return new TokenGroups(l, t, s);
    }

    /** The first {@code levels} levels of a level-major layout (a prefix of the groups). */
    public TokenGroups prefixLevels(int levels) {
        int n = 0;
        while (n < count() && level[n] < levels) n++;
        for (int g = n; g < count(); g++)
            if (level[g] < levels) throw new IllegalStateException("groups are not level-major");
        return slice(0, n);
    }

    /** Groups {@code [from, to)}. */
    public TokenGroups slice(int from, int to) {
        return new TokenGroups(Arrays.copyOfRange(level, from, to), Arrays.copyOfRange(time, from, to),
                Arrays.copyOfRange(size, from, to));
    }

    /** This sequence followed by {@code other} (e.g. a key/value cache extended by new tokens). */
    public TokenGroups concat(TokenGroups other) {
        int n = count() + other.count();
        int[] l = Arrays.copyOf(level, n), t = Arrays.copyOf(time, n), s = Arrays.copyOf(size, n);
        System.arraycopy(other.level, 0, l, count(), other.count());
        System.arraycopy(other.time, 0, t, count(), other.count());
        System.arraycopy(other.size, 0, s, count(), other.count());
        return new TokenGroups(l, t, s);
    }

    public int count() { return size.length; }

    public int total() { return total; }

    public int level(int g) { return level[g]; }

    public int time(int g) { return time[g]; }

    public int size(int g) { return size[g]; }

    /** First token index of group {@code g}. */
    public int start(int g) { return start[g]; }

    public int end(int g) { return start[g + 1]; }

    /** Highest level present plus one. */
    public int levels() {
        int m = -1;
        for (int l : level) m = Math.max(m, l);
        return m + 1;
    }

    /** Per-token level, for embeddings and tests. */
    public int[] tokenLevels() {
        int[] out = new int[total];
        for (int g = 0; g < count(); g++) Arrays.fill(out, start[g], start[g + 1], level[g]);
        return out;
    }

    /** Per-token time, for embeddings and tests. */
    public int[] tokenTimes() {
        int[] out = new int[total];
        for (int g = 0; g < count(); g++) Arrays.fill(out, start[g], start[g + 1], time[g]);
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenGroups g && Arrays.equals(level, g.level) && Arrays.equals(time, g.time)
                && Arrays.equals(size, g.size);
    }

    @Override
    public int hashCode() { return Arrays.hashCode(level) * 31 + Arrays.hashCode(size); }

    @Override
    public String toString() { return "TokenGroups[" + count() + " groups, " + total + " tokens]"; }
}
