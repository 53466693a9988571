package io.dcsldm.core.nn;

import io.dcsldm.core.mask.TokenGroups;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Keys and values of the tokens one attention layer has already seen, preallocated to a capacity so that
 * appending a group writes in place and the visible prefix is always a view (no concatenation per call).
 * Arrays are allocated outside any workspace: a cache outlives the step that filled it.
 */
public final class KvCache {
    private final INDArray k; // [B, H, capacity, d]
    private final INDArray v;
    private TokenGroups groups;
    private int length;

    public KvCache(DataType dt, int batch, int heads, int capacity, int headDim) {
        try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            this.k = Nd4j.zeros(dt, batch, heads, capacity, headDim);
            this.v = Nd4j.zeros(dt, batch, heads, capacity, headDim);
        }
        clear();
    }

    public int length() { return length; }

    public int capacity() { return (int) k.size(2); }

    public TokenGroups groups() { return groups; }

    /** Bytes held by the cache buffers (keys and values, full capacity). */
    public long bytes() { return 2L * k.length() * k.dataType().width(); }

    /**
     * Empties the cache for reuse; the buffers keep whatever they held, which is never read: attention reads
     * only the first {@link #length()} rows (DESIGN §5.2 — masked or unwritten rows cannot reach an output).
     * Reusing the buffers spares the first-touch cost of fresh off-heap memory, which for the hundreds of MB
     * a progressive generation caches cost more than a second per call.
     */
    public void clear() {
        length = 0;
        groups = new TokenGroups(new int[0], new int[0], new int[0]);
    }

    /**
     * Makes this cache hold what {@code other} holds (its keys/values and groups), e.g. a context of finished tokens
     * shared by the caches of several model evaluations. The capacity must suffice.
     */
    public void copyFrom(KvCache other) {
        clear();
        if (other.length == 0) return;
        INDArray[] rows = nextRows(other.length);
        rows[0].assign(other.keys());
        rows[1].assign(other.values());
        advance(other.groups);
    }

    /**
     * The key and value rows the next {@code n} tokens will occupy, {@code [B, H, n, d]} views to write in place;
     * {@link #advance} then makes them visible.
     */
    INDArray[] nextRows(int n) {
        checkRoom(n);
        return new INDArray[]{AttentionCore.rows(k, length, length + n), AttentionCore.rows(v, length, length + n)};
    }

    /** Makes the rows written through {@link #nextRows} visible, as the keys/values of {@code newGroups}. */
    void advance(TokenGroups newGroups) {
        checkRoom(newGroups.total());
        length += newGroups.total();
        groups = groups.concat(newGroups);
    }

    private void checkRoom(int n) {
        if (length + n > capacity())
            throw new IllegalStateException("KV cache full: " + length + " + " + n + " > capacity " + capacity());
    }

    /** Appends keys/values {@code [B, H, n, d]} of new token groups. */
    void append(INDArray newK, INDArray newV, TokenGroups newGroups) {
        int n = (int) newK.size(2);
        if (n != newGroups.total()) throw new IllegalArgumentException("key rows " + n + " != group tokens " + newGroups.total());
        INDArray[] rows = nextRows(n);
        rows[0].assign(newK);
        rows[1].assign(newV);
        advance(newGroups);
    }

    INDArray keys() { return AttentionCore.rows(k, 0, length); }

    INDArray values() { return AttentionCore.rows(v, 0, length); }

    /** Raw buffers, for tests that overwrite what the mask hides. */
    public INDArray keyBuffer() { return k; }

    public INDArray valueBuffer() { return v; }
}
