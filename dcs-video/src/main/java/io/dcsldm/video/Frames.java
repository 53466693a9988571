package io.dcsldm.video;

/**
 * Per-frame pixel operations used while reading: grey conversion, centre cropping to an aspect ratio, and
 * exact area-average resizing (each output pixel is the mean of the input over its footprint, with
 * fractional overlaps at the borders), the antialiased downscale DESIGN §2.6 asks for.
 */
public final class Frames {
    private Frames() {}

    /** ITU-R BT.601 luma of an RGB frame {@code [3, H, W]} → {@code [1, H, W]}. */
    public static float[] grey(float[] rgb, int h, int w) {
        int n = h * w;
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = 0.299f * rgb[i] + 0.587f * rgb[n + i] + 0.114f * rgb[2 * n + i];
        return out;
    }

    /** The largest centred window of aspect {@code aspectH : aspectW}: {@code {top, left, height, width}}. */
    public static int[] centerCropBox(int h, int w, int aspectH, int aspectW) {
        // largest (ch, cw) with ch/cw = aspectH/aspectW, ch <= h, cw <= w
        long ch, cw;
        if ((long) h * aspectW <= (long) w * aspectH) {
            ch = h;
            cw = Math.round((double) h * aspectW / aspectH);
        } else {
            cw = w;
            ch = Math.round((double) w * aspectH / aspectW);
        }
        ch = Math.min(ch, h);
        cw = Math.min(cw, w);
        return new int[]{(int) ((h - ch) / 2), (int) ((w - cw) / 2), (int) ch, (int) cw};
    }

    /** Crop {@code [C, H, W]} to the window {@code (top, left, outH, outW)}. */
    public static float[] crop(float[] img, int c, int h, int w, int top, int left, int outH, int outW) {
        if (top < 0 || left < 0 || top + outH > h || left + outW > w)
            throw new IllegalArgumentException("crop window " + outH + "x" + outW + "+" + top + "+" + left + " outside " + h + "x" + w);
        float[] out = new float[c * outH * outW];
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < outH; y++)
                System.arraycopy(img, (ch * h + top + y) * w + left, out, (ch * outH + y) * outW, outW);
        return out;
    }

    /** Area-average resize of {@code [C, H, W]} to {@code [C, outH, outW]} (exact box filter; any ratio). */
    public static float[] area(float[] img, int c, int h, int w, int outH, int outW) {
        if (h == outH && w == outW) return img.clone();
        double[][] wy = weights(h, outH), wx = weights(w, outW);
        float[] out = new float[c * outH * outW];
        double[] row = new double[w];
        for (int ch = 0; ch < c; ch++)
            for (int oy = 0; oy < outH; oy++) {
                java.util.Arrays.fill(row, 0);
                int y0 = (int) wy[oy][0], ny = wy[oy].length - 1;
                for (int k = 0; k < ny; k++) {
                    double a = wy[oy][k + 1];
                    int base = (ch * h + y0 + k) * w;
                    for (int x = 0; x < w; x++) row[x] += a * img[base + x];
                }
                for (int ox = 0; ox < outW; ox++) {
                    int x0 = (int) wx[ox][0], nx = wx[ox].length - 1;
                    double s = 0;
                    for (int k = 0; k < nx; k++) s += wx[ox][k + 1] * row[x0 + k];
                    out[(ch * outH + oy) * outW + ox] = (float) s;
                }
            }
        return out;
    }

    /** For each output index: {@code [firstInput, w0, w1, ...]}, weights summing to 1 (input cells' overlap with the output cell). */
    static double[][] weights(int in, int out) {
        double[][] r = new double[out][];
        double scale = (double) in / out;
        for (int o = 0; o < out; o++) {
            double a = o * scale, b = (o + 1) * scale;
            int i0 = (int) Math.floor(a), i1 = Math.min(in - 1, (int) Math.ceil(b) - 1);
            double[] wts = new double[i1 - i0 + 2];
            wts[0] = i0;
            for (int i = i0; i <= i1; i++) wts[i - i0 + 1] = (Math.min(b, i + 1) - Math.max(a, i)) / scale;
            r[o] = wts;
        }
        return r;
    }
}
