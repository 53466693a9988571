package io.dcsldm.video;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipReaderTest {
    /** The real clip of Debian's opencv-doc package (768×576, 10 fps, 795 frames). */
    static final Path VTEST = Path.of("/usr/share/doc/opencv-doc/examples/data/vtest.avi");

    @TempDir
    Path tmp;

    /** Channel {@code ch} of pixel (y, x) of synthetic frame {@code i}: distinct, exactly representable bytes. */
    static int pixel(int i, int ch, int y, int x) {
        return (17 * i + 40 * ch + 7 * y + 3 * x) & 0xFF;
    }

    /** Writes a lossless clip (PNG codec, RGB24) with FFmpeg itself: the reader's fixture, made by the test. */
    static Path writeLosslessClip(Path file, int frames, int h, int w, double fps) throws Exception {
        try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(file.toFile(), w, h, 0)) {
            r.setFormat("avi");
            r.setVideoCodec(avcodec.AV_CODEC_ID_PNG);
            r.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
            r.setFrameRate(fps);
            r.start();
            for (int i = 0; i < frames; i++) {
                Frame f = new Frame(w, h, Frame.DEPTH_UBYTE, 3);
                ByteBuffer b = (ByteBuffer) f.image[0];
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        for (int c = 0; c < 3; c++) // JavaCV's 3-channel frames are BGR
                            b.put(y * f.imageStride + 3 * x + c, (byte) pixel(i, 2 - c, y, x));
                r.record(f);
            }
            r.stop();
        }
        return file;
    }

    @Test
    void decodesALosslessClipExactly() throws Exception {
        Path avi = writeLosslessClip(tmp.resolve("tiny.avi"), 6, 12, 20, 5);
        Clip c = ClipReader.read(avi, new ClipReader.Options());
        assertEquals(6, c.frameCount());
        assertEquals(5.0, c.fps(), 1e-9);
        assertEquals(3, c.channels());
        assertEquals(12, c.height());
        assertEquals(20, c.width());
        for (int i = 0; i < 6; i++)
            for (int ch = 0; ch < 3; ch++)
                for (int y = 0; y < 12; y++)
                    for (int x = 0; x < 20; x++)
                        assertEquals(pixel(i, ch, y, x) / 255f, c.frames()[i][(ch * 12 + y) * 20 + x], 1e-6f,
                                "frame " + i + " channel " + ch + " at " + y + "," + x);
        // start / maxFrames, grey, centre crop + area resize
        Clip part = ClipReader.read(avi, new ClipReader.Options().start(2).maxFrames(3).channels(1).size(6, 6));
        assertEquals(3, part.frameCount());
        float[] grey = Frames.grey(c.frames()[2], 12, 20);
        float[] expect = Frames.area(Frames.crop(grey, 1, 12, 20, 0, 4, 12, 12), 1, 12, 12, 6, 6);
        assertArrayEquals(expect, part.frames()[0], 1e-6f);
        assertTrue(part.source().contains("tiny.avi"), part.source());
        ClipReader.Info info = ClipReader.probe(avi);
        assertEquals(20, info.width());
        assertEquals(12, info.height());
        assertEquals(5.0, info.fps(), 1e-9);
    }

    @Test
    void readsAFrameFolderInNameOrder() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("frames"));
        for (int i = 0; i < 4; i++) writePng(dir.resolve(String.format("f%03d.png", 3 - i)), 3 - i, 8, 10);
        Files.writeString(dir.resolve("notes.txt"), "ignored");
        Clip c = ClipReader.read(dir, new ClipReader.Options().fps(12));
        assertEquals(4, c.frameCount());
        assertEquals(12.0, c.fps());
        for (int i = 0; i < 4; i++)
            assertEquals(pixel(i, 1, 2, 3) / 255f, c.frames()[i][(8 + 2) * 10 + 3], 1e-6f, "frame " + i);
    }

    @Test
    void badInputsAreOneLineErrorsNamingTheFile() throws IOException {
        Path missing = tmp.resolve("nope.avi");
        assertMessage(() -> ClipReader.read(missing, new ClipReader.Options()), "video not found: " + missing);
        Path text = Files.writeString(tmp.resolve("text.avi"), "this is not a video\n");
        assertMessage(() -> ClipReader.read(text, new ClipReader.Options()), text.toString());
        Path dir = Files.createDirectories(tmp.resolve("frames"));
        assertMessage(() -> ClipReader.read(dir, new ClipReader.Options().fps(10)), "no .png, .jpg or .jpeg files");
        writePng(dir.resolve("a.png"), 0, 8, 10);
        assertMessage(() -> ClipReader.read(dir, new ClipReader.Options()), "does not store its frame rate");
        writePng(dir.resolve("b.png"), 1, 9, 10);
        assertMessage(() -> ClipReader.read(dir, new ClipReader.Options().fps(10)), dir.resolve("b.png") + " is 10x9");
        Files.delete(dir.resolve("b.png"));
        Files.writeString(dir.resolve("c.png"), "not an image");
        assertMessage(() -> ClipReader.read(dir, new ClipReader.Options().fps(10)), "cannot read frame image " + dir.resolve("c.png"));
    }

    @Test
    void areaResizeIsABoxFilter() {
        float[] img = new float[4 * 6];
        for (int i = 0; i < img.length; i++) img[i] = i;
        float[] half = Frames.area(img, 1, 4, 6, 2, 3);
        assertEquals((0 + 1 + 6 + 7) / 4f, half[0], 1e-6f);
        // non-integer ratio keeps the mean
        float[] odd = Frames.area(img, 1, 4, 6, 3, 4);
        double m0 = 0, m1 = 0;
        for (float v : img) m0 += v / img.length;
        for (float v : odd) m1 += v / odd.length;
        assertEquals(m0, m1, 1e-4);
        assertArrayEquals(new int[]{0, 96, 576, 576}, Frames.centerCropBox(576, 768, 1, 1));
        assertArrayEquals(new int[]{48, 0, 480, 768}, Frames.centerCropBox(576, 768, 5, 8));
    }

    /** The real clip, when Debian's opencv-doc is installed; says so and why not otherwise. */
    @Test
    void readsVtestAviWhenInstalled() {
        if (!Files.isRegularFile(VTEST)) {
            System.err.println("ClipReaderTest: " + VTEST + " absent (Debian package opencv-doc not installed): "
                    + "checked the reader on the FFmpeg-written fixture only");
            return;
        }
        ClipReader.Info info = ClipReader.probe(VTEST);
        assertEquals(768, info.width());
        assertEquals(576, info.height());
        assertEquals(10.0, info.fps(), 1e-6);
        Clip c = ClipReader.read(VTEST, new ClipReader.Options().start(100).maxFrames(10).channels(1).size(32, 32));
        assertEquals(10, c.frameCount());
        assertEquals(32, c.height());
        float min = 1, max = 0;
        for (float v : c.frames()[0]) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertTrue(min >= 0 && max <= 1 && max - min > 0.2, "a real frame has contrast: " + min + ".." + max);
        assertFalse(Arrays.equals(c.frames()[0], c.frames()[9]), "people walk: frames differ");
    }

    private static void writePng(Path file, int i, int h, int w) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                img.setRGB(x, y, (pixel(i, 0, y, x) << 16) | (pixel(i, 1, y, x) << 8) | pixel(i, 2, y, x));
        ImageIO.write(img, "png", file.toFile());
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable e, String part) {
        VideoException ex = assertThrows(VideoException.class, e);
        assertTrue(ex.getMessage().contains(part), "message '" + ex.getMessage() + "' should contain '" + part + "'");
        assertFalse(ex.getMessage().contains("\n"), "one line: " + ex.getMessage());
    }
}
