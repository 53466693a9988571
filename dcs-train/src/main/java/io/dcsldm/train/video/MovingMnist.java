package io.dcsldm.train.video;

import io.dcsldm.core.runtime.Rng;
import io.dcsldm.train.data.ImageSet;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Moving MNIST in continuous time and space: every clip is a scene (digits gliding on the unit square,
 * bouncing off its borders) that can be rendered <em>exactly</em> at any instant, frame rate and
 * resolution, so frame-rate and resolution changes can be scored against the true frames instead of
 * against interpolated ones (DESIGN §4, asymmetric alignment in time).
 *
 * <h2>Scene</h2>
 * <ul>
 * <li>Canvas: the unit square {@code [0, 1]²}, {@code x} to the right, {@code y} down.</li>
 * <li>Each digit is an MNIST image taken as a piecewise-constant function: its {@code h × w} pixels are
 * squares of side {@code digitSize / max(h, w)}. The digit's top-left corner moves as
 * {@code fold(p0 + v·t)} where {@code fold} reflects into {@code [0, 1 − digitSize]} (a triangle wave),
 * so the trajectory is continuous, piecewise linear, and bounces elastically off the borders.</li>
 * <li>Digits add up; the sum is clipped to {@code [0, 1]} (clipping only matters where two bright strokes
 * overlap).</li>
 * </ul>
 *
 * <h2>Rendering</h2>
 * A frame of {@code size × size} pixels at time {@code t} is the exact area average of the scene over each
 * pixel (overlaps of axis-aligned squares, computed in closed form, no supersampling), so a render at
 * {@code 2s} averaged over 2×2 blocks equals the render at {@code s} (up to rounding and clipping).
 * Frame {@code i} of a clip at {@code fps} frames per second shows the instant {@code (i + 0.5) / fps},
 * the centre of its frame interval — the temporal analogue of pixel centres, and what the tokenizer's
 * normalised in-patch time {@code τ = (j + 0.5) / p_t} assumes.
 *
 * <h2>Determinism</h2>
 * Clip {@code index} of a generator with seed {@code seed} is a pure function of
 * {@code (seed, index, digits, options)}: the digits and the trajectory are drawn from a generator seeded
 * with {@code Rng.mix(seed, index)}.
 */
public final class MovingMnist {
    /** Shape of the scenes. */
    public static final class Options {
        /** Digits per clip. */
        public int digits = 2;
        /** Side of a digit's bounding square, as a fraction of the canvas (classic: 28 px on 64 px). */
        public double digitSize = 28.0 / 64.0;
        /** Speed range in canvas widths per second (uniform), direction uniform on the circle. */
        public double minSpeed = 0.25;
        public double maxSpeed = 0.6;
        /** Clip duration in seconds. */
        public double duration = 1.0;

        public Options validate() {
            if (digits < 1) throw new IllegalArgumentException("digits must be >= 1, got " + digits);
            if (!(digitSize > 0 && digitSize < 1)) throw new IllegalArgumentException("digitSize must be in (0, 1), got " + digitSize);
            if (!(minSpeed >= 0 && maxSpeed >= minSpeed)) throw new IllegalArgumentException("need 0 <= minSpeed <= maxSpeed, got " + minSpeed + ", " + maxSpeed);
            if (!(duration > 0)) throw new IllegalArgumentException("duration must be > 0, got " + duration);
            return this;
        }
    }

    private final ImageSet digits;
    private final long seed;
    private final Options options;

    /**
     * @param digits one-channel digit images in [0, 1] (e.g. {@code Datasets.load("mnist:train")})
     * @param seed scene seed
     * @param options scene shape (copied by reference; do not change it afterwards)
     */
    public MovingMnist(ImageSet digits, long seed, Options options) {
        this.digits = Objects.requireNonNull(digits, "digits");
        if (digits.channels() != 1) throw new IllegalArgumentException("digit images must have one channel, got " + digits.channels());
        if (digits.size() == 0) throw new IllegalArgumentException("no digit images");
        this.seed = seed;
        this.options = options.validate();
    }

    public Options options() { return options; }

    public long seed() { return seed; }

    /** What fixes these scenes: the digits' source and count, the seed and the scene options (for provenance files). */
    public java.util.Map<String, Object> provenance() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("digits", digits.source());
        m.put("digit_count", digits.size());
        m.put("seed", seed);
        m.put("items_per_scene", options.digits);
        m.put("digit_size", options.digitSize);
        m.put("min_speed", options.minSpeed);
        m.put("max_speed", options.maxSpeed);
        m.put("duration", options.duration);
        return m;
    }

    public ImageSet digitImages() { return digits; }

    /** Clip {@code index}: a pure function of the seed, the index, the digit images and the options. */
    public Clip clip(long index) {
        SplittableRandom r = new SplittableRandom(Rng.mix(seed, index, 0x4D4D4E4953L));
        double range = 1 - options.digitSize;
        Sprite[] s = new Sprite[options.digits];
        for (int d = 0; d < s.length; d++) {
            int img = r.nextInt(digits.size());
            double speed = options.minSpeed + (options.maxSpeed - options.minSpeed) * r.nextDouble();
            double angle = 2 * Math.PI * r.nextDouble();
            s[d] = new Sprite(img, digits.hasLabels() ? digits.label(img) : -1,
                    range * r.nextDouble(), range * r.nextDouble(), speed * Math.cos(angle), speed * Math.sin(angle));
        }
        return new Clip(index, s);
    }

    /**
     * Clips {@code first … first + n − 1} rendered at {@code fps} and {@code size}, with their first digits' labels
     * (−1 if unlabelled).
     */
    public Rendered render(long first, int n, double fps, int size) {
        float[][][] frames = new float[n][][];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            Clip c = clip(first + i);
            frames[i] = c.render(fps, size);
            labels[i] = c.label();
        }
        return new Rendered(frames, labels);
    }

    /** Rendered clips {@code [clip][frame][pixel]} and their labels, as {@link #render(long, int, double, int)} gives them. */
    public record Rendered(float[][][] frames, int[] labels) {}

    /** One digit of a clip: which image, its label (−1 if unlabelled), start corner and velocity (canvas units, per second). */
    public record Sprite(int image, int label, double x0, double y0, double vx, double vy) {}

    /** Frame {@code i} of a clip at {@code fps} shows this instant (seconds): the centre of its frame interval. */
    public static double frameTime(int i, double fps) { return (i + 0.5) / fps; }

    /** Frames of a {@code duration}-second clip at {@code fps}; an error unless {@code duration·fps} is a whole number. */
    public static int frameCount(double duration, double fps) {
        double n = duration * fps;
        long r = Math.round(n);
        if (r < 1 || Math.abs(n - r) > 1e-9)
            throw new IllegalArgumentException("a " + duration + " s clip at " + fps + " fps is " + n + " frames, not a whole number");
        return (int) r;
    }

    /** Reflects {@code p} into {@code [0, range]} (triangle wave of period {@code 2·range}). */
    static double fold(double p, double range) {
        double period = 2 * range;
        double m = p % period;
        if (m < 0) m += period;
        return m <= range ? m : period - m;
    }

    /** A scene: digits and their trajectories. */
    public final class Clip {
        private final long index;
        private final Sprite[] sprites;

        Clip(long index, Sprite[] sprites) {
            this.index = index;
            this.sprites = sprites;
        }

        public long index() { return index; }

        public Sprite[] sprites() { return sprites.clone(); }

        public double duration() { return options.duration; }

        /** Label of the first digit (−1 if the digit images are unlabelled). */
        public int label() { return sprites[0].label(); }

        /** Top-left corner {@code (x, y)} of digit {@code d} at time {@code t} (seconds), canvas units. */
        public double[] position(int d, double t) {
            Sprite s = sprites[d];
            double range = 1 - options.digitSize;
            return new double[]{fold(s.x0() + s.vx() * t, range), fold(s.y0() + s.vy() * t, range)};
        }

        /** The frame at time {@code t}, {@code size × size} pixels, row-major, values in [0, 1]. */
        public float[] renderAt(double t, int size) {
            if (size < 1) throw new IllegalArgumentException("size must be >= 1, got " + size);
            double[] acc = new double[size * size];
            int h = digits.height(), w = digits.width();
            double cell = options.digitSize / Math.max(h, w);
            double[] tmp = new double[size * w];
            for (int d = 0; d < sprites.length; d++) {
                double[] p = position(d, t);
                // centre a non-square digit image in its square
                double ox = p[0] + (options.digitSize - w * cell) / 2, oy = p[1] + (options.digitSize - h * cell) / 2;
                double[][] ay = overlaps(oy, cell, h, size); // [size][h] overlap lengths, in output-pixel units
                double[][] ax = overlaps(ox, cell, w, size);
                float[] img = digits.image(sprites[d].image());
                // tmp[i][c] = Σ_r ay[i][r]·img[r][c]
                java.util.Arrays.fill(tmp, 0);
                for (int i = 0; i < size; i++)
                    for (int r = 0; r < h; r++) {
                        double a = ay[i][r];
                        if (a == 0) continue;
                        for (int c = 0; c < w; c++) tmp[i * w + c] += a * img[r * w + c];
                    }
                for (int i = 0; i < size; i++)
                    for (int j = 0; j < size; j++) {
                        double s = 0;
                        for (int c = 0; c < w; c++) {
                            double a = ax[j][c];
                            if (a != 0) s += a * tmp[i * w + c];
                        }
                        acc[i * size + j] += s;
                    }
            }
            float[] out = new float[size * size];
            for (int i = 0; i < out.length; i++) out[i] = (float) Math.min(1.0, Math.max(0.0, acc[i]));
            return out;
        }

        /** All frames of the clip at {@code fps}: {@code [frames][size·size]}. */
        public float[][] render(double fps, int size) {
            int n = frameCount(options.duration, fps);
            float[][] f = new float[n][];
            for (int i = 0; i < n; i++) f[i] = renderAt(frameTime(i, fps), size);
            return f;
        }
    }

    /**
     * {@code [size][n]}: length of the overlap of output pixel {@code i} ({@code [i/size, (i+1)/size)})
     * with source cell {@code r} ({@code [origin + r·cell, origin + (r+1)·cell)}), divided by the output
     * pixel's length — so the area average of a cell-constant function is a sum of products.
     */
    static double[][] overlaps(double origin, double cell, int n, int size) {
        double[][] o = new double[size][n];
        for (int r = 0; r < n; r++) {
            double a = origin + r * cell, b = a + cell;
            int i0 = Math.max(0, (int) Math.floor(a * size)), i1 = Math.min(size - 1, (int) Math.floor(b * size));
            for (int i = i0; i <= i1; i++) {
                double lo = Math.max(a, (double) i / size), hi = Math.min(b, (double) (i + 1) / size);
                if (hi > lo) o[i][r] = (hi - lo) * size;
            }
        }
        return o;
    }
}
