package io.dcsldm.video;

import java.util.Arrays;
import java.util.Objects;

/**
 * Frames of a video clip in memory: each frame a flat {@code float[C·H·W]} in {@code [C, H, W]} order
 * (channel-major, then rows, then columns) with values in [0, 1] — the same layout as one image of
 * {@code io.dcsldm.train.data.ImageSet} — at a frame rate of {@code fps} frames per second.
 *
 * @param frames the frames (the clip takes ownership of the arrays)
 * @param channels 1 (grey) or 3 (RGB)
 * @param height frame height in pixels
 * @param width frame width in pixels
 * @param fps frames per second
 * @param source where the frames came from and how they were processed, for logs and reports
 */
public record Clip(float[][] frames, int channels, int height, int width, double fps, String source) {
    public Clip {
        Objects.requireNonNull(frames, "frames");
        if (channels < 1 || height < 1 || width < 1)
            throw new IllegalArgumentException("bad frame shape [" + channels + "," + height + "," + width + "]");
        if (!(fps > 0)) throw new IllegalArgumentException("fps must be > 0, got " + fps);
        int len = channels * height * width;
        for (int i = 0; i < frames.length; i++)
            if (frames[i] == null || frames[i].length != len)
                throw new IllegalArgumentException("frame " + i + " has length " + (frames[i] == null ? "null" : frames[i].length)
                        + ", expected " + len);
    }

    public int frameCount() { return frames.length; }

    /** Duration in seconds. */
    public double duration() { return frames.length / fps; }

    /** Frames {@code [from, to)} as a clip (arrays shared). */
    public Clip slice(int from, int to) {
        if (from < 0 || to > frames.length || from >= to)
            throw new IllegalArgumentException("frames [" + from + ", " + to + ") of a " + frames.length + "-frame clip");
        return new Clip(Arrays.copyOfRange(frames, from, to), channels, height, width, fps,
                source + " [frames " + from + ".." + (to - 1) + "]");
    }

    @Override
    public String toString() {
        return "Clip[" + frames.length + " frames " + width + "x" + height + "x" + channels + " at " + fps + " fps: " + source + "]";
    }
}
