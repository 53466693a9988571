package io.dcsldm.tok;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The time axis of the patch grid (DESIGN §2.1, §4): {@code k_t} temporal patches per second, so a
 * temporal patch spans {@code 1/k_t} s and holds {@code p_t = fps / k_t} frames. The number of temporal
 * patches {@code G_t = duration · k_t} does not depend on the frame rate.
 *
 * <p>Frame {@code i} shows the instant {@code (i + 0.5) / fps} (the centre of its frame interval). It
 * belongs to temporal patch {@code ⌊(i + 0.5)·k_t / fps⌋} and sits at normalised in-patch time
 * {@code τ = frac((i + 0.5)·k_t / fps)} — for whole {@code p_t} that is {@code τ = (j + 0.5) / p_t},
 * {@code j = i mod p_t}, the temporal analogue of pixel centres. When {@code fps / k_t} is not a whole
 * number (e.g. 10 fps with {@code k_t = 4}) temporal patches hold ⌊p_t⌋ or ⌈p_t⌉ frames at differing
 * {@code τ}; {@link #patterns()} groups the temporal patches that share one frame pattern so each group
 * is one batched patchifier/depatchifier call. So a latent decodes at <em>any</em> frame rate whose
 * frames fill the clip's duration.</p>
 *
 * <p>An image is a one-frame video at {@code fps = k_t}: one temporal patch of one frame at
 * {@code τ = 0.5}, exactly the image path's in-patch coordinates, so images and clips share all weights.</p>
 */
public final class TemporalGrid {
    private final int frames;
    private final double fps;
    private final int kt;
    private final int gridT;
    private final int[] patchOf;
    private final double[] tau;
    private final int[] first; // first frame of each temporal patch, plus frames at the end

    /**
     * @param frames number of frames
     * @param fps frame rate (frames per second), > 0
     * @param kt temporal patches per second
     * @throws IllegalArgumentException unless the clip's duration {@code frames / fps} is a whole number of
     *     temporal patches (a clip of partial patches would be silently truncated otherwise)
     */
    public TemporalGrid(int frames, double fps, int kt) {
        if (frames < 1) throw new IllegalArgumentException("a clip needs at least one frame, got " + frames);
        if (!(fps > 0) || Double.isInfinite(fps)) throw new IllegalArgumentException("fps must be > 0, got " + fps);
        if (kt < 1) throw new IllegalArgumentException("kt must be >= 1, got " + kt);
        double g = frames * (double) kt / fps;
        long gr = Math.round(g);
        if (gr < 1 || Math.abs(g - gr) > 1e-6)
            throw new IllegalArgumentException(frames + " frames at " + fps + " fps last " + (frames / fps)
                    + " s, which is not a whole number of temporal patches of 1/" + kt + " s (k_t = " + kt
                    + "): trim or pad the clip to a multiple of " + (fps / kt) + " frames");
        this.frames = frames;
        this.fps = fps;
        this.kt = kt;
        this.gridT = (int) gr;
        this.patchOf = new int[frames];
        this.tau = new double[frames];
        for (int i = 0; i < frames; i++) {
            double x = (i + 0.5) * kt / fps;
            int p = (int) Math.floor(x + 1e-9);
            // exact frame-centre-on-boundary cases belong to the later patch; clamp rounding at the end
            p = Math.min(p, gridT - 1);
            patchOf[i] = p;
            double t = x - p;
            tau[i] = Math.min(Math.max(t, 0.0), 1.0 - 1e-12);
        }
        this.first = new int[gridT + 1];
        Arrays.fill(first, -1);
        for (int i = frames - 1; i >= 0; i--) first[patchOf[i]] = i;
        first[gridT] = frames;
        for (int t = gridT - 1; t >= 0; t--) {
            if (first[t] < 0)
                throw new IllegalArgumentException(frames + " frames at " + fps + " fps leave temporal patch " + t
                        + " of " + gridT + " empty (fewer than one frame per 1/" + kt + " s): use a frame rate >= k_t = " + kt);
        }
    }

    /** The one-frame video that an image is: {@code fps = k_t}. */
    public static TemporalGrid image(int kt) { return new TemporalGrid(1, kt, kt); }

    /** The grid of a clip of {@code gridT} temporal patches rendered at {@code fps}. */
    public static TemporalGrid forDuration(int gridT, double fps, int kt) {
        double n = gridT * fps / kt;
        long r = Math.round(n);
        if (Math.abs(n - r) > 1e-6)
            throw new IllegalArgumentException(gridT + " temporal patches of 1/" + kt + " s at " + fps + " fps are " + n
                    + " frames, not a whole number: choose a frame rate that fills the clip's " + (gridT / (double) kt) + " s");
        return new TemporalGrid((int) r, fps, kt);
    }

    public int frames() { return frames; }

    public double fps() { return fps; }

    public int kt() { return kt; }

    /** Temporal patches {@code G_t}. */
    public int gridT() { return gridT; }

    /** Temporal patch of frame {@code i}. */
    public int patchOf(int i) { return patchOf[i]; }

    /** Normalised in-patch time {@code τ ∈ [0, 1)} of frame {@code i}. */
    public double tau(int i) { return tau[i]; }

    /** First frame of temporal patch {@code t}. */
    public int firstFrame(int t) { return first[t]; }

    /** Frames in temporal patch {@code t}. */
    public int framesIn(int t) { return first[t + 1] - first[t]; }

    /** In-patch times of the frames of temporal patch {@code t}. */
    public double[] taus(int t) { return Arrays.copyOfRange(tau, first[t], first[t + 1]); }

    /** Temporal patches grouped by their frame pattern (same count and same {@code τ}s), in first-seen order. */
    public List<Pattern> patterns() {
        Map<String, List<Integer>> m = new LinkedHashMap<>();
        Map<String, double[]> taus = new LinkedHashMap<>();
        for (int t = 0; t < gridT; t++) {
            double[] ts = taus(t);
            StringBuilder key = new StringBuilder();
            for (double x : ts) key.append(Math.round(x * 1e9)).append(',');
            m.computeIfAbsent(key.toString(), k -> new ArrayList<>()).add(t);
            taus.putIfAbsent(key.toString(), ts);
        }
        List<Pattern> out = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> e : m.entrySet())
            out.add(new Pattern(taus.get(e.getKey()), e.getValue().stream().mapToInt(Integer::intValue).toArray(), e.getKey()));
        return out;
    }

    /** Temporal patches {@code patches} all holding frames at in-patch times {@code taus}; {@code key} identifies the pattern. */
    public record Pattern(double[] taus, int[] patches, String key) {
        public int frames() { return taus.length; }
    }

    @Override
    public String toString() {
        return "TemporalGrid[" + frames + " frames at " + fps + " fps, k_t=" + kt + ", G_t=" + gridT + "]";
    }
}
