package io.dcsldm.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir
    Path tmp;

    private static ImageSet tiny() {
        float[][] imgs = new float[3][6];
        for (int i = 0; i < 3; i++) {
            for (int p = 0; p < 6; p++) {
                imgs[i][p] = ((i * 6 + p) * 13 % 256) / 255f;
            }
        }
        return new ImageSet(imgs, new int[] {7, 0, 255}, 1, 2, 3, "tiny");
    }

    @Test
    void readsShippedSubsetGzip() {
        Path dir = TestData.subsetDir();
        ImageSet s = IdxReader.read(dir.resolve("train-images-idx3-ubyte.gz"), dir.resolve("train-labels-idx1-ubyte.gz"), 100);
        assertEquals(100, s.size());
        assertEquals(1, s.channels());
        assertEquals(28, s.height());
        assertEquals(28, s.width());
        // first Fashion-MNIST training labels are 9 (ankle boot), 0, 0, 3 (see the IDX bytes)
        assertArrayEquals(new int[] {9, 0, 0, 3}, Arrays.copyOf(s.labels(), 4));
        float min = 1;
        float max = 0;
        for (int i = 0; i < s.size(); i++) {
            for (float v : s.image(i)) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        assertEquals(0f, min);
        assertEquals(1f, max);
        assertArrayEquals(new int[] {4000, 28, 28}, IdxReader.dimensions(dir.resolve("train-images-idx3-ubyte.gz")));
    }

    @Test
    void roundTripsPlainAndGzipDetectedByContentNotName() throws IOException {
        ImageSet t = tiny();
        Path rawNamedGz = tmp.resolve("raw-but-named.gz");
        Path gzNamedRaw = tmp.resolve("gz-but-named.idx");
        IdxWriter.writeImages(rawNamedGz, t, false);
        IdxWriter.writeImages(gzNamedRaw, t, true);
        byte[] gzBytes = Files.readAllBytes(gzNamedRaw);
        assertEquals(0x1f, gzBytes[0] & 0xFF);
        assertEquals(0x8b, gzBytes[1] & 0xFF);
        for (Path p : new Path[] {rawNamedGz, gzNamedRaw}) {
            ImageSet r = IdxReader.readImages(p);
            assertEquals(3, r.size());
            assertFalse(r.hasLabels());
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(t.image(i), r.image(i), 0f);
            }
        }
        Path labels = tmp.resolve("labels");
        IdxWriter.writeLabels(labels, t.labels(), true);
        assertArrayEquals(new int[] {7, 0, 255}, IdxReader.readLabels(labels));
        assertArrayEquals(new int[] {7, 0}, IdxReader.readLabels(labels, 2));
        assertEquals(2, IdxReader.readImages(gzNamedRaw, 2).size());
        ImageSet both = IdxReader.read(gzNamedRaw, labels, Integer.MAX_VALUE);
        assertEquals(255, both.label(2));
    }

    @Test
    void missingFileNamesThePath() {
        Path p = tmp.resolve("nope-images-idx3-ubyte.gz");
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(p));
        assertTrue(e.getMessage().contains("not found") && e.getMessage().contains(p.toString()), e.getMessage());
    }

    @Test
    void badMagicNamesTheFile() throws IOException {
        Path labels = tmp.resolve("labels.idx");
        IdxWriter.writeLabels(labels, new int[] {1, 2}, false);
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(labels));
        assertTrue(e.getMessage().startsWith("bad magic 0x00000801 in " + labels), e.getMessage());

        Path text = tmp.resolve("notes.txt");
        Files.writeString(text, "hello, this is not IDX");
        DataException e2 = assertThrows(DataException.class, () -> IdxReader.readLabels(text));
        assertTrue(e2.getMessage().contains("not an IDX file") && e2.getMessage().contains(text.toString()), e2.getMessage());

        Path ints = tmp.resolve("ints.idx");
        Files.write(ints, new byte[] {0, 0, 0x0C, 1, 0, 0, 0, 1, 0, 0, 0, 5});
        DataException e3 = assertThrows(DataException.class, () -> IdxReader.readLabels(ints));
        assertTrue(e3.getMessage().contains("unsupported IDX element type 0x0c") && e3.getMessage().contains(ints.toString()),
                e3.getMessage());
    }

    @Test
    void truncatedRawAndGzipNameTheFile() throws IOException {
        ImageSet t = tiny();
        Path raw = tmp.resolve("raw.idx");
        IdxWriter.writeImages(raw, t, false);
        byte[] b = Files.readAllBytes(raw);
        Files.write(raw, Arrays.copyOf(b, b.length - 4));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(raw));
        assertTrue(e.getMessage().startsWith("truncated IDX file " + raw) && e.getMessage().contains("14 bytes"), e.getMessage());

        // a gzip stream cut short: the reader must say "truncated", not leak an EOFException
        Path gz = tmp.resolve("cut.gz");
        Path sub = TestData.subsetDir().resolve("t10k-images-idx3-ubyte.gz");
        byte[] g = Files.readAllBytes(sub);
        Files.write(gz, Arrays.copyOf(g, g.length / 2));
        DataException e2 = assertThrows(DataException.class, () -> IdxReader.readImages(gz));
        assertTrue(e2.getMessage().contains("truncated") && e2.getMessage().contains(gz.toString()), e2.getMessage());
        // the head of the cut file is still readable
        assertEquals(10, IdxReader.readImages(gz, 10).size());

        Path hdr = tmp.resolve("hdr.idx");
        Files.write(hdr, new byte[] {0, 0, 8, 3, 0, 0});
        DataException e3 = assertThrows(DataException.class, () -> IdxReader.readImages(hdr));
        assertTrue(e3.getMessage().contains("truncated IDX file " + hdr), e3.getMessage());
    }

    @Test
    void countMismatchNamesBothFiles() {
        ImageSet t = tiny();
        Path im = tmp.resolve("im.gz");
        Path lb = tmp.resolve("lb.gz");
        IdxWriter.writeImages(im, t, true);
        IdxWriter.writeLabels(lb, new int[] {1, 2}, true);
        DataException e = assertThrows(DataException.class, () -> IdxReader.read(im, lb, Integer.MAX_VALUE));
        assertEquals("image/label count mismatch: " + im + " has 3 images but " + lb + " has 2 labels", e.getMessage());
    }
}
