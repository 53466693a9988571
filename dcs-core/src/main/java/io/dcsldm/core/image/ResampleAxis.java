package io.dcsldm.core.image;

/**
 * Sparse 1-D resampling weights, pixel-centre convention ({@code align_corners=false}), edge replicate:
 * output {@code i} = sum over k in [start[i], start[i+1]) of weight[k] * in[index[k]]. Separable image
 * resampling applies one per axis. {@link #area} is exact box averaging (antialiased, for shrinking),
 * {@link #linear} and {@link #cubic} (Keys, a = −0.75, as PyTorch) interpolate for enlarging, and
 * {@link #auto} picks area when shrinking, cubic when enlarging and the identity when equal.
 *
 * <p>Lives in core so that the data pipeline (dcs-train's {@code Resample}) and models that resample
 * linearly inside the network (DCS-Tok's global linear code) use the very same operator.</p>
 */
public final class ResampleAxis {
    /** Bicubic convolution parameter (PyTorch / OpenCV). */
    public static final double CUBIC_A = -0.75;

    /** Output length. */
    public final int out;
    public final int[] start;
    public final int[] index;
    public final double[] weight;

    private ResampleAxis(int out, int[] start, int[] index, double[] weight) {
        this.out = out;
        this.start = start;
        this.index = index;
        this.weight = weight;
    }

    private static void checkSizes(int in, int out) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("sizes must be >= 1, got " + in + " -> " + out);
        }
    }

    public static ResampleAxis auto(int in, int out) {
        checkSizes(in, out);
        if (out < in) {
            return area(in, out);
        }
        if (out > in) {
            return cubic(in, out);
        }
        int[] start = new int[out + 1];
        int[] index = new int[out];
        double[] weight = new double[out];
        for (int i = 0; i < out; i++) {
            start[i + 1] = i + 1;
            index[i] = i;
            weight[i] = 1;
        }
        return new ResampleAxis(out, start, index, weight);
    }

    public static ResampleAxis area(int in, int out) {
        checkSizes(in, out);
        Builder b = new Builder(out);
        for (int i = 0; i < out; i++) {
            // interval [lo, hi) in source pixels, computed exactly in rationals: lo = i*in/out
            long loNum = (long) i * in;
            long hiNum = (long) (i + 1) * in;
            int j0 = (int) (loNum / out);
            int j1 = (int) ((hiNum + out - 1) / out); // ceil
            for (int j = j0; j < j1; j++) {
                long a = Math.max(loNum, (long) j * out);
                long z = Math.min(hiNum, (long) (j + 1) * out);
                if (z > a) {
                    b.add(j, (double) (z - a) / in); // (overlap/out) / (in/out)
                }
            }
            b.next();
        }
        return b.build();
    }

    public static ResampleAxis linear(int in, int out) {
        checkSizes(in, out);
        Builder b = new Builder(out);
        double scale = (double) in / out;
        for (int i = 0; i < out; i++) {
            double x = Math.max(0, (i + 0.5) * scale - 0.5);
            int i0 = Math.min((int) Math.floor(x), in - 1);
            int i1 = Math.min(i0 + 1, in - 1);
            double t = x - i0;
            if (i0 == i1 || t == 0) {
                b.add(i0, 1);
            } else {
                b.add(i0, 1 - t);
                b.add(i1, t);
            }
            b.next();
        }
        return b.build();
    }

    public static ResampleAxis cubic(int in, int out) {
        checkSizes(in, out);
        Builder b = new Builder(out);
        double scale = (double) in / out;
        for (int i = 0; i < out; i++) {
            double x = (i + 0.5) * scale - 0.5;
            int f = (int) Math.floor(x);
            double t = x - f;
            double[] wts = {cubicWeight(t + 1), cubicWeight(t), cubicWeight(1 - t), cubicWeight(2 - t)};
            for (int k = 0; k < 4; k++) {
                int idx = Math.min(in - 1, Math.max(0, f - 1 + k));
                b.addMerge(idx, wts[k]);
            }
            b.next();
        }
        return b.build();
    }

    /** Keys cubic convolution kernel with a = {@link #CUBIC_A}. */
    public static double cubicWeight(double x) {
        double a = CUBIC_A;
        x = Math.abs(x);
        if (x <= 1) {
            return ((a + 2) * x - (a + 3)) * x * x + 1;
        }
        if (x < 2) {
            return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
        }
        return 0;
    }

    private static final class Builder {
        final int[] start;
        int[] index = new int[16];
        double[] weight = new double[16];
        int n;
        int row;

        Builder(int out) {
            start = new int[out + 1];
        }

        void add(int idx, double w) {
            if (n == index.length) {
                index = java.util.Arrays.copyOf(index, n * 2);
                weight = java.util.Arrays.copyOf(weight, n * 2);
            }
            index[n] = idx;
            weight[n] = w;
            n++;
        }

        /** Adds, merging with an existing entry of the current output for the same index (edge clamping). */
        void addMerge(int idx, double w) {
            for (int k = start[row]; k < n; k++) {
                if (index[k] == idx) {
                    weight[k] += w;
                    return;
                }
            }
            add(idx, w);
        }

        void next() {
            start[++row] = n;
        }

        ResampleAxis build() {
            return new ResampleAxis(start.length - 1, start, java.util.Arrays.copyOf(index, n), java.util.Arrays.copyOf(weight, n));
        }
    }

    /** The weights as a dense {@code [out][in]} matrix. */
    public double[][] dense(int in) {
        double[][] m = new double[out][in];
        for (int i = 0; i < out; i++)
            for (int k = start[i]; k < start[i + 1]; k++) m[i][index[k]] += weight[k];
        return m;
    }
}
