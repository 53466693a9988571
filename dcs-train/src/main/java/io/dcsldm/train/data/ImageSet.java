package io.dcsldm.train.data;

import java.util.Arrays;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An in-memory set of equally sized images with optional integer labels.
 *
 * <p>Each image is a flat {@code float[C*H*W]} in {@code [C, H, W]} order (channel-major, then rows, then
 * columns) with values in {@code [0, 1]}. The set converts to and from ND4J arrays of shape
 * {@code [N, C, H, W]} (float32, C order) via {@link #toINDArray()} and {@link #fromINDArray}.
 *
 * <p>The set is immutable in structure; {@link #image(int)} returns the backing array (not a copy) for
 * speed, so callers must not modify it.
 */
public final class ImageSet {
    private final float[][] images;
    private final int[] labels;
    private final int channels;
    private final int height;
    private final int width;
    private final String source;

    /**
     * Wraps the given arrays (no copy: the set takes ownership).
     *
     * @param images one {@code float[channels*height*width]} per image, values in [0, 1]
     * @param labels one label per image, or {@code null} for an unlabelled set
     * @param channels C (1 or 3 in practice)
     * @param height H
     * @param width W
     * @param source human-readable description of where the images came from
     * @throws IllegalArgumentException if an image has the wrong length or the label count differs
     */
    public ImageSet(float[][] images, int[] labels, int channels, int height, int width, String source) {
        Objects.requireNonNull(images, "images");
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("bad image shape [" + channels + "," + height + "," + width + "]");
        }
        int len = channels * height * width;
        for (int i = 0; i < images.length; i++) {
            if (images[i] == null || images[i].length != len) {
                throw new IllegalArgumentException("image " + i + " has length "
                        + (images[i] == null ? "null" : images[i].length) + ", expected " + len);
            }
        }
        if (labels != null && labels.length != images.length) {
            throw new IllegalArgumentException(labels.length + " labels for " + images.length + " images");
        }
        this.images = images;
        this.labels = labels;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.source = source == null ? "" : source;
    }

    /**
     * @return number of images N
     */
    public int size() {
        return images.length;
    }

    /**
     * @return channels C
     */
    public int channels() {
        return channels;
    }

    /**
     * @return height H in pixels
     */
    public int height() {
        return height;
    }

    /**
     * @return width W in pixels
     */
    public int width() {
        return width;
    }

    /**
     * @return C*H*W, the length of one image array
     */
    public int pixelsPerImage() {
        return channels * height * width;
    }

    /**
     * @param i image index
     * @return the backing {@code [C,H,W]} array of image {@code i} (do not modify)
     */
    public float[] image(int i) {
        return images[i];
    }

    /**
     * @return whether the set carries labels
     */
    public boolean hasLabels() {
        return labels != null;
    }

    /**
     * @param i image index
     * @return label of image {@code i}
     * @throws IllegalStateException if the set is unlabelled
     */
    public int label(int i) {
        if (labels == null) {
            throw new IllegalStateException("image set has no labels: " + source);
        }
        return labels[i];
    }

    /**
     * @return a copy of the labels, or {@code null} for an unlabelled set
     */
    public int[] labels() {
        return labels == null ? null : labels.clone();
    }

    /**
     * @return where the images came from (e.g. a {@link Datasets.Source#describe()} string)
     */
    public String source() {
        return source;
    }

    /**
     * @param n maximum number of images
     * @return the first {@code min(n, size())} images (shares image arrays with this set)
     */
    public ImageSet head(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n < 0: " + n);
        }
        if (n >= images.length) {
            return this;
        }
        return new ImageSet(Arrays.copyOf(images, n), labels == null ? null : Arrays.copyOf(labels, n),
                channels, height, width, source + " [first " + n + "]");
    }

    /**
     * @param indices image indices, in the order wanted (repeats allowed)
     * @return the selected images (shares image arrays with this set)
     */
    public ImageSet select(int[] indices) {
        float[][] imgs = new float[indices.length][];
        int[] labs = labels == null ? null : new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            imgs[i] = images[indices[i]];
            if (labs != null) {
                labs[i] = labels[indices[i]];
            }
        }
        return new ImageSet(imgs, labs, channels, height, width, source);
    }

    /**
     * @return all images as a new float32 INDArray {@code [N, C, H, W]}
     */
    public INDArray toINDArray() {
        return toINDArray(images, channels, height, width);
    }

    /**
     * @param indices image indices (e.g. one batch from {@link Batches})
     * @return the selected images as a new float32 INDArray {@code [indices.length, C, H, W]}
     */
    public INDArray toINDArray(int[] indices) {
        float[][] imgs = new float[indices.length][];
        for (int i = 0; i < indices.length; i++) {
            imgs[i] = images[indices[i]];
        }
        return toINDArray(imgs, channels, height, width);
    }

    /**
     * Packs images into one float32 INDArray.
     *
     * @param images {@code N} arrays of length {@code c*h*w}
     * @param c channels
     * @param h height
     * @param w width
     * @return a new {@code [N, c, h, w]} float32 C-order array
     */
    public static INDArray toINDArray(float[][] images, int c, int h, int w) {
        int len = c * h * w;
        float[] flat = new float[Math.multiplyExact(images.length, len)];
        for (int i = 0; i < images.length; i++) {
            if (images[i].length != len) {
                throw new IllegalArgumentException("image " + i + " has length " + images[i].length + ", expected " + len);
            }
            System.arraycopy(images[i], 0, flat, i * len, len);
        }
        return Nd4j.create(flat, new long[] {images.length, c, h, w}, DataType.FLOAT);
    }

    /**
     * Unpacks a {@code [N, C, H, W]} array (any floating data type, any order) into per-image
     * {@code [C,H,W]} float arrays.
     *
     * @param nchw rank-4 array
     * @return {@code N} new arrays of length {@code C*H*W}
     */
    public static float[][] toArrays(INDArray nchw) {
        requireRank4(nchw);
        long[] s = nchw.shape();
        int n = Math.toIntExact(s[0]);
        int len = Math.toIntExact(s[1] * s[2] * s[3]);
        INDArray flat = nchw.castTo(DataType.FLOAT).dup('c');
        float[] all = flat.data().asFloat();
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = Arrays.copyOfRange(all, i * len, (i + 1) * len);
        }
        return out;
    }

    /**
     * Builds a set from a {@code [N, C, H, W]} array (values are copied).
     *
     * @param nchw rank-4 array
     * @param labels N labels or {@code null}
     * @param source description
     * @return a new image set
     */
    public static ImageSet fromINDArray(INDArray nchw, int[] labels, String source) {
        requireRank4(nchw);
        long[] s = nchw.shape();
        return new ImageSet(toArrays(nchw), labels, (int) s[1], (int) s[2], (int) s[3], source);
    }

    static void requireRank4(INDArray x) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException("expected [N, C, H, W], got shape " + Arrays.toString(x.shape()));
        }
    }

    @Override
    public String toString() {
        return "ImageSet[" + size() + " x " + channels + "x" + height + "x" + width
                + (labels != null ? ", labelled" : "") + "] from " + source;
    }
}
