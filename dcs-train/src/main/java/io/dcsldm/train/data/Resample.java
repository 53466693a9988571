package io.dcsldm.train.data;

import io.dcsldm.core.image.ResampleAxis;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Image resampling, padding and cropping on {@code [C, H, W]} float arrays, on {@code [N, C, H, W]}
 * INDArrays and on {@link ImageSet}s.
 *
 * <h2>Conventions</h2>
 * <ul>
 *   <li>Coordinates are <b>pixel-centre</b> ({@code align_corners=false} in PyTorch terms): output pixel
 *       {@code i} of an axis resized from {@code in} to {@code out} samples the source at
 *       {@code x = (i + 0.5) * in / out - 0.5}. Pixels outside the source are the nearest edge pixel
 *       (index clamping, "replicate").</li>
 *   <li>{@link #bilinear}: linear interpolation between the two neighbours of {@code x}; for
 *       {@code x < 0} the source is clamped to 0 first. Identical to PyTorch
 *       {@code F.interpolate(mode='bilinear', align_corners=False)}.</li>
 *   <li>{@link #bicubic}: Keys cubic convolution with {@code a = -0.75} over the four neighbours
 *       {@code floor(x)-1 .. floor(x)+2}, indices clamped to the image. Identical to PyTorch
 *       {@code F.interpolate(mode='bicubic', align_corners=False)} (which also uses a = -0.75; PIL uses
 *       -0.5 and antialiases). Not clamped: it can overshoot [0, 1] near edges.</li>
 *   <li>Bilinear and bicubic do not antialias: use them to enlarge. To shrink use {@link #area} /
 *       {@link #areaDownsample}: every output pixel is the exact average of the source area it covers
 *       (fractional pixels weighted by the covered fraction), equal to OpenCV {@code INTER_AREA} and to
 *       PyTorch {@code adaptive_avg_pool2d} / {@code mode='area'} when the factor is an integer.</li>
 *   <li>{@link #resize} picks per axis: area when shrinking, bicubic when enlarging, a copy when equal,
 *       and clamps the result to [0, 1].</li>
 *   <li>Arithmetic is separable (columns then rows) and accumulates in double.</li>
 * </ul>
 */
public final class Resample {
    /** How {@link #pad} fills the border. */
    public enum PadMode {
        /** fill with 0 (black) */
        ZERO,
        /** repeat the nearest edge pixel */
        EDGE
    }

    /** Bicubic convolution parameter (PyTorch / OpenCV). */
    public static final double CUBIC_A = ResampleAxis.CUBIC_A;

    private Resample() {
    }

    // ------------------------------------------------------------------ single images [C, H, W]

    /**
     * Area (box) downsampling by an integer factor: each output pixel is the mean of a
     * {@code factor × factor} block, which antialiases by construction.
     *
     * @param img {@code [c, h, w]} image
     * @param c channels
     * @param h height, divisible by {@code factor}
     * @param w width, divisible by {@code factor}
     * @param factor integer factor ≥ 1
     * @return {@code [c, h/factor, w/factor]}
     */
    public static float[] areaDownsample(float[] img, int c, int h, int w, int factor) {
        if (factor < 1) {
            throw new IllegalArgumentException("factor must be >= 1, got " + factor);
        }
        if (h % factor != 0 || w % factor != 0) {
            throw new IllegalArgumentException("size " + h + "x" + w + " is not divisible by factor " + factor);
        }
        return area(img, c, h, w, h / factor, w / factor);
    }

    /**
     * Area resampling to any size: output pixel {@code i} averages source interval
     * {@code [i*in/out, (i+1)*in/out)}, partially covered pixels weighted by their covered fraction.
     *
     * @param img {@code [c, h, w]} image
     * @param c channels
     * @param h height
     * @param w width
     * @param outH output height
     * @param outW output width
     * @return {@code [c, outH, outW]}
     */
    public static float[] area(float[] img, int c, int h, int w, int outH, int outW) {
        return separable(img, c, h, w, ResampleAxis.area(h, outH), ResampleAxis.area(w, outW), false);
    }

    /**
     * Bilinear interpolation (pixel-centre convention, edge replicate, no antialiasing).
     *
     * @param img {@code [c, h, w]} image
     * @param c channels
     * @param h height
     * @param w width
     * @param outH output height
     * @param outW output width
     * @return {@code [c, outH, outW]}
     */
    public static float[] bilinear(float[] img, int c, int h, int w, int outH, int outW) {
        return separable(img, c, h, w, ResampleAxis.linear(h, outH), ResampleAxis.linear(w, outW), false);
    }

    /**
     * Bicubic interpolation (a = -0.75, pixel-centre convention, edge replicate, no antialiasing, not
     * clamped).
     *
     * @param img {@code [c, h, w]} image
     * @param c channels
     * @param h height
     * @param w width
     * @param outH output height
     * @param outW output width
     * @return {@code [c, outH, outW]}
     */
    public static float[] bicubic(float[] img, int c, int h, int w, int outH, int outW) {
        return separable(img, c, h, w, ResampleAxis.cubic(h, outH), ResampleAxis.cubic(w, outW), false);
    }

    /**
     * General resize: per axis area when shrinking, bicubic when enlarging, identity when equal; the
     * result is clamped to [0, 1].
     *
     * @param img {@code [c, h, w]} image
     * @param c channels
     * @param h height
     * @param w width
     * @param outH output height
     * @param outW output width
     * @return {@code [c, outH, outW]} (a copy even if the size is unchanged)
     */
    public static float[] resize(float[] img, int c, int h, int w, int outH, int outW) {
        return separable(img, c, h, w, ResampleAxis.auto(h, outH), ResampleAxis.auto(w, outW), true);
    }

    /**
     * Pads an image.
     *
     * @param img {@code [c, h, w]} image
     * @param c channels
     * @param h height
     * @param w width
     * @param top rows added above
     * @param bottom rows added below
     * @param left columns added on the left
     * @param right columns added on the right
     * @param mode zero or edge replication
     * @return {@code [c, h+top+bottom, w+left+right]}
     */
    public static float[] pad(float[] img, int c, int h, int w, int top, int bottom, int left, int right, PadMode mode) {
        checkShape(img, c, h, w);
        if (top < 0 || bottom < 0 || left < 0 || right < 0) {
            throw new IllegalArgumentException("negative padding");
        }
        int oh = h + top + bottom;
        int ow = w + left + right;
        float[] out = new float[c * oh * ow];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < oh; y++) {
                int sy = y - top;
                boolean inY = sy >= 0 && sy < h;
                if (!inY && mode == PadMode.ZERO) {
                    continue;
                }
                int cy = Math.min(h - 1, Math.max(0, sy));
                int src = (ch * h + cy) * w;
                int dst = (ch * oh + y) * ow;
                System.arraycopy(img, src, out, dst + left, w);
                if (mode == PadMode.EDGE) {
                    for (int x = 0; x < left; x++) {
                        out[dst + x] = img[src];
                    }
                    for (int x = left + w; x < ow; x++) {
                        out[dst + x] = img[src + w - 1];
                    }
                }
            }
        }
        return out;
    }

    /**
     * Pads symmetrically to a size (e.g. 28×28 → 32×32 adds 2 on every side); when the difference is
     * odd the extra row/column goes to the bottom/right.
     *
     * @param img {@code [c, h, w]} image
     * @param c channels
     * @param h height ≤ outH
     * @param w width ≤ outW
     * @param outH output height
     * @param outW output width
     * @param mode zero or edge replication
     * @return {@code [c, outH, outW]}
     */
    public static float[] padTo(float[] img, int c, int h, int w, int outH, int outW, PadMode mode) {
        if (outH < h || outW < w) {
            throw new IllegalArgumentException("cannot pad " + h + "x" + w + " to smaller " + outH + "x" + outW);
        }
        int top = (outH - h) / 2;
        int left = (outW - w) / 2;
        return pad(img, c, h, w, top, outH - h - top, left, outW - w - left, mode);
    }

    /**
     * Crops a window.
     *
     * @param img {@code [c, h, w]} image
     * @param c channels
     * @param h height
     * @param w width
     * @param top first row
     * @param left first column
     * @param outH rows kept
     * @param outW columns kept
     * @return {@code [c, outH, outW]}
     */
    public static float[] crop(float[] img, int c, int h, int w, int top, int left, int outH, int outW) {
        checkShape(img, c, h, w);
        if (top < 0 || left < 0 || outH < 1 || outW < 1 || top + outH > h || left + outW > w) {
            throw new IllegalArgumentException("crop " + outH + "x" + outW + " at (" + top + "," + left + ") outside " + h + "x" + w);
        }
        float[] out = new float[c * outH * outW];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < outH; y++) {
                System.arraycopy(img, (ch * h + top + y) * w + left, out, (ch * outH + y) * outW, outW);
            }
        }
        return out;
    }

    /**
     * Crops the centre window; when the difference is odd the extra row/column is cut at the
     * bottom/right (offset {@code floor((h - outH) / 2)}).
     *
     * @param img {@code [c, h, w]} image
     * @param c channels
     * @param h height ≥ outH
     * @param w width ≥ outW
     * @param outH rows kept
     * @param outW columns kept
     * @return {@code [c, outH, outW]}
     */
    public static float[] centerCrop(float[] img, int c, int h, int w, int outH, int outW) {
        return crop(img, c, h, w, (h - outH) / 2, (w - outW) / 2, outH, outW);
    }

    // ------------------------------------------------------------------ batches [N, C, H, W]

    /**
     * Batch version of {@link #areaDownsample(float[], int, int, int, int)}.
     * @param x {@code [N,C,H,W]}
     * @param factor integer factor
     * @return {@code [N,C,H/f,W/f]} float32
     */
    public static INDArray areaDownsample(INDArray x, int factor) {
        return map(x, (img, c, h, w) -> areaDownsample(img, c, h, w, factor), sizes(x)[2] / Math.max(1, factor),
                sizes(x)[3] / Math.max(1, factor));
    }

    /**
     * Batch version of {@link #area(float[], int, int, int, int, int)}.
     * @param x {@code [N,C,H,W]}
     * @param outH height
     * @param outW width
     * @return float32 result
     */
    public static INDArray area(INDArray x, int outH, int outW) {
        return map(x, (img, c, h, w) -> area(img, c, h, w, outH, outW), outH, outW);
    }

    /**
     * Batch version of {@link #bilinear(float[], int, int, int, int, int)}.
     * @param x {@code [N,C,H,W]}
     * @param outH height
     * @param outW width
     * @return float32 result
     */
    public static INDArray bilinear(INDArray x, int outH, int outW) {
        return map(x, (img, c, h, w) -> bilinear(img, c, h, w, outH, outW), outH, outW);
    }

    /**
     * Batch version of {@link #bicubic(float[], int, int, int, int, int)}.
     * @param x {@code [N,C,H,W]}
     * @param outH height
     * @param outW width
     * @return float32 result
     */
    public static INDArray bicubic(INDArray x, int outH, int outW) {
        return map(x, (img, c, h, w) -> bicubic(img, c, h, w, outH, outW), outH, outW);
    }

    /**
     * Batch version of {@link #resize(float[], int, int, int, int, int)}.
     * @param x {@code [N,C,H,W]}
     * @param outH height
     * @param outW width
     * @return float32 result
     */
    public static INDArray resize(INDArray x, int outH, int outW) {
        return map(x, (img, c, h, w) -> resize(img, c, h, w, outH, outW), outH, outW);
    }

    /**
     * Batch version of {@link #padTo(float[], int, int, int, int, int, PadMode)}.
     * @param x {@code [N,C,H,W]}
     * @param outH height
     * @param outW width
     * @param mode fill
     * @return float32 result
     */
    public static INDArray padTo(INDArray x, int outH, int outW, PadMode mode) {
        return map(x, (img, c, h, w) -> padTo(img, c, h, w, outH, outW, mode), outH, outW);
    }

    /**
     * Batch version of {@link #centerCrop(float[], int, int, int, int, int)}.
     * @param x {@code [N,C,H,W]}
     * @param outH height
     * @param outW width
     * @return float32 result
     */
    public static INDArray centerCrop(INDArray x, int outH, int outW) {
        return map(x, (img, c, h, w) -> centerCrop(img, c, h, w, outH, outW), outH, outW);
    }

    /**
     * {@link #resize(float[], int, int, int, int, int)} on every image.
     * @param s images
     * @param outH height
     * @param outW width
     * @return new set, same labels
     */
    public static ImageSet resize(ImageSet s, int outH, int outW) {
        return map(s, (img, c, h, w) -> resize(img, c, h, w, outH, outW), outH, outW, "resize " + outH + "x" + outW);
    }

    /**
     * {@link #areaDownsample(float[], int, int, int, int)} on every image.
     * @param s images
     * @param factor integer factor
     * @return new set, same labels
     */
    public static ImageSet areaDownsample(ImageSet s, int factor) {
        return map(s, (img, c, h, w) -> areaDownsample(img, c, h, w, factor), s.height() / Math.max(1, factor),
                s.width() / Math.max(1, factor), "area/" + factor);
    }

    /**
     * {@link #padTo(float[], int, int, int, int, int, PadMode)} on every image.
     * @param s images
     * @param outH height
     * @param outW width
     * @param mode fill
     * @return new set, same labels
     */
    public static ImageSet padTo(ImageSet s, int outH, int outW, PadMode mode) {
        return map(s, (img, c, h, w) -> padTo(img, c, h, w, outH, outW, mode), outH, outW,
                "pad " + outH + "x" + outW + " " + mode);
    }

    /** A per-image operation on {@code [c, h, w]} arrays. */
    @FunctionalInterface
    public interface ImageOp {
        /**
         * @param img image
         * @param c channels
         * @param h height
         * @param w width
         * @return the transformed image
         */
        float[] apply(float[] img, int c, int h, int w);
    }

    /**
     * Applies a per-image operation to a batch.
     *
     * @param x {@code [N, C, H, W]}
     * @param op operation
     * @param outH height produced by {@code op}
     * @param outW width produced by {@code op}
     * @return float32 {@code [N, C, outH, outW]}
     */
    public static INDArray map(INDArray x, ImageOp op, int outH, int outW) {
        int[] s = sizes(x);
        float[][] imgs = ImageSet.toArrays(x);
        for (int i = 0; i < imgs.length; i++) {
            imgs[i] = op.apply(imgs[i], s[1], s[2], s[3]);
        }
        return ImageSet.toINDArray(imgs, s[1], outH, outW);
    }

    private static ImageSet map(ImageSet s, ImageOp op, int outH, int outW, String what) {
        float[][] out = new float[s.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = op.apply(s.image(i), s.channels(), s.height(), s.width());
        }
        return new ImageSet(out, s.labels(), s.channels(), outH, outW, s.source() + " [" + what + "]");
    }

    private static int[] sizes(INDArray x) {
        ImageSet.requireRank4(x);
        long[] s = x.shape();
        return new int[] {(int) s[0], (int) s[1], (int) s[2], (int) s[3]};
    }

    // ------------------------------------------------------------------ separable core

    private static void checkShape(float[] img, int c, int h, int w) {
        if (c < 1 || h < 1 || w < 1) {
            throw new IllegalArgumentException("bad shape [" + c + "," + h + "," + w + "]");
        }
        if (img.length != c * h * w) {
            throw new IllegalArgumentException("image has " + img.length + " values, shape [" + c + "," + h + "," + w
                    + "] needs " + (c * h * w));
        }
    }

    private static float[] separable(float[] img, int c, int h, int w, ResampleAxis ay, ResampleAxis ax, boolean clamp) {
        checkShape(img, c, h, w);
        int oh = ay.out;
        int ow = ax.out;
        double[] tmp = new double[h * ow];
        float[] out = new float[c * oh * ow];
        for (int ch = 0; ch < c; ch++) {
            int base = ch * h * w;
            // along x: tmp[y][j] = sum_k wx[j][k] * img[y][ix[j][k]]
            for (int y = 0; y < h; y++) {
                int row = base + y * w;
                for (int j = 0; j < ow; j++) {
                    double acc = 0;
                    for (int k = ax.start[j]; k < ax.start[j + 1]; k++) {
                        acc += ax.weight[k] * img[row + ax.index[k]];
                    }
                    tmp[y * ow + j] = acc;
                }
            }
            // along y
            int obase = ch * oh * ow;
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    double acc = 0;
                    for (int k = ay.start[i]; k < ay.start[i + 1]; k++) {
                        acc += ay.weight[k] * tmp[ay.index[k] * ow + j];
                    }
                    float v = (float) acc;
                    if (clamp) {
                        v = Math.min(1f, Math.max(0f, v));
                    }
                    out[obase + i * ow + j] = v;
                }
            }
        }
        return out;
    }
}
