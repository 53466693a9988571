package io.dcsldm.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderReaderTest {
    @TempDir
    Path tmp;

    /** RGB image whose pixel (y, x) is (10x, 20y, 7) (8-bit). */
    private static BufferedImage rgb(int h, int w) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (10 * x) << 16 | (20 * y) << 8 | 7);
            }
        }
        return img;
    }

    private static BufferedImage gray(int h, int w, int value) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster r = img.getRaster();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                r.setSample(x, y, 0, value);
            }
        }
        return img;
    }

    private Path write(String name, BufferedImage img, String fmt) throws IOException {
        Path p = tmp.resolve(name);
        assertTrue(ImageIO.write(img, fmt, p.toFile()), "no writer for " + fmt);
        return p;
    }

    @Test
    void convertsChannelsExactly() throws IOException {
        Path p = write("a.png", rgb(3, 4), "png");
        int[] hw = new int[2];
        float[] c3 = ImageFolderReader.readNative(p, 3, hw);
        assertArrayEquals(new int[] {3, 4}, hw);
        int plane = 12;
        assertEquals(30 / 255f, c3[2 * 4 + 3], 0f); // R at (2,3)
        assertEquals(40 / 255f, c3[plane + 2 * 4 + 3], 0f); // G
        assertEquals(7 / 255f, c3[2 * plane + 2 * 4 + 3], 0f); // B
        float[] c1 = ImageFolderReader.readNative(p, 1, null);
        assertEquals((0.299 * 30 + 0.587 * 40 + 0.114 * 7) / 255, c1[2 * 4 + 3], 1e-6);

        Path g = write("g.png", gray(2, 2, 200), "png");
        assertArrayEquals(new float[] {200 / 255f, 200 / 255f, 200 / 255f, 200 / 255f}, ImageFolderReader.readNative(g, 1, null), 0f);
        float[] g3 = ImageFolderReader.readNative(g, 3, null);
        assertEquals(12, g3.length);
        for (float v : g3) {
            assertEquals(200 / 255f, v, 0f); // raw sample, no gamma conversion
        }

        BufferedImage g16 = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        g16.getRaster().setSample(0, 0, 0, 65535);
        g16.getRaster().setSample(1, 0, 0, 12345);
        Path p16 = write("g16.png", g16, "png");
        assertArrayEquals(new float[] {1f, (float) (12345 / 65535.0)}, ImageFolderReader.readNative(p16, 1, null), 0f);

        IndexColorModel pal = new IndexColorModel(8, 2, new byte[] {0, (byte) 255}, new byte[] {0, 0}, new byte[] {0, (byte) 128});
        BufferedImage ix = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_INDEXED, pal);
        ix.getRaster().setSample(1, 0, 0, 1);
        float[] ip = ImageFolderReader.readNative(write("pal.png", ix, "png"), 3, null);
        assertArrayEquals(new float[] {0f, 1f, 0f, 0f, 0f, 128 / 255f}, ip, 0f);

        // JPEG is lossy: values only approximately
        float[] j = ImageFolderReader.readNative(write("g.jpg", gray(8, 8, 100), "jpg"), 1, null);
        assertEquals(100 / 255f, j[27], 3 / 255f);
    }

    @Test
    void readsFolderInNameOrderIgnoringOtherFiles() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("imgs"));
        ImageIO.write(gray(5, 6, 10), "png", dir.resolve("b.png").toFile());
        ImageIO.write(gray(5, 6, 20), "png", dir.resolve("a.PNG").toFile());
        ImageIO.write(gray(5, 6, 30), "jpeg", dir.resolve("c.jpeg").toFile());
        Files.writeString(dir.resolve("README.txt"), "not an image");
        ImageSet s = new ImageFolderReader(1, 0, 0, ImageFolderReader.SizePolicy.NONE).read(dir);
        assertEquals(3, s.size());
        assertEquals(5, s.height());
        assertEquals(6, s.width());
        assertEquals(20 / 255f, s.image(0)[0], 0f);
        assertEquals(10 / 255f, s.image(1)[0], 0f);
        assertEquals(30 / 255f, s.image(2)[0], 3 / 255f);
    }

    @Test
    void sizePolicies() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("sizes"));
        Path small = dir.resolve("a.png");
        Path wide = dir.resolve("b.png");
        ImageIO.write(rgb(28, 28), "png", small.toFile());
        ImageIO.write(rgb(20, 40), "png", wide.toFile());

        DataException e = assertThrows(DataException.class,
                () -> new ImageFolderReader(3, 28, 28, ImageFolderReader.SizePolicy.NONE).read(dir));
        assertTrue(e.getMessage().startsWith("image " + wide + " is 20x40 (HxW) but 28x28 is required"), e.getMessage());
        // NONE with no target size: the first image fixes it, so b.png fails the same way
        DataException e2 = assertThrows(DataException.class,
                () -> new ImageFolderReader(3, 0, 0, ImageFolderReader.SizePolicy.NONE).read(dir));
        assertTrue(e2.getMessage().contains(wide.toString()) && e2.getMessage().contains("20x40"), e2.getMessage());

        float[] a = ImageFolderReader.readNative(small, 3, null);
        float[] b = ImageFolderReader.readNative(wide, 3, null);

        ImageSet r = new ImageFolderReader(3, 14, 14, ImageFolderReader.SizePolicy.RESIZE).read(dir);
        assertArrayEquals(Resample.resize(a, 3, 28, 28, 14, 14), r.image(0), 0f);
        assertArrayEquals(Resample.resize(b, 3, 20, 40, 14, 14), r.image(1), 0f);

        // CENTER_CROP 20x40 -> 16x16: scale max(16/20, 16/40) = 0.8 -> 16x32, then crop columns 8..23
        ImageSet cc = new ImageFolderReader(3, 16, 16, ImageFolderReader.SizePolicy.CENTER_CROP).read(dir);
        assertArrayEquals(Resample.centerCrop(Resample.resize(b, 3, 20, 40, 16, 32), 3, 16, 32, 16, 16), cc.image(1), 0f);

        // PAD 28x28 -> 32x32 is a pure 2-pixel zero border; 20x40 -> 32x32 shrinks to 16x32 then pads rows
        ImageSet pd = new ImageFolderReader(3, 32, 32, ImageFolderReader.SizePolicy.PAD).read(dir);
        assertArrayEquals(Resample.padTo(a, 3, 28, 28, 32, 32, Resample.PadMode.ZERO), pd.image(0), 0f);
        assertArrayEquals(Resample.padTo(Resample.resize(b, 3, 20, 40, 16, 32), 3, 16, 32, 32, 32, Resample.PadMode.ZERO),
                pd.image(1), 0f);
    }

    @Test
    void corruptAndMissingFilesAreNamed() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("data/x"));
        ImageIO.write(gray(4, 4, 1), "png", dir.resolve("a.png").toFile());
        Path bad = dir.resolve("bad.png");
        Files.write(bad, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        DataException e = assertThrows(DataException.class,
                () -> new ImageFolderReader(1, 4, 4, ImageFolderReader.SizePolicy.NONE).read(dir));
        assertEquals("cannot read image " + bad + ": not a PNG/JPEG or corrupt", e.getMessage());

        Path text = dir.resolve("text.jpg");
        Files.writeString(text, "definitely not a jpeg");
        DataException e2 = assertThrows(DataException.class, () -> ImageFolderReader.readNative(text, 3, null));
        assertEquals("cannot read image " + text + ": not a PNG/JPEG or corrupt", e2.getMessage());

        // a truncated real PNG
        Path good = write("good.png", rgb(16, 16), "png");
        byte[] all = Files.readAllBytes(good);
        Path cut = tmp.resolve("cut.png");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
        DataException e3 = assertThrows(DataException.class, () -> ImageFolderReader.readNative(cut, 3, null));
        assertEquals("cannot read image " + cut + ": not a PNG/JPEG or corrupt", e3.getMessage());

        Path missing = tmp.resolve("no/such/dir");
        DataException e4 = assertThrows(DataException.class,
                () -> new ImageFolderReader(1, 0, 0, ImageFolderReader.SizePolicy.NONE).read(missing));
        assertEquals("image folder not found: " + missing, e4.getMessage());

        Path empty = Files.createDirectory(tmp.resolve("empty"));
        assertThrows(DataException.class, () -> new ImageFolderReader(1, 0, 0, ImageFolderReader.SizePolicy.NONE).read(empty));
    }

    /** A four-component colour space (CMYK-like) that neither 1- nor 3-channel reads can interpret. */
    private static final class FourComponents extends ColorSpace {
        private static final long serialVersionUID = 1L;

        FourComponents() {
            super(ColorSpace.TYPE_CMYK, 4);
        }

        @Override
        public float[] toRGB(float[] v) {
            return new float[] {v[0], v[1], v[2]};
        }

        @Override
        public float[] fromRGB(float[] v) {
            return new float[] {v[0], v[1], v[2], 0};
        }

        @Override
        public float[] toCIEXYZ(float[] v) {
            return toRGB(v);
        }

        @Override
        public float[] fromCIEXYZ(float[] v) {
            return fromRGB(v);
        }
    }

    @Test
    void unconvertibleColourSpaceIsNamed() {
        ComponentColorModel cm = new ComponentColorModel(new FourComponents(), false, false, java.awt.Transparency.OPAQUE,
                DataBuffer.TYPE_BYTE);
        BufferedImage img = new BufferedImage(cm, cm.createCompatibleWritableRaster(3, 2), false, null);
        DataException e = assertThrows(DataException.class, () -> ImageFolderReader.toChannels(img, 3, "data/x/cmyk.jpg"));
        assertTrue(e.getMessage().startsWith("cannot convert image data/x/cmyk.jpg to 3 channel(s): it has 4 colour components"),
                e.getMessage());
    }
}
