package io.dcsldm.train.video;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Conversions between clips as Java arrays ({@code [frames][C·H·W]}) and tensors {@code [B, F, C, H, W]}. */
public final class Clips {
    private Clips() {}

    /** Clips of equal shape → {@code [B, F, C, H, W]} float32. */
    public static INDArray toINDArray(float[][][] clips, int c, int h, int w) {
        int b = clips.length, f = clips[0].length, n = c * h * w;
        float[] buf = new float[b * f * n];
        for (int i = 0; i < b; i++) {
            if (clips[i].length != f) throw new IllegalArgumentException("clip " + i + " has " + clips[i].length + " frames, clip 0 has " + f);
            for (int j = 0; j < f; j++) System.arraycopy(clips[i][j], 0, buf, (i * f + j) * n, n);
        }
        return Nd4j.create(buf, new long[]{b, f, c, h, w}, 'c').castTo(DataType.FLOAT);
    }

    /** One clip → {@code [1, F, C, H, W]}. */
    public static INDArray toINDArray(float[][] clip, int c, int h, int w) {
        return toINDArray(new float[][][]{clip}, c, h, w);
    }

    /** {@code [B, F, C, H, W]} → {@code [B][F][C·H·W]}. */
    public static float[][][] toArrays(INDArray x) {
        int b = (int) x.size(0), f = (int) x.size(1), n = (int) (x.size(2) * x.size(3) * x.size(4));
        float[] all = x.castTo(DataType.FLOAT).dup('c').data().asFloat();
        float[][][] out = new float[b][f][n];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < f; j++) System.arraycopy(all, (i * f + j) * n, out[i][j], 0, n);
        return out;
    }

    /** PSNR of a whole clip (MSE over all its frames and pixels), data range 1. */
    public static double psnr(float[][] a, float[][] b) {
        if (a.length != b.length) throw new IllegalArgumentException("clips have " + a.length + " and " + b.length + " frames");
        double s = 0;
        long n = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i].length != b[i].length) throw new IllegalArgumentException("frame " + i + " sizes differ");
            for (int p = 0; p < a[i].length; p++) {
                double d = (double) a[i][p] - b[i][p];
                s += d * d;
            }
            n += a[i].length;
        }
        return io.dcsldm.train.eval.Psnr.fromMse(s / n);
    }

    /** Consecutive groups of {@code k} frames, each concatenated into one vector (e.g. the frames of each temporal patch). */
    public static float[][] groupFrames(float[][] frames, int k) {
        if (k < 1 || frames.length % k != 0)
            throw new IllegalArgumentException(frames.length + " frames do not divide into groups of " + k);
        int d = frames[0].length;
        float[][] out = new float[frames.length / k][k * d];
        for (int j = 0; j < out.length; j++)
            for (int i = 0; i < k; i++) System.arraycopy(frames[j * k + i], 0, out[j], i * d, d);
        return out;
    }

    /** The inverse of {@link #groupFrames}: vectors of {@code k} frames of {@code d} values back to frames. */
    public static float[][] ungroupFrames(float[][] groups, int k, int d) {
        float[][] out = new float[groups.length * k][d];
        for (int j = 0; j < groups.length; j++)
            for (int i = 0; i < k; i++) System.arraycopy(groups[j], i * d, out[j * k + i], 0, d);
        return out;
    }

    /** Temporal box filter by an integer factor: frame {@code j} = mean of frames {@code j·k .. j·k + k − 1}. */
    public static float[][] temporalAverage(float[][] frames, int k) {
        if (k < 1 || frames.length % k != 0)
            throw new IllegalArgumentException(frames.length + " frames do not divide into groups of " + k);
        float[][] out = new float[frames.length / k][frames[0].length];
        for (int j = 0; j < out.length; j++)
            for (int i = 0; i < k; i++) {
                float[] f = frames[j * k + i];
                for (int p = 0; p < f.length; p++) out[j][p] += f[p] / k;
            }
        return out;
    }
}
