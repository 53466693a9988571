package io.dcsldm.train.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Reads PNG/JPEG images of any size from a directory (via {@link ImageIO}) into an {@link ImageSet}.
 *
 * <h2>Files</h2>
 * Regular files directly inside the directory (not recursive) whose names end in {@code .png},
 * {@code .jpg} or {@code .jpeg} (any case), in lexicographic order of file name; other files are
 * ignored. A listed file that ImageIO cannot decode fails with
 * {@code cannot read image <path>: not a PNG/JPEG or corrupt}.
 *
 * <h2>Channels</h2>
 * <ul>
 *   <li>Grey images (one colour component, not palette): the raw sample divided by
 *       {@code 2^bits - 1} (8- and 16-bit exact, no gamma conversion); 3 channels replicate it.</li>
 *   <li>Colour images (three colour components, or a palette): sRGB values from
 *       {@link BufferedImage#getRGB} (8 bits per channel) divided by 255; 1 channel is the luma
 *       {@code 0.299 R + 0.587 G + 0.114 B} (ITU-R BT.601, as PIL's {@code convert("L")}).</li>
 *   <li>Alpha is ignored (colour values are taken as they are, not composited).</li>
 *   <li>Anything else (e.g. CMYK, two-component colour spaces) fails naming the file and the colour
 *       space.</li>
 * </ul>
 *
 * <h2>Size policy</h2>
 * With a target size {@code H×W}:
 * <ul>
 *   <li>{@link SizePolicy#NONE}: the image must already be {@code H×W}, else an error naming the file
 *       and both sizes. With {@code H = W = 0}, the first image fixes the size for the rest.</li>
 *   <li>{@link SizePolicy#RESIZE}: {@link Resample#resize} to exactly {@code H×W} (aspect not kept).</li>
 *   <li>{@link SizePolicy#CENTER_CROP}: resize keeping the aspect ratio so the image covers
 *       {@code H×W} (scale {@code max(H/h, W/w)}, sides rounded to the nearest pixel), then crop the
 *       centre.</li>
 *   <li>{@link SizePolicy#PAD}: if larger than {@code H×W}, shrink keeping the aspect ratio to fit
 *       inside (scale {@code min(H/h, W/w)}); never enlarge; then zero-pad centred to {@code H×W}
 *       (28×28 into 32×32 is exactly a 2-pixel black border).</li>
 * </ul>
 */
public final class ImageFolderReader {
    /** How images whose size differs from the target are handled. */
    public enum SizePolicy {
        /** require the exact size */
        NONE,
        /** aspect-preserving resize to cover, then centre crop */
        CENTER_CROP,
        /** resize to the exact size, aspect not preserved */
        RESIZE,
        /** aspect-preserving shrink to fit (never enlarge), then centred zero padding */
        PAD
    }

    private final int channels;
    private final int height;
    private final int width;
    private final SizePolicy policy;

    /**
     * @param channels 1 or 3
     * @param height target height, or 0 together with {@code width = 0} and {@link SizePolicy#NONE} to
     *     take the size of the first image
     * @param width target width (see {@code height})
     * @param policy what to do with images of another size
     */
    public ImageFolderReader(int channels, int height, int width, SizePolicy policy) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        if (height < 0 || width < 0 || (height == 0) != (width == 0)) {
            throw new IllegalArgumentException("bad target size " + height + "x" + width);
        }
        if (height == 0 && policy != SizePolicy.NONE) {
            throw new IllegalArgumentException("size policy " + policy + " needs a target size");
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.policy = policy;
    }

    /**
     * @param dir a directory
     * @return the PNG/JPEG files directly inside it, sorted by file name
     * @throws DataException if the directory does not exist or cannot be listed
     */
    public static List<Path> listImages(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new DataException("image folder not found: " + dir);
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                if (Files.isRegularFile(p) && (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg"))) {
                    files.add(p);
                }
            }
        } catch (IOException e) {
            throw new DataException("cannot list image folder " + dir + ": " + e.getMessage(), e);
        }
        files.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        return files;
    }

    /**
     * Reads every image of a directory.
     *
     * @param dir directory of PNG/JPEG files
     * @return unlabelled set {@code [N, channels, H, W]}
     */
    public ImageSet read(Path dir) {
        return read(dir, Integer.MAX_VALUE, "folder " + dir.toAbsolutePath());
    }

    /**
     * Reads the first {@code limit} images (in file-name order) of a directory.
     *
     * @param dir directory of PNG/JPEG files
     * @param limit maximum number of images
     * @param source description stored in the set
     * @return unlabelled set {@code [N, channels, H, W]}
     */
    public ImageSet read(Path dir, int limit, String source) {
        List<Path> files = listImages(dir);
        if (files.isEmpty()) {
            throw new DataException("no PNG/JPEG images in " + dir);
        }
        int n = Math.min(limit, files.size());
        float[][] imgs = new float[n][];
        int h = height;
        int w = width;
        for (int i = 0; i < n; i++) {
            Decoded d = decode(files.get(i), channels);
            if (h == 0) {
                h = d.h;
                w = d.w;
            }
            imgs[i] = fit(d, files.get(i), h, w);
        }
        return new ImageSet(imgs, null, channels, Math.max(h, 1), Math.max(w, 1), source);
    }

    /**
     * Reads one image and applies the channel conversion and size policy. With no target size the
     * image keeps its own size.
     *
     * @param file PNG or JPEG
     * @return {@code [channels, H, W]} in [0, 1]
     */
    public float[] readImage(Path file) {
        Decoded d = decode(file, channels);
        return height == 0 ? d.pixels : fit(d, file, height, width);
    }

    /**
     * Decodes one image at its own size.
     *
     * @param file PNG or JPEG
     * @param channels 1 or 3
     * @param sizeOut if not null, receives {@code {height, width}}
     * @return {@code [channels, h, w]} in [0, 1]
     */
    public static float[] readNative(Path file, int channels, int[] sizeOut) {
        Decoded d = decode(file, channels);
        if (sizeOut != null) {
            sizeOut[0] = d.h;
            sizeOut[1] = d.w;
        }
        return d.pixels;
    }

    private float[] fit(Decoded d, Path file, int h, int w) {
        int c = channels;
        if (d.h == h && d.w == w) {
            return d.pixels;
        }
        switch (policy) {
            case NONE:
                throw new DataException("image " + file + " is " + d.h + "x" + d.w + " (HxW) but " + h + "x" + w
                        + " is required (size policy NONE; use RESIZE, CENTER_CROP or PAD)");
            case RESIZE:
                return Resample.resize(d.pixels, c, d.h, d.w, h, w);
            case CENTER_CROP: {
                double s = Math.max((double) h / d.h, (double) w / d.w);
                int rh = Math.max(h, (int) Math.round(d.h * s));
                int rw = Math.max(w, (int) Math.round(d.w * s));
                float[] r = (rh == d.h && rw == d.w) ? d.pixels : Resample.resize(d.pixels, c, d.h, d.w, rh, rw);
                return Resample.centerCrop(r, c, rh, rw, h, w);
            }
            case PAD: {
                double s = Math.min(1.0, Math.min((double) h / d.h, (double) w / d.w));
                int rh = Math.max(1, Math.min(h, (int) Math.round(d.h * s)));
                int rw = Math.max(1, Math.min(w, (int) Math.round(d.w * s)));
                float[] r = (rh == d.h && rw == d.w) ? d.pixels : Resample.resize(d.pixels, c, d.h, d.w, rh, rw);
                return Resample.padTo(r, c, rh, rw, h, w, Resample.PadMode.ZERO);
            }
            default:
                throw new IllegalStateException(policy.toString());
        }
    }

    private static final class Decoded {
        final float[] pixels;
        final int h;
        final int w;

        Decoded(float[] pixels, int h, int w) {
            this.pixels = pixels;
            this.h = h;
            this.w = w;
        }
    }

    private static Decoded decode(Path file, int channels) {
        if (!Files.isRegularFile(file)) {
            throw new DataException("image file not found: " + file);
        }
        BufferedImage img;
        try (InputStream in = Files.newInputStream(file)) {
            img = ImageIO.read(in);
        } catch (IOException | RuntimeException e) {
            throw new DataException("cannot read image " + file + ": not a PNG/JPEG or corrupt", e);
        }
        if (img == null) {
            throw new DataException("cannot read image " + file + ": not a PNG/JPEG or corrupt");
        }
        return new Decoded(toChannels(img, channels, file.toString()), img.getHeight(), img.getWidth());
    }

    /**
     * Converts a decoded image to {@code channels} planes in [0, 1] following the rules in the class
     * documentation.
     *
     * @param img decoded image
     * @param channels 1 or 3
     * @param name file name used in error messages
     * @return {@code [channels, h, w]}
     */
    static float[] toChannels(BufferedImage img, int channels, String name) {
        int h = img.getHeight();
        int w = img.getWidth();
        int hw = h * w;
        ColorModel cm = img.getColorModel();
        int ncc = cm.getNumColorComponents();
        float[] out = new float[channels * hw];
        if (!(cm instanceof IndexColorModel) && ncc == 1 && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            Raster r = img.getRaster();
            int bits = cm.getComponentSize(0);
            double max = (1L << bits) - 1;
            int[] s = r.getSamples(0, 0, w, h, 0, (int[]) null);
            for (int p = 0; p < hw; p++) {
                float v = (float) (s[p] / max);
                for (int ch = 0; ch < channels; ch++) {
                    out[ch * hw + p] = v;
                }
            }
        } else if (cm instanceof IndexColorModel || ncc == 3) {
            int[] rgb = img.getRGB(0, 0, w, h, null, 0, w);
            for (int p = 0; p < hw; p++) {
                int v = rgb[p];
                int r = (v >> 16) & 0xFF;
                int g = (v >> 8) & 0xFF;
                int b = v & 0xFF;
                if (channels == 3) {
                    out[p] = r / 255f;
                    out[hw + p] = g / 255f;
                    out[2 * hw + p] = b / 255f;
                } else {
                    out[p] = (float) ((0.299 * r + 0.587 * g + 0.114 * b) / 255.0);
                }
            }
        } else {
            throw new DataException("cannot convert image " + name + " to " + channels + " channel(s): it has " + ncc
                    + " colour components (colour space type " + cm.getColorSpace().getType() + ")");
        }
        return out;
    }
}
