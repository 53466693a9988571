package io.dcsldm.video;

import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Reads a real clip into {@link Clip} frames: a video file decoded by FFmpeg (through JavaCV), or a folder
 * of PNG/JPEG frames in name order.
 *
 * <p>Per frame, in this order: grey conversion (if {@code channels = 1}), centre crop to the aspect ratio
 * of the requested size, exact area-average resize to that size. Frames are processed while decoding, so
 * a long high-resolution clip never sits in memory at full size.</p>
 *
 * <p>Every failure is a {@link VideoException} whose one-line message names the file: missing files, files
 * FFmpeg cannot open or decode, unreadable frame images, frames of differing sizes, a frame folder without
 * a frame rate, or FFmpeg's native libraries failing to load.</p>
 */
public final class ClipReader {
    private static final Logger LOG = LoggerFactory.getLogger(ClipReader.class);

    /** What to read and how to shape the frames. Fluent setters; defaults read everything at native size. */
    public static final class Options {
        int channels = 3;
        int start = 0;
        int maxFrames = Integer.MAX_VALUE;
        int height = 0;
        int width = 0;
        double fps = 0;

        /** 1 (grey, BT.601 luma) or 3 (RGB). Default 3. */
        public Options channels(int c) {
            if (c != 1 && c != 3) throw new IllegalArgumentException("channels must be 1 or 3, got " + c);
            this.channels = c;
            return this;
        }

        /** Skip the first {@code n} frames. */
        public Options start(int n) {
            if (n < 0) throw new IllegalArgumentException("start frame must be >= 0, got " + n);
            this.start = n;
            return this;
        }

        /** Read at most {@code n} frames (after {@link #start}). */
        public Options maxFrames(int n) {
            if (n < 1) throw new IllegalArgumentException("maxFrames must be >= 1, got " + n);
            this.maxFrames = n;
            return this;
        }

        /** Centre-crop every frame to the aspect ratio {@code h : w}, then area-resize it to {@code h × w}. */
        public Options size(int h, int w) {
            if (h < 1 || w < 1) throw new IllegalArgumentException("size must be positive, got " + h + "x" + w);
            this.height = h;
            this.width = w;
            return this;
        }

        /** Frame rate: required for frame folders; for video files it overrides the container's rate. */
        public Options fps(double f) {
            if (!(f > 0)) throw new IllegalArgumentException("fps must be > 0, got " + f);
            this.fps = f;
            return this;
        }
    }

    /** What a video file holds, from its container: size, frame rate, frame count (may be an estimate). */
    public record Info(Path path, int width, int height, double fps, int frames, String format) {}

    private ClipReader() {}

    /** Reads a video file or a frame folder. */
    public static Clip read(Path path, Options o) {
        if (!Files.exists(path)) throw new VideoException("video not found: " + path);
        return Files.isDirectory(path) ? readFolder(path, o) : readVideo(path, o);
    }

    /** Container facts of a video file without decoding frames. */
    public static Info probe(Path file) {
        if (!Files.isRegularFile(file)) throw new VideoException("video not found: " + file);
        FFmpegFrameGrabber g = open(file);
        try {
            return new Info(file, g.getImageWidth(), g.getImageHeight(), g.getFrameRate(), g.getLengthInVideoFrames(), g.getFormat());
        } finally {
            close(g, file);
        }
    }

    // ------------------------------------------------------------------ video files

    private static Clip readVideo(Path file, Options o) {
        FFmpegFrameGrabber g = open(file);
        List<float[]> frames = new ArrayList<>();
        int h = -1, w = -1;
        double fps = o.fps > 0 ? o.fps : g.getFrameRate();
        try {
            if (!(fps > 0))
                throw new VideoException("video " + file + " does not state a frame rate; give one (ClipReader.Options.fps / --in-fps)");
            int index = 0;
            while (frames.size() < o.maxFrames) {
                Frame f;
                try {
                    f = g.grabImage();
                } catch (FFmpegFrameGrabber.Exception e) {
                    throw new VideoException("cannot decode frame " + index + " of " + file + ": " + e.getMessage(), e);
                }
                if (f == null) break;
                if (index++ < o.start) continue;
                // JavaCV derives imageChannels from the (padded) row stride, so it is not checked: the pixel
                // format was forced to packed RGB24, and rows are read with their stride in bytes
                if (f.image == null || f.imageDepth != Frame.DEPTH_UBYTE || g.getPixelFormat() != avutil.AV_PIX_FMT_RGB24
                        || f.imageStride < 3 * f.imageWidth)
                    throw new VideoException("video " + file + ": unexpected decoded frame format (depth " + f.imageDepth
                            + ", pixel format " + g.getPixelFormat() + ", stride " + f.imageStride + " for width " + f.imageWidth + ")");
                if (h < 0) {
                    h = f.imageHeight;
                    w = f.imageWidth;
                } else if (f.imageHeight != h || f.imageWidth != w) {
                    throw new VideoException("video " + file + ": frame " + (index - 1) + " is " + f.imageWidth + "x" + f.imageHeight
                            + ", earlier frames are " + w + "x" + h);
                }
                frames.add(shape(rgb((ByteBuffer) f.image[0], f.imageStride, h, w), h, w, o));
            }
        } finally {
            close(g, file);
        }
        if (frames.isEmpty())
            throw new VideoException("video " + file + ": no frames decoded" + (o.start > 0 ? " at or after frame " + o.start : ""));
        int oh = o.height > 0 ? o.height : h, ow = o.width > 0 ? o.width : w;
        String desc = file + " (" + w + "x" + h + " at " + fps + " fps, frames " + o.start + ".." + (o.start + frames.size() - 1)
                + (o.height > 0 ? ", centre-cropped and area-resized to " + ow + "x" + oh : "") + (o.channels == 1 ? ", grey" : "") + ")";
        return new Clip(frames.toArray(new float[0][]), o.channels, oh, ow, fps, desc);
    }

    private static FFmpegFrameGrabber open(Path file) {
        FFmpegFrameGrabber g;
        try {
            avutil.av_log_set_level(avutil.AV_LOG_ERROR);
            g = new FFmpegFrameGrabber(file.toFile());
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new VideoException("cannot load FFmpeg's native libraries (org.bytedeco:ffmpeg, linux-x86_64) to read " + file
                    + ": " + e.getMessage(), e);
        }
        g.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
        try {
            g.start();
        } catch (FFmpegFrameGrabber.Exception e) {
            close(g, file);
            throw new VideoException("cannot open " + file + " as a video (not a video file, or a codec FFmpeg lacks): " + e.getMessage(), e);
        }
        if (g.getImageWidth() <= 0 || g.getImageHeight() <= 0) {
            close(g, file);
            throw new VideoException("cannot read " + file + ": it has no video stream");
        }
        return g;
    }

    private static void close(FFmpegFrameGrabber g, Path file) {
        try {
            g.stop();
            g.release();
        } catch (FFmpegFrameGrabber.Exception e) {
            LOG.warn("closing {}: {}", file, e.getMessage());
        }
    }

    /** Packed RGB24 rows (with a row stride in bytes) → {@code [3, H, W]} floats in [0, 1]. */
    private static float[] rgb(ByteBuffer buf, int stride, int h, int w) {
        float[] out = new float[3 * h * w];
        int n = h * w;
        for (int y = 0; y < h; y++) {
            int row = y * stride;
            for (int x = 0; x < w; x++) {
                int p = row + 3 * x, i = y * w + x;
                out[i] = (buf.get(p) & 0xFF) / 255f;
                out[n + i] = (buf.get(p + 1) & 0xFF) / 255f;
                out[2 * n + i] = (buf.get(p + 2) & 0xFF) / 255f;
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ frame folders

    private static Clip readFolder(Path dir, Options o) {
        if (!(o.fps > 0))
            throw new VideoException("frame folder " + dir + ": a folder of images does not store its frame rate; give it "
                    + "(ClipReader.Options.fps / --in-fps)");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
            }).sorted().toList();
        } catch (IOException e) {
            throw new VideoException("cannot list frame folder " + dir + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) throw new VideoException("frame folder " + dir + " has no .png, .jpg or .jpeg files");
        if (o.start >= files.size())
            throw new VideoException("frame folder " + dir + " has " + files.size() + " frames, start frame " + o.start + " is past its end");
        List<Path> use = files.subList(o.start, (int) Math.min(files.size(), (long) o.start + o.maxFrames));
        float[][] frames = new float[use.size()][];
        int h = -1, w = -1;
        Path firstFile = null;
        for (int i = 0; i < use.size(); i++) {
            Path f = use.get(i);
            BufferedImage img;
            try {
                img = ImageIO.read(f.toFile());
            } catch (IOException e) {
                throw new VideoException("cannot read frame image " + f + ": " + e.getMessage(), e);
            }
            if (img == null) throw new VideoException("cannot read frame image " + f + ": not a PNG or JPEG image");
            if (h < 0) {
                h = img.getHeight();
                w = img.getWidth();
                firstFile = f;
            } else if (img.getHeight() != h || img.getWidth() != w) {
                throw new VideoException("frame " + f + " is " + img.getWidth() + "x" + img.getHeight() + ", but " + firstFile
                        + " is " + w + "x" + h + ": all frames of a folder must have one size");
            }
            frames[i] = shape(rgb(img), h, w, o);
        }
        int oh = o.height > 0 ? o.height : h, ow = o.width > 0 ? o.width : w;
        String desc = dir + " (" + files.size() + " frame images " + w + "x" + h + " at " + o.fps + " fps, frames " + o.start + ".."
                + (o.start + frames.length - 1) + (o.height > 0 ? ", centre-cropped and area-resized to " + ow + "x" + oh : "")
                + (o.channels == 1 ? ", grey" : "") + ")";
        return new Clip(frames, o.channels, oh, ow, o.fps, desc);
    }

    private static float[] rgb(BufferedImage img) {
        int h = img.getHeight(), w = img.getWidth(), n = h * w;
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        float[] out = new float[3 * n];
        for (int i = 0; i < n; i++) {
            int p = argb[i];
            out[i] = ((p >> 16) & 0xFF) / 255f;
            out[n + i] = ((p >> 8) & 0xFF) / 255f;
            out[2 * n + i] = (p & 0xFF) / 255f;
        }
        return out;
    }

    /** Grey conversion, centre crop to the requested aspect and area resize, as the options ask. */
    private static float[] shape(float[] rgb, int h, int w, Options o) {
        float[] x = o.channels == 1 ? Frames.grey(rgb, h, w) : rgb;
        if (o.height <= 0) return x;
        int[] box = Frames.centerCropBox(h, w, o.height, o.width);
        if (box[2] != h || box[3] != w) x = Frames.crop(x, o.channels, h, w, box[0], box[1], box[2], box[3]);
        return Frames.area(x, o.channels, box[2], box[3], o.height, o.width);
    }
}
